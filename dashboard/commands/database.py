"""init-db, seed, status."""

from __future__ import annotations

import argparse
import json

from dashboard.commands.common import CliError, engine_from_args, require_schema
from dashboard.settings import DEFAULT_DEMO_PASSWORD
from data_access.schema import upgrade_to_head
from data_access.status import database_status


def register(subparsers: argparse._SubParsersAction) -> None:
    init = subparsers.add_parser("init-db", help="create or migrate the schema to the latest version")
    init.set_defaults(handler=run_init_db)

    seed = subparsers.add_parser("seed", help="load reference data and a synthetic city")
    seed.add_argument("--scale", type=_scale, default=0.01, help="1.0 = 8.7 million residents (default 0.01)")
    seed.add_argument("--seed", type=int, default=7, help="random seed; same seed → identical data")
    seed.add_argument("--no-demo-users", action="store_true", help="do not create the demo accounts")
    seed.add_argument("--demo-password", default=DEFAULT_DEMO_PASSWORD, help="password of every demo account")
    seed.add_argument("--replace", action="store_true", help="wipe a database that already holds data")
    seed.add_argument("--quiet", action="store_true", help="no progress bars")
    seed.set_defaults(handler=run_seed)

    status = subparsers.add_parser("status", help="counts of what the database holds")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(handler=run_status)


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"--scale must be a number, got {text!r}") from error
    if not 0 < value <= 2:
        raise argparse.ArgumentTypeError(f"--scale must be in (0, 2], got {text}")
    return value


def run_init_db(args: argparse.Namespace) -> int:
    engine = engine_from_args(args)
    upgrade_to_head(engine)
    print("database schema is up to date")
    return 0


def run_seed(args: argparse.Namespace) -> int:
    from seeds.city import DatabaseNotEmptyError, seed_database  # heavy imports only for this command

    engine = engine_from_args(args)
    upgrade_to_head(engine)
    if len(args.demo_password) < 8:
        raise CliError("--demo-password must have at least 8 characters")
    try:
        report = seed_database(
            engine,
            scale=args.scale,
            seed=args.seed,
            demo_users=not args.no_demo_users,
            demo_password=args.demo_password,
            progress=not args.quiet,
            replace=args.replace,
        )
    except DatabaseNotEmptyError as error:
        raise CliError(str(error)) from error
    print(report.summary())
    return 0


def run_status(args: argparse.Namespace) -> int:
    engine = engine_from_args(args)
    require_schema(engine)
    status = database_status(engine)
    if args.json:
        print(json.dumps(status, ensure_ascii=False, sort_keys=False))
    else:
        for key, value in status.items():
            print(f"{key}: {value}")
    return 0
