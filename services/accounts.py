"""Data for the accounts page and the home page, shaped for display (no Streamlit here).

Every function takes the engine and the caller's principal; scope and delegation are enforced in
``data_access.accounts``; this module only opens the transaction and shapes rows into frames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl
from sqlalchemy import Engine

from data_access import accounts as repo
from data_access.accounts import AccountFilter, BulkIssueResult, Grant, IssuedCredential
from data_access.audit import VN_TZ
from data_access.engine import transaction
from data_access.scope import Principal


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(VN_TZ).replace(tzinfo=None) if value else None


def accounts_frame(engine: Engine, principal: Principal, flt: AccountFilter) -> pl.DataFrame:
    with transaction(engine) as session:
        rows = repo.list_accounts(session, principal, flt)
    return pl.DataFrame(
        {
            "id": [r.id for r in rows],
            "username": [r.username for r in rows],
            "full_name": [r.full_name for r in rows],
            "role": [r.role for r in rows],
            "unit": [r.facility_name or ", ".join(r.scope_names) for r in rows],
            "district": [r.district_name or "" for r in rows],
            "active": [r.is_active for r in rows],
            "pending_change": [r.must_change_password for r in rows],
            "first_login": [_local(r.first_login_at) for r in rows],
            "last_login": [_local(r.last_login_at) for r in rows],
        },
        schema={
            "id": pl.Int64,
            "username": pl.String,
            "full_name": pl.String,
            "role": pl.String,
            "unit": pl.String,
            "district": pl.String,
            "active": pl.Boolean,
            "pending_change": pl.Boolean,
            "first_login": pl.Datetime,
            "last_login": pl.Datetime,
        },
    )


def activation_frame(engine: Engine, principal: Principal, today: dt.date | None = None) -> pl.DataFrame:
    with transaction(engine) as session:
        rows = repo.activation_summary(session, principal, today)
    return pl.DataFrame(
        [
            {
                "district": r.district_name,
                "facility_type": r.facility_type,
                "facilities": r.facilities,
                "issued": r.issued,
                "activated": r.activated,
                "active_30d": r.active_30d,
            }
            for r in rows
        ],
        schema={
            "district": pl.String,
            "facility_type": pl.String,
            "facilities": pl.Int64,
            "issued": pl.Int64,
            "activated": pl.Int64,
            "active_30d": pl.Int64,
        },
    )


def district_options(engine: Engine, principal: Principal) -> list[repo.UnitOption]:
    with transaction(engine) as session:
        return repo.districts_in_scope(session, principal)


def ward_options(engine: Engine, principal: Principal, district_id: int | None) -> list[repo.UnitOption]:
    with transaction(engine) as session:
        return repo.wards_in_scope(session, principal, district_id)


def facility_options(
    engine: Engine, principal: Principal, district_id: int | None = None, facility_type: str | None = None
) -> list[repo.FacilityOption]:
    with transaction(engine) as session:
        return repo.facilities_in_scope(
            session, principal, district_id=district_id, facility_type=facility_type
        )


def scope_names(engine: Engine, principal: Principal) -> list[str]:
    with transaction(engine) as session:
        return repo.describe_scope(session, principal)


def get_account(engine: Engine, principal: Principal, account_id: int) -> repo.AccountView | None:
    with transaction(engine) as session:
        return repo.get_account(session, principal, account_id)


def create_account(
    engine: Engine,
    principal: Principal,
    *,
    username: str,
    full_name: str,
    grant: Grant,
    facility_id: int | None,
) -> IssuedCredential:
    with transaction(engine) as session:
        return repo.create_account(
            session, principal, username=username, full_name=full_name, grant=grant, facility_id=facility_id
        )


def facility_grant(engine: Engine, principal: Principal, facility_id: int) -> Grant:
    """The standard facility-user scope: the facility and its ward."""
    with transaction(engine) as session:
        facility = next(
            (f for f in repo.facilities_in_scope(session, principal) if f.id == facility_id),
            None,
        )
    if facility is None:
        raise repo.NotAllowed("accounts.error.scope_not_allowed")
    return Grant("facility_user", frozenset({facility.ward_id}), frozenset({facility.id}))


def bulk_issue(
    engine: Engine,
    principal: Principal,
    *,
    district_id: int | None,
    facility_type: str | None,
    today: dt.date | None = None,
) -> BulkIssueResult:
    with transaction(engine) as session:
        return repo.issue_facility_accounts(
            session, principal, district_id=district_id, facility_type=facility_type, today=today
        )


def credentials_frame(credentials: Sequence[IssuedCredential], labels: dict[str, str]) -> pl.DataFrame:
    """The one-time sheet of temporary passwords, with translated column headers."""
    return pl.DataFrame(
        {
            labels["username"]: [c.username for c in credentials],
            labels["password"]: [c.temporary_password for c in credentials],
            labels["facility_code"]: [c.facility_code or "" for c in credentials],
            labels["unit"]: [c.facility_name or c.full_name for c in credentials],
            labels["district"]: [c.district_name or "" for c in credentials],
        }
    )


def record_credentials_export(engine: Engine, principal: Principal, usernames: Sequence[str]) -> None:
    with transaction(engine) as session:
        repo.record_temporary_password_export(session, principal, usernames)


def set_active(engine: Engine, principal: Principal, account_id: int, active: bool) -> None:
    with transaction(engine) as session:
        repo.set_account_active(session, principal, account_id, active)


def reset_password(engine: Engine, principal: Principal, account_id: int) -> str:
    with transaction(engine) as session:
        return repo.reset_password(session, principal, account_id)


def change_role_scope(engine: Engine, principal: Principal, account_id: int, grant: Grant) -> None:
    with transaction(engine) as session:
        repo.change_role_scope(session, principal, account_id, grant)


def city_unit_id(engine: Engine) -> int | None:
    with transaction(engine) as session:
        return repo.city_unit_id(session)
