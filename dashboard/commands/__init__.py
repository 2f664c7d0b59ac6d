"""Sub-command modules, in the order ``--help`` lists them. Add a module here to add commands."""

from dashboard.commands import database

COMMAND_MODULES = [database]
