"""authenticate / sessions: rate limits, uniform answers, server-side session checks."""

from __future__ import annotations

import datetime as dt
import statistics
import time

import pytest
from sqlalchemy import func, select

from data_access.accounts import Grant, change_role_scope, set_account_active
from data_access.audit import AuditFilter, list_audit
from data_access.auth import AuthPolicy, Outcome, authenticate, revoke_session, validate_session
from data_access.engine import transaction
from data_access.models import Account, AuthSession
from data_access.models.enums import Role
from data_access.types import utcnow
from tests.auth_helpers import PASSWORD, build_mini_city

FAST = AuthPolicy(min_response_seconds=0)


def test_success_opens_a_session_and_records_first_login(engine):
    city = build_mini_city(engine)
    result = authenticate(engine, "  TTYT.001 ", PASSWORD, policy=FAST)
    assert result.ok and result.token and len(result.token) >= 40
    active = validate_session(engine, result.token)
    assert active.principal.username == "ttyt.001" and active.principal.role == Role.DISTRICT_MANAGER
    assert active.principal.scope.district_ids == {city.districts["001"]}
    with transaction(engine) as session:
        account = session.get(Account, city.accounts["ttyt.001"])
        assert account.first_login_at is not None and account.last_login_at is not None
        stored = session.scalar(select(AuthSession.token_hash))
    assert result.token not in stored  # only the hash is stored


def test_failures_are_uniform_and_audited(engine):
    city = build_mini_city(engine)
    assert authenticate(engine, "quantri", "wrong", policy=FAST).outcome is Outcome.INVALID
    assert authenticate(engine, "ghost", "wrong", policy=FAST).outcome is Outcome.INVALID
    assert authenticate(engine, "", "", policy=FAST).outcome is Outcome.INVALID
    with transaction(engine) as session:
        failures = list_audit(
            session, city.principal(engine, "quantri"), AuditFilter(action_prefix="login.failure")
        )
    assert {f.actor_username for f in failures} == {"quantri", "ghost", ""}


def test_unknown_user_and_wrong_password_take_the_same_time(engine):
    build_mini_city(engine)
    policy = AuthPolicy(min_response_seconds=0, user_max_failures=100)  # no floor: measure the raw paths

    def timed(username: str) -> float:
        started = time.perf_counter()
        authenticate(engine, username, "wrong-password", policy=policy)
        return time.perf_counter() - started

    known = statistics.median(timed("quantri") for _ in range(5))
    unknown = statistics.median(timed("no.such.user") for _ in range(5))
    print(f"\nwrong password {known * 1000:.0f} ms, unknown user {unknown * 1000:.0f} ms")
    assert abs(known - unknown) < 0.35 * max(known, unknown)
    floored = AuthPolicy(min_response_seconds=0.5, user_max_failures=100)
    started = time.perf_counter()
    authenticate(engine, "", "", policy=floored)  # cheapest path still waits for the floor
    assert time.perf_counter() - started >= 0.5


def test_per_user_rate_limit_and_window(engine):
    build_mini_city(engine)
    policy = AuthPolicy(min_response_seconds=0, user_max_failures=3, user_window=dt.timedelta(minutes=10))
    now = utcnow()
    for _ in range(3):
        assert authenticate(engine, "lanhdao", "bad", policy=policy, now=now).outcome is Outcome.INVALID
    limited = authenticate(engine, "lanhdao", PASSWORD, policy=policy, now=now)
    assert limited.outcome is Outcome.USER_LIMITED and limited.retry_after_minutes == 10
    assert authenticate(engine, "quantri", PASSWORD, policy=policy, now=now).ok  # others unaffected
    # unknown usernames are limited alike (no account enumeration through the lock)
    for _ in range(3):
        authenticate(engine, "ghost", "bad", policy=policy, now=now)
    assert authenticate(engine, "ghost", "bad", policy=policy, now=now).outcome is Outcome.USER_LIMITED
    later = now + dt.timedelta(minutes=11)
    assert authenticate(engine, "lanhdao", PASSWORD, policy=policy, now=later).ok


def test_global_rate_limit(engine):
    build_mini_city(engine)
    policy = AuthPolicy(min_response_seconds=0, global_max_failures=4, global_window=dt.timedelta(minutes=5))
    now = utcnow()
    for username in ("a1", "a2", "a3", "a4"):  # spraying: one try per username
        authenticate(engine, username, "bad", policy=policy, now=now)
    assert authenticate(engine, "quantri", PASSWORD, policy=policy, now=now).outcome is Outcome.GLOBAL_LIMITED
    assert authenticate(engine, "quantri", PASSWORD, policy=policy, now=now + dt.timedelta(minutes=6)).ok


def test_session_ends_on_disable_role_change_revoke_and_expiry(engine):
    city = build_mini_city(engine)
    admin = city.principal(engine, "quantri")
    tokens = {
        u: authenticate(engine, u, PASSWORD, policy=FAST).token for u in ("tyt.01001", "thanhtra", "lanhdao")
    }
    assert all(validate_session(engine, token) for token in tokens.values())
    with transaction(engine) as session:
        set_account_active(session, admin, city.accounts["tyt.01001"], False)
        change_role_scope(
            session, admin, city.accounts["thanhtra"], Grant(Role.LEADERSHIP, frozenset({city.city}))
        )
    assert validate_session(engine, tokens["tyt.01001"]) is None  # a copied cookie gets nothing either
    assert validate_session(engine, tokens["thanhtra"]) is None
    revoke_session(engine, tokens["lanhdao"])
    assert validate_session(engine, tokens["lanhdao"]) is None
    fresh = authenticate(engine, "lanhdao", PASSWORD, policy=FAST).token
    assert validate_session(engine, fresh, now=utcnow() + dt.timedelta(hours=7)) is not None
    assert validate_session(engine, fresh, now=utcnow() + dt.timedelta(hours=9)) is None  # 8 h default
    assert validate_session(engine, "forged-token") is None and validate_session(engine, None) is None


def test_scope_change_applies_on_next_validation(engine):
    city = build_mini_city(engine)
    token = authenticate(engine, "thanhtra", PASSWORD, policy=FAST).token
    with transaction(engine) as session:
        change_role_scope(
            session,
            city.principal(engine, "quantri"),
            city.accounts["thanhtra"],
            Grant(Role.INSPECTOR, frozenset({city.districts["002"]})),
        )
    assert validate_session(engine, token).principal.scope.district_ids == {city.districts["002"]}


def test_disabled_account_with_right_password(engine):
    city = build_mini_city(engine)
    with transaction(engine) as session:
        set_account_active(session, city.principal(engine, "quantri"), city.accounts["lanhdao"], False)
    assert authenticate(engine, "lanhdao", PASSWORD, policy=FAST).outcome is Outcome.DISABLED
    assert authenticate(engine, "lanhdao", "bad", policy=FAST).outcome is Outcome.INVALID


def test_expired_temporary_password(engine):
    from data_access.accounts import reset_password

    city = build_mini_city(engine)
    with transaction(engine) as session:
        temporary = reset_password(session, city.principal(engine, "quantri"), city.accounts["tyt.01037"])
    now = utcnow()
    result = authenticate(engine, "tyt.01037", temporary, policy=FAST, now=now)
    assert result.ok and validate_session(engine, result.token).must_change_password
    late = authenticate(engine, "tyt.01037", temporary, policy=FAST, now=now + dt.timedelta(days=15))
    assert late.outcome is Outcome.TEMP_EXPIRED
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(AuthSession)) == 1


@pytest.mark.parametrize("bad", ["some_key", "short"])
def test_cookie_key_refuses_defaults(monkeypatch, bad):
    from dashboard.auth import CookieKeyError, cookie_key

    monkeypatch.setenv("HSSK_COOKIE_KEY", bad)
    with pytest.raises(CookieKeyError):
        cookie_key()


def test_cookie_key_generated_once_with_private_permissions(monkeypatch, tmp_path):
    from dashboard.auth import KNOWN_DEFAULT_KEYS, cookie_key

    monkeypatch.delenv("HSSK_COOKIE_KEY", raising=False)
    monkeypatch.setenv("HSSK_SECRETS_DIR", str(tmp_path / "secrets"))
    first = cookie_key()
    path = tmp_path / "secrets" / "cookie_key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "secrets").stat().st_mode & 0o777 == 0o700
    assert cookie_key() == first and len(first) >= 48 and first not in KNOWN_DEFAULT_KEYS
    path.chmod(0o644)
    assert cookie_key() == first and path.stat().st_mode & 0o777 == 0o600  # tightened, not leaked
    monkeypatch.setenv("HSSK_SECRETS_DIR", str(tmp_path / "other"))
    assert cookie_key() != first  # a fresh random secret per installation, never a constant
