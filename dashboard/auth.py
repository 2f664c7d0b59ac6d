"""Sign-in for the Streamlit app: streamlit-authenticator's form and cookie, the database behind them.

What comes from streamlit-authenticator (0.4.2): the login form, the signed (HS256 JWT) re-login
cookie and its cookie manager. What we replace, because the library keeps it in memory or YAML:

* credentials are checked against the database (``data_access.auth.authenticate``): never a YAML
  file, never a credentials dict of every account in memory;
* the cookie carries a random server-side session token (``sid``) besides the username, and
  ``require_principal`` re-validates that session on **every** rerun: logout, disabling the account
  or changing its role ends access at once, and a copied cookie of a disabled user gets nothing;
* rate limiting, the uniform answer time and the audit trail live in the database layer;
* the cookie key is a generated secret (``HSSK_COOKIE_KEY`` or ``var/secrets/cookie_key``, 0600),
  and a known default key is refused;
* no password hints, no "forgot password" self-service: an administrator resets.

Optional OpenID Connect: when ``.streamlit/secrets.toml`` has an ``[auth]`` section (Streamlit's
``st.login``; see its docs for ``client_id``, ``client_secret``, ``server_metadata_url``,
``redirect_uri``, ``cookie_secret``), a "sign in with the department's identity provider" button
appears. The provider's verified e-mail must match exactly one active account an administrator
created; there is no self-provisioning, and the role and scope still come from our database.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import stat
from pathlib import Path

import jwt
import streamlit as st
import streamlit_authenticator as stauth
from sqlalchemy import Engine
from streamlit_authenticator.models.cookie_model import CookieModel

from dashboard.context import PRINCIPAL_KEY
from dashboard.i18n import t
from dashboard.settings import cookie_key_from_env, secrets_dir, session_hours
from data_access import auth as auth_db
from data_access.accounts import change_own_password
from data_access.auth import ActiveSession, AuthPolicy, Outcome
from data_access.engine import transaction
from data_access.scope import Principal

COOKIE_NAME = "hssk_auth"
TOKEN_KEY = "hssk_session_token"
ACTIVE_SESSION_KEY = "hssk_active_session"
_OUTCOME_KEY = "hssk_login_outcome"
_FLASH_KEY = "hssk_auth_flash"
_AUTHENTICATOR_KEY = "hssk_authenticator"
MIN_COOKIE_KEY_LENGTH = 32
# Keys copied from the library's README / tutorials: anyone could forge a cookie with them.
KNOWN_DEFAULT_KEYS = frozenset(
    {"some_key", "some_signature_key", "random_signature_key", "abcdef", "secret", "changeme", "key"}
)


class CookieKeyError(RuntimeError):
    pass


# --------------------------------------------------------------------------------- cookie key


def cookie_key() -> str:
    """The cookie signing key: ``HSSK_COOKIE_KEY``, else ``<secrets>/cookie_key`` (created on first use)."""
    from_env = cookie_key_from_env()
    if from_env is not None:
        return _checked(from_env, "HSSK_COOKIE_KEY")
    path = secrets_dir() / "cookie_key"
    if not path.exists():
        _create_secret_file(path, secrets.token_urlsafe(48))
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        path.chmod(0o600)  # readable by others = leaked; tighten rather than refuse to start
    return _checked(path.read_text(encoding="ascii").strip(), str(path))


def _create_secret_file(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another server process won the race: use its key
        return
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value + "\n")


def _checked(key: str, source: str) -> str:
    if key.strip().lower() in KNOWN_DEFAULT_KEYS or len(key) < MIN_COOKIE_KEY_LENGTH:
        raise CookieKeyError(
            f"cookie key from {source} is a known default or shorter than {MIN_COOKIE_KEY_LENGTH} characters"
        )
    return key


# --------------------------------------------------------------------------------- library glue


class _SessionCookie(CookieModel):
    """The library's cookie, carrying our server-side session token next to the username."""

    def _token_encode(self) -> str:
        return jwt.encode(
            {
                "username": st.session_state.get("username"),
                "sid": st.session_state.get(TOKEN_KEY),
                "exp_date": self.exp_date,
            },
            self.cookie_key,
            algorithm="HS256",
        )

    def set_cookie(self) -> None:
        # The library sets the cookie from inside the login form, which we clear after a successful
        # sign-in (the component would vanish with it); ``_set_cookie`` sets it outside instead.
        return None


class _DatabaseController:
    """Stands in for streamlit-authenticator's AuthenticationController: same ``login`` signature,
    but credentials, sessions, rate limits and audit come from the database."""

    def __init__(self, engine: Engine, policy: AuthPolicy) -> None:
        self.engine = engine
        self.policy = policy

    def login(
        self,
        username: str | None = None,
        password: str | None = None,
        max_concurrent_users: int | None = None,
        max_login_attempts: int | None = None,
        token: dict | None = None,
        single_session: bool = False,
        callback=None,
        captcha: bool = False,
        entered_captcha: str | None = None,
    ) -> bool | None:
        if username:
            result = auth_db.authenticate(self.engine, username, password or "", policy=self.policy)
            st.session_state[_OUTCOME_KEY] = (result.outcome.value, result.retry_after_minutes)
            if not result.ok:
                st.session_state["authentication_status"] = False
                return False
            return self._adopt(result.token)
        if token and token.get("sid"):
            # Re-login from the cookie: valid only while its server-side session is.
            self._adopt(token["sid"])
        return None

    def _adopt(self, session_token: str | None) -> bool:
        active = auth_db.validate_session(self.engine, session_token, policy=self.policy)
        if active is None:
            return False
        st.session_state[TOKEN_KEY] = session_token
        st.session_state["authentication_status"] = True
        st.session_state["username"] = active.principal.username
        st.session_state["name"] = active.full_name
        st.session_state["roles"] = [active.principal.role.value]
        st.session_state["logout"] = None
        st.session_state.pop(_OUTCOME_KEY, None)
        return True

    def logout(self, callback=None) -> None:
        _forget()
        st.session_state["logout"] = True  # the library then ignores the (now revoked) cookie


def _authenticator(engine: Engine, policy: AuthPolicy) -> stauth.Authenticate:
    authenticator = stauth.Authenticate(
        {"usernames": {}},  # nothing in memory: the controller asks the database
        COOKIE_NAME,
        cookie_key(),
        policy.session_hours / 24,
        auto_hash=False,
        login_sleep_time=0,  # the database layer pads every answer to the same floor instead
    )
    model = authenticator.cookie_controller.cookie_model
    cookie = _SessionCookie.__new__(_SessionCookie)
    cookie.__dict__.update(model.__dict__)  # keep its cookie manager; only encoding changes
    authenticator.cookie_controller.cookie_model = cookie
    authenticator.authentication_controller = _DatabaseController(engine, policy)
    return authenticator


def _forget() -> None:
    for key in ("authentication_status", "username", "name", "roles", "email"):
        st.session_state[key] = None
    for key in (TOKEN_KEY, ACTIVE_SESSION_KEY, PRINCIPAL_KEY):
        st.session_state.pop(key, None)


def policy() -> AuthPolicy:
    return AuthPolicy(session_hours=session_hours())


# --------------------------------------------------------------------------------- entry points


def require_principal(engine: Engine) -> Principal:
    """Return the verified principal, or draw the sign-in (or password change) screen and stop.

    Runs on every rerun before any page: the server-side session is re-checked each time, so
    logout, disabling an account or changing its role take effect on the very next interaction.
    """
    st.session_state.pop(PRINCIPAL_KEY, None)
    current_policy = policy()
    authenticator = _authenticator(engine, current_policy)
    # One Authenticate per run: its cookie manager is a component with a fixed key.
    st.session_state[_AUTHENTICATOR_KEY] = authenticator
    token = st.session_state.get(TOKEN_KEY)
    active = auth_db.validate_session(engine, token, policy=current_policy) if token else None
    if token and active is None:
        _forget()
        st.session_state[_FLASH_KEY] = "auth.session_ended"
        authenticator.cookie_controller.delete_cookie()
    if active is None:
        _draw_login(authenticator)
        token = st.session_state.get(TOKEN_KEY)
        active = auth_db.validate_session(engine, token, policy=current_policy) if token else None
        if active is None:
            _draw_oidc(engine, current_policy)
            st.stop()
    st.session_state[ACTIVE_SESSION_KEY] = active
    if active.principal.account_id is not None and active.must_change_password:
        _draw_password_change(engine, active, forced=True)
        st.stop()
    st.session_state[PRINCIPAL_KEY] = active.principal
    return active.principal


def logout(engine: Engine) -> None:
    active: ActiveSession | None = st.session_state.get(ACTIVE_SESSION_KEY)
    auth_db.revoke_session(
        engine, st.session_state.get(TOKEN_KEY), actor=active.principal if active else None
    )
    _forget()
    st.session_state["logout"] = True  # the library then ignores the (now revoked) cookie
    authenticator = st.session_state.get(_AUTHENTICATOR_KEY)
    if authenticator is not None:
        authenticator.cookie_controller.delete_cookie()
    if _oidc_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()


def _draw_login(authenticator: stauth.Authenticate) -> None:
    placeholder = st.empty()
    with placeholder.container():
        st.title(t("app.title"))
        flash = st.session_state.pop(_FLASH_KEY, None)
        if flash:
            st.info(t(flash))
        authenticator.login(
            location="main",
            fields={
                "Form name": t("auth.login.title"),
                "Username": t("auth.login.username"),
                "Password": t("auth.login.password"),
                "Login": t("auth.login.submit"),
            },
            key="hssk_login",
        )
        outcome = st.session_state.get(_OUTCOME_KEY)
        if outcome and not st.session_state.get(TOKEN_KEY):
            value, minutes = outcome
            st.error(t(f"auth.outcome.{value}", minutes=minutes or 1))
    if st.session_state.get(TOKEN_KEY):  # signed in during this run: the page replaces the form
        placeholder.empty()
        _set_cookie(authenticator)


def _set_cookie(authenticator: stauth.Authenticate) -> None:
    model = authenticator.cookie_controller.cookie_model
    hours = policy().session_hours
    model.exp_date = (dt.datetime.now() + dt.timedelta(hours=hours)).timestamp()
    model.cookie_manager.set(
        COOKIE_NAME,
        model._token_encode(),
        key="hssk_cookie_set",
        expires_at=dt.datetime.now() + dt.timedelta(hours=hours),
        same_site="strict",
    )


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def _draw_oidc(engine: Engine, current_policy: AuthPolicy) -> None:
    if not _oidc_configured():
        return
    st.divider()
    user = st.user
    if not getattr(user, "is_logged_in", False):
        st.button(t("auth.oidc.button"), on_click=st.login)
        return
    account_id = auth_db.account_id_for_email(engine, getattr(user, "email", "") or "")
    token = (
        auth_db.open_session_for(engine, account_id, via="oidc", policy=current_policy)
        if account_id and getattr(user, "email_verified", True)
        else None
    )
    if token is None:
        st.error(t("auth.oidc.no_account"))
        st.button(t("auth.logout"), on_click=st.logout)
        return
    st.session_state[TOKEN_KEY] = token
    st.rerun()


def _draw_password_change(engine: Engine, active: ActiveSession, *, forced: bool) -> None:
    if forced:
        st.title(t("auth.change.forced_title"))
        st.info(t("auth.change.forced_intro"))
    with st.form("hssk_change_password", clear_on_submit=True):
        current = st.text_input(t("auth.change.current"), type="password", key="pw_current")
        new = st.text_input(t("auth.change.new"), type="password", key="pw_new")
        repeat = st.text_input(t("auth.change.repeat"), type="password", key="pw_repeat")
        st.caption(t("auth.policy.summary"))
        submitted = st.form_submit_button(t("auth.change.submit"))
    if forced and st.button(t("auth.logout"), key="forced_logout"):
        logout(engine)
        st.rerun()
    if not submitted:
        return
    if new != repeat:
        st.error(t("auth.change.mismatch"))
        return
    with transaction(engine) as session:
        problems = change_own_password(
            session, active.principal, current, new, keep_session_id=active.session_id
        )
    if problems:
        for key in problems:
            st.error(t(key))
        return
    st.session_state[_FLASH_KEY] = "auth.change.done"
    st.rerun()


def draw_password_change(engine: Engine) -> None:
    """The voluntary change, for the home page."""
    active: ActiveSession | None = st.session_state.get(ACTIVE_SESSION_KEY)
    if active is not None:
        _draw_password_change(engine, active, forced=False)


def pop_flash() -> str | None:
    key = st.session_state.pop(_FLASH_KEY, None)
    return t(key) if key else None


def session_expires_at() -> dt.datetime | None:
    active: ActiveSession | None = st.session_state.get(ACTIVE_SESSION_KEY)
    return active.expires_at if active else None


__all__ = ["Outcome", "cookie_key", "logout", "require_principal"]
