"""``create-admin``: the first city administrator of a real database (no demo accounts there).

Everybody else is then issued from the accounts page by delegation. The temporary password is
printed once; it must be changed at first sign-in. Audited as a system action.
"""

from __future__ import annotations

import argparse

from sqlalchemy import select

from dashboard.commands.common import CliError, engine_from_args, require_schema
from data_access.accounts import (
    USERNAME_RE,
    NewAccount,
    bulk_create_accounts,
    city_unit_id,
    generate_temporary_password,
    hash_temporary_password,
)
from data_access.engine import transaction
from data_access.models import Account
from data_access.models.enums import Role


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("create-admin", help="create a city administrator (temporary password)")
    parser.add_argument("--username", required=True)
    parser.add_argument("--full-name", required=True)
    parser.add_argument("--email", default=None, help="e-mail for OpenID Connect sign-in (optional)")
    parser.set_defaults(handler=run_create_admin)


def run_create_admin(args: argparse.Namespace) -> int:
    engine = engine_from_args(args)
    require_schema(engine)
    username = args.username.strip().lower()
    if not USERNAME_RE.match(username):
        raise CliError("username: 3–64 characters, a-z 0-9 . _ -")
    temporary = generate_temporary_password()
    with transaction(engine) as session:
        city = city_unit_id(session)
        if city is None:
            raise CliError("no org units yet: load the reference data (seed) first")
        if session.scalar(select(Account.id).where(Account.username == username)) is not None:
            raise CliError(f"username {username!r} already exists")
        bulk_create_accounts(
            session,
            [
                NewAccount(
                    username=username,
                    full_name=args.full_name.strip(),
                    role=Role.CITY_ADMIN,
                    password_hash=hash_temporary_password(temporary),
                    email=args.email,
                    must_change_password=True,
                    scope_org_unit_ids=(city,),
                )
            ],
        )
    print(f"created city administrator {username}")
    print(f"temporary password (shown once, change at first sign-in): {temporary}")
    return 0
