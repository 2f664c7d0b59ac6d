"""User accounts, their scopes, server-side sessions, login attempts and the audit log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from data_access.models.base import Base
from data_access.types import UTCDateTime, bigintpk, created_at, intpk


class Account(Base):
    __tablename__ = "account"

    id: Mapped[intpk]
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), index=True)  # Role
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"), index=True)
    created_at: Mapped[created_at]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    first_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class AccountScope(Base):
    """One org-unit subtree (city, district or ward) or one facility an account may see.

    An account's scope is the union of its rows; no row means no data (deny by default).
    """

    __tablename__ = "account_scope"

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"))


class AuthSession(Base):
    """Server-side session: checked on every rerun so logout and disabling take effect at once."""

    __tablename__ = "auth_session"

    id: Mapped[intpk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # role at issue: a role change revokes the session
    created_at: Mapped[created_at]
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class LoginAttempt(Base):
    """Every sign-in attempt, for rate limiting in a time window (per username and overall)."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_username_at", "username", "at"),)

    id: Mapped[bigintpk]
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    success: Mapped[bool] = mapped_column(Boolean)


class AuditLog(Base):
    """Append-only: rows are written in the same transaction as the change they record."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_action_at", "action", "at"),)

    id: Mapped[bigintpk]
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    actor_username: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    scope: Mapped[str | None] = mapped_column(String(255))  # the actor's scope, as text, at the time
    details: Mapped[dict | None] = mapped_column(JSON)


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit row (the database refuses it too)."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context, _instances) -> None:
    # Registered on the Session class so every session in the process is covered, whoever made it.
    for instance in (*session.dirty, *session.deleted):
        if isinstance(instance, AuditLog) and (instance in session.deleted or session.is_modified(instance)):
            raise AuditLogIsAppendOnly("audit_log rows cannot be changed or deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_audit_changes(state) -> None:
    # ORM-enabled update()/delete() statements bypass before_flush; catch them here.
    if (state.is_update or state.is_delete) and any(m.class_ is AuditLog for m in state.all_mappers):
        raise AuditLogIsAppendOnly("audit_log rows cannot be changed or deleted")
