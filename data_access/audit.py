"""The append-only audit log: who did what, to what, from which scope, when.

Rows are added to the caller's session, so they commit (or roll back) with the change they record.
Changing or deleting a row is refused by an ORM guard (``data_access.models.accounts``) and, below
the ORM, by database triggers (migration 0002).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from data_access.models import AuditLog
from data_access.models.enums import Role
from data_access.scope import Principal
from data_access.types import utcnow

# Vietnam has had no daylight saving time since 1975: a fixed offset is exact and needs no tzdata.
VN_TZ = dt.timezone(dt.timedelta(hours=7), "ICT")

# Roles allowed to read the audit log. Only the city administrator (issue 3); deny everyone else.
AUDIT_READER_ROLES = frozenset({Role.CITY_ADMIN})


class Action:
    """Audit action names: stable strings the audit page filters on."""

    LOGIN_OK = "login.success"
    LOGIN_FAILED = "login.failure"
    LOGIN_LIMITED = "login.rate_limited"
    LOGIN_OIDC = "login.oidc"
    LOGOUT = "logout"
    PASSWORD_CHANGE = "password.change"
    ACCOUNT_CREATE = "account.create"
    ACCOUNT_BULK_ISSUE = "account.bulk_issue"
    ACCOUNT_DISABLE = "account.disable"
    ACCOUNT_ENABLE = "account.enable"
    ACCOUNT_RESET_PASSWORD = "account.reset_password"
    ACCOUNT_CHANGE_ROLE_SCOPE = "account.change_role_scope"
    TEMP_PASSWORDS_EXPORT = "export.temp_passwords"
    PERSON_REVEAL = "person.reveal"
    EXPORT = "export"
    AUDIT_EXPORT = "export.audit_log"


def _row(
    actor: Principal | None,
    action: str,
    target_type: str | None,
    target_id: object,
    details: dict[str, Any] | None,
    actor_username: str | None,
    at: dt.datetime | None,
) -> dict[str, Any]:
    return {
        "at": at or utcnow(),
        "actor_id": actor.account_id if actor else None,
        "actor_username": (
            actor.username if actor else actor_username if actor_username is not None else "system"
        )[:64],
        "action": action,
        "target_type": target_type,
        "target_id": None if target_id is None else str(target_id)[:64],
        "scope": actor.scope.describe()[:255] if actor else None,
        "details": details,
    }


def record(
    session: Session,
    actor: Principal | None,
    action: str,
    *,
    target_type: str | None = None,
    target_id: object = None,
    details: dict[str, Any] | None = None,
    actor_username: str | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Add one audit row to ``session`` (same transaction as the change). ``actor=None`` = system."""
    session.add(AuditLog(**_row(actor, action, target_type, target_id, details, actor_username, at)))


def record_many(
    session: Session,
    actor: Principal | None,
    action: str,
    targets: Iterable[tuple[str, object, dict[str, Any] | None]],
) -> int:
    """One row per (target_type, target_id, details), inserted in one executemany (bulk issue)."""
    at = utcnow()
    rows = [_row(actor, action, kind, target, details, None, at) for kind, target, details in targets]
    if rows:
        session.execute(insert(AuditLog), rows)
    return len(rows)


@dataclass(frozen=True)
class AuditFilter:
    date_from: dt.date | None = None  # Vietnam calendar days, inclusive
    date_to: dt.date | None = None
    action_prefix: str | None = None  # "account." matches every account action
    actor_username: str | None = None
    target: str | None = None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime  # UTC
    actor_username: str | None
    action: str
    target_type: str | None
    target_id: str | None
    scope: str | None
    details: dict | None


def _day_start_utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), VN_TZ).astimezone(dt.UTC)


def list_audit(
    session: Session, principal: Principal, flt: AuditFilter = AuditFilter(), limit: int = 5000
) -> list[AuditEntry]:
    """Newest first. Only audit readers see anything; the log spans the whole city."""
    if principal.role not in AUDIT_READER_ROLES or not principal.scope.city:
        return []
    query = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit)
    if flt.date_from:
        query = query.where(AuditLog.at >= _day_start_utc(flt.date_from))
    if flt.date_to:
        query = query.where(AuditLog.at < _day_start_utc(flt.date_to + dt.timedelta(days=1)))
    if flt.action_prefix:
        query = query.where(AuditLog.action.startswith(flt.action_prefix, autoescape=True))
    if flt.actor_username:
        query = query.where(
            func.lower(AuditLog.actor_username).contains(flt.actor_username.lower().strip(), autoescape=True)
        )
    if flt.target:
        query = query.where(AuditLog.target_id == flt.target.strip())
    return [
        AuditEntry(r.id, r.at, r.actor_username, r.action, r.target_type, r.target_id, r.scope, r.details)
        for r in session.scalars(query)
    ]


def audit_action_names(session: Session, principal: Principal) -> list[str]:
    if principal.role not in AUDIT_READER_ROLES or not principal.scope.city:
        return []
    return list(session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))
