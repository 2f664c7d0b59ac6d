"""Sub-command modules, in the order ``--help`` lists them. Add a module here to add commands."""

from dashboard.commands import app, database

COMMAND_MODULES = [database, app]
