"""Sub-command modules, in the order ``--help`` lists them. Add a module here to add commands."""

from dashboard.commands import accounts, app, cleaning, database, kpis

COMMAND_MODULES = [database, app, cleaning, kpis, accounts]
