from __future__ import annotations

import argparse

from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError

from dashboard.settings import database_url
from data_access.engine import make_engine
from data_access.schema import is_at_head


class CliError(Exception):
    """An operator error: printed as one line, exit code 2."""


def engine_from_args(args: argparse.Namespace) -> Engine:
    try:
        return make_engine(database_url(args.db))
    except ArgumentError as error:
        raise CliError(f"invalid database URL {database_url(args.db)!r}") from error
    except ModuleNotFoundError as error:
        raise CliError(f"no driver for database URL: {error.name}") from error


def require_schema(engine: Engine) -> None:
    if not is_at_head(engine):
        raise CliError("the database schema is missing or old: run `python -m dashboard init-db` first")
