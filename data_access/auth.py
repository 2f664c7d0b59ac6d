"""Sign-in, rate limiting and server-side sessions (no Streamlit here; ``dashboard/auth.py`` draws).

* ``authenticate`` checks a username/password pair. Every attempt is stored as a ``LoginAttempt``
  and audited; failures are rate-limited per username and overall in a sliding window. The answer
  for an unknown user, a wrong password and a disabled account (wrong password) is the same and
  takes the same time: a bcrypt check always runs, and the whole call is padded to a floor.
* A successful sign-in creates an ``AuthSession``; the browser gets only a random token whose
  SHA-256 is stored. ``validate_session`` runs on **every** rerun: a revoked or expired session, a
  disabled account or a role different from the one the session was issued for yields nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from data_access import audit
from data_access.accounts import TEMP_PASSWORD_MAX_AGE, is_temporary_hash, verify_password
from data_access.audit import Action
from data_access.engine import transaction
from data_access.models import Account, AuthSession, LoginAttempt
from data_access.models.enums import Role
from data_access.scope import Principal, load_scope
from data_access.types import utcnow


@dataclass(frozen=True)
class AuthPolicy:
    session_hours: float = 8.0  # a working day; the cookie expires with the session
    user_max_failures: int = 5  # per username …
    user_window: dt.timedelta = dt.timedelta(minutes=15)  # … in this sliding window
    global_max_failures: int = 200  # all usernames together (password spraying) …
    global_window: dt.timedelta = dt.timedelta(minutes=5)
    min_response_seconds: float = 0.4  # floor for every answer, above one bcrypt-12 check
    last_seen_write_seconds: int = 60  # throttle the per-rerun "last seen" write


DEFAULT_POLICY = AuthPolicy()


class Outcome(StrEnum):
    OK = "ok"
    INVALID = "invalid"  # unknown user or wrong password: never say which
    DISABLED = "disabled"  # correct password, account disabled
    TEMP_EXPIRED = "temp_expired"  # correct temporary password, but too old
    USER_LIMITED = "user_limited"
    GLOBAL_LIMITED = "global_limited"


@dataclass(frozen=True)
class LoginResult:
    outcome: Outcome
    token: str | None = None  # raw session token, only for OK
    account_id: int | None = None
    retry_after_minutes: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def _normalise(username: str) -> str:
    return (username or "").strip().lower()[:64]


def _failures_since(session: Session, since: dt.datetime, username: str | None = None) -> int:
    query = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.at >= since, LoginAttempt.success.is_(False))
    )
    if username is not None:
        query = query.where(LoginAttempt.username == username)
    return session.scalar(query) or 0


def _oldest_failure_since(session: Session, since: dt.datetime, username: str) -> dt.datetime | None:
    return session.scalar(
        select(func.min(LoginAttempt.at)).where(
            LoginAttempt.at >= since, LoginAttempt.success.is_(False), LoginAttempt.username == username
        )
    )


def authenticate(
    engine: Engine,
    username: str,
    password: str,
    *,
    policy: AuthPolicy = DEFAULT_POLICY,
    now: dt.datetime | None = None,
) -> LoginResult:
    """Check credentials and, on success, open a server-side session. Commits its own transaction."""
    started = time.monotonic()
    try:
        return _authenticate(engine, _normalise(username), password or "", policy, now or utcnow())
    finally:
        # Pad every answer to the same floor: the remaining differences (a DB write more or less)
        # are far below network jitter.
        remaining = policy.min_response_seconds - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)


def _authenticate(
    engine: Engine, username: str, password: str, policy: AuthPolicy, now: dt.datetime
) -> LoginResult:
    with transaction(engine) as session:
        if _failures_since(session, now - policy.global_window) >= policy.global_max_failures:
            audit.record(
                session, None, Action.LOGIN_LIMITED, actor_username=username, details={"scope": "global"}
            )
            return LoginResult(Outcome.GLOBAL_LIMITED, retry_after_minutes=_minutes(policy.global_window))
        user_since = now - policy.user_window
        if _failures_since(session, user_since, username) >= policy.user_max_failures:
            # Refused without checking the password, so a locked account cannot be brute-forced; the
            # lock applies to unknown usernames alike, so it does not reveal which accounts exist.
            oldest = _oldest_failure_since(session, user_since, username) or now
            retry = max(1, _minutes(oldest + policy.user_window - now))
            audit.record(
                session, None, Action.LOGIN_LIMITED, actor_username=username, details={"scope": "user"}
            )
            return LoginResult(Outcome.USER_LIMITED, retry_after_minutes=retry)

        account = session.scalar(select(Account).where(Account.username == username)) if username else None
        password_ok = verify_password(password, account.password_hash if account else None)
        outcome = Outcome.OK
        if not password_ok or account is None:
            outcome = Outcome.INVALID
        elif not account.is_active:
            outcome = Outcome.DISABLED
        elif (
            account.must_change_password
            and is_temporary_hash(account.password_hash)
            and account.password_changed_at is not None
            and now - account.password_changed_at > TEMP_PASSWORD_MAX_AGE
        ):
            outcome = Outcome.TEMP_EXPIRED

        session.add(LoginAttempt(username=username, at=now, success=outcome is Outcome.OK))
        if outcome is not Outcome.OK:
            audit.record(
                session,
                None,
                Action.LOGIN_FAILED,
                actor_username=username,
                target_type="account",
                target_id=account.id if account else None,
                details={"reason": outcome.value},
            )
            return LoginResult(outcome)

        token, principal = _start_session(session, account, policy, now)
        audit.record(session, principal, Action.LOGIN_OK, target_type="account", target_id=account.id)
        return LoginResult(Outcome.OK, token=token, account_id=account.id)


def _start_session(
    session: Session, account: Account, policy: AuthPolicy, now: dt.datetime
) -> tuple[str, Principal]:
    """Record a new server-side session and the sign-in; the raw token goes only to the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        AuthSession(
            token_hash=token_hash(token),
            account_id=account.id,
            role=account.role,
            created_at=now,
            expires_at=now + dt.timedelta(hours=policy.session_hours),
            last_seen_at=now,
        )
    )
    if account.first_login_at is None:
        account.first_login_at = now
    account.last_login_at = now
    return token, Principal(account.id, account.username, Role(account.role), load_scope(session, account.id))


def _minutes(delta: dt.timedelta) -> int:
    return int(-(-delta.total_seconds() // 60))


def open_session_for(
    engine: Engine,
    account_id: int,
    *,
    via: str,
    policy: AuthPolicy = DEFAULT_POLICY,
    now: dt.datetime | None = None,
) -> str | None:
    """Open a session for an account already authenticated elsewhere (OpenID Connect). None if disabled."""
    now = now or utcnow()
    with transaction(engine) as session:
        account = session.get(Account, account_id)
        if account is None or not account.is_active:
            return None
        token, principal = _start_session(session, account, policy, now)
        audit.record(
            session,
            principal,
            Action.LOGIN_OIDC,
            target_type="account",
            target_id=account.id,
            details={"via": via},
        )
        return token


def account_id_for_email(engine: Engine, email: str) -> int | None:
    """The active account registered with ``email`` (OpenID Connect maps identities by e-mail only
    to accounts an administrator created: no self-provisioning)."""
    if not email:
        return None
    with transaction(engine) as session:
        ids = list(
            session.scalars(
                select(Account.id).where(
                    func.lower(Account.email) == email.strip().lower(), Account.is_active.is_(True)
                )
            )
        )
    return ids[0] if len(ids) == 1 else None  # ambiguous e-mail: refuse rather than guess


@dataclass(frozen=True)
class ActiveSession:
    session_id: int
    principal: Principal
    full_name: str
    must_change_password: bool
    expires_at: dt.datetime


def validate_session(
    engine: Engine, token: str | None, *, policy: AuthPolicy = DEFAULT_POLICY, now: dt.datetime | None = None
) -> ActiveSession | None:
    """The live session for ``token`` with a freshly loaded principal, or None. Call on every rerun."""
    if not token:
        return None
    now = now or utcnow()
    with transaction(engine) as session:
        row = session.execute(
            select(AuthSession, Account)
            .join(Account, Account.id == AuthSession.account_id)
            .where(AuthSession.token_hash == token_hash(token))
        ).first()
        if row is None:
            return None
        auth_session, account = row
        if (
            auth_session.revoked_at is not None
            or auth_session.expires_at <= now
            or not account.is_active
            or account.role != auth_session.role
        ):
            return None
        if auth_session.last_seen_at is None or (now - auth_session.last_seen_at).total_seconds() > (
            policy.last_seen_write_seconds
        ):
            auth_session.last_seen_at = now
        principal = Principal(
            account.id, account.username, Role(account.role), load_scope(session, account.id)
        )
        return ActiveSession(
            auth_session.id,
            principal,
            account.full_name,
            account.must_change_password,
            auth_session.expires_at,
        )


def revoke_session(engine: Engine, token: str | None, *, actor: Principal | None = None) -> None:
    """Logout: the session (and therefore any copy of its cookie) stops working at once."""
    if not token:
        return
    with transaction(engine) as session:
        result = session.execute(
            update(AuthSession)
            .where(AuthSession.token_hash == token_hash(token), AuthSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        if result.rowcount and actor is not None:
            audit.record(session, actor, Action.LOGOUT, target_type="account", target_id=actor.account_id)
