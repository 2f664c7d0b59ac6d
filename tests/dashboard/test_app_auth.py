"""AppTest: sign-in per role, pages per role, and access ending on the very next rerun."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from dashboard.navigation import PAGES, pages_for
from data_access.accounts import Grant, change_role_scope, reset_password, set_account_active
from data_access.engine import transaction
from data_access.models import AuthSession, LoginAttempt
from data_access.models.enums import Role
from tests.auth_helpers import PASSWORD, build_mini_city

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
COOKIE_KEY = "test-cookie-key-" + "x" * 32

# The pages this issue owns, per demo account; other pages come from the shared registry.
ROLE_PAGES = {
    "quantri": {"home", "accounts", "audit"},
    "lanhdao": {"home"},
    "thanhtra": {"home"},
    "ttyt.001": {"home", "accounts"},
    "tyt.01001": {"home"},
}
MY_PAGES = {"home", "accounts", "audit"}
ROLES = {
    "quantri": Role.CITY_ADMIN,
    "lanhdao": Role.LEADERSHIP,
    "thanhtra": Role.INSPECTOR,
    "ttyt.001": Role.DISTRICT_MANAGER,
    "tyt.01001": Role.FACILITY_USER,
}


def expected_pages(username: str) -> set[str]:
    return {spec.url_path for spec in pages_for(ROLES[username])}


@pytest.fixture
def city(engine, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("HSSK_COOKIE_KEY", COOKIE_KEY)
    return build_mini_city(engine)


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60).run()


def sign_in(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click()
    return at.run()


def registered(at: AppTest) -> set[str]:
    """URL paths of the pages st.navigation registered in the last run (st.Page hashes url_path)."""
    if not _signed_in(at):
        return set()
    return {spec.url_path for spec in PAGES if calc_hash(spec.url_path) in at._registered_pages}


def goto(at: AppTest, url_path: str) -> AppTest:
    """Open a page by its URL path, as a bookmark would (callable pages have no file to switch to)."""
    if url_path not in registered(at):
        raise ValueError(f"page {url_path!r} is not registered for this role")
    at._page_hash = calc_hash(url_path)
    return at.run()


def _signed_in(at: AppTest) -> bool:
    return any(b.key == "hssk_logout_button" for b in at.sidebar.button)


def is_signed_out(at: AppTest) -> bool:
    return [w.label for w in at.text_input][:2] == ["Tên đăng nhập", "Mật khẩu"] and not _signed_in(at)


def texts(at: AppTest) -> str:
    parts = [
        e.value for e in (*at.title, *at.markdown, *at.caption, *at.info, *at.error, *at.warning, *at.success)
    ]
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    return "\n".join(str(p) for p in parts)


def test_sign_in_screen_has_no_hints_and_no_pages(city):
    at = new_app()
    assert not at.exception
    assert is_signed_out(at)
    password = at.text_input[1]
    assert password.proto.type == password.proto.PASSWORD and not password.help


@pytest.mark.parametrize("username", sorted(ROLE_PAGES))
def test_each_role_gets_exactly_its_pages(city, username):
    at = sign_in(new_app(), username)
    assert not at.exception, at.exception
    assert registered(at) == expected_pages(username)
    assert registered(at) & MY_PAGES == ROLE_PAGES[username]
    assert any("Xin chào" in t.value for t in at.title)
    for page in ROLE_PAGES[username]:
        goto(at, page)
        assert not at.exception, (page, at.exception)
        assert not at.error, (page, [e.value for e in at.error])
    for page in {"accounts", "audit"} - ROLE_PAGES[username]:
        with pytest.raises(ValueError):
            goto(at, page)


def test_wrong_password_and_unknown_user_get_the_same_message(city):
    at = sign_in(new_app(), "quantri", "not-the-password-1")
    wrong = [e.value for e in at.error]
    at = sign_in(new_app(), "no.such.user", "not-the-password-1")
    unknown = [e.value for e in at.error]
    assert wrong == unknown == ["Tên đăng nhập hoặc mật khẩu không đúng."]
    assert is_signed_out(at)


def test_disabled_account_loses_access_on_next_rerun(city, engine):
    at = sign_in(new_app(), "tyt.01001")
    assert registered(at) == expected_pages("tyt.01001")
    with transaction(engine) as session:
        set_account_active(session, city.principal(engine, "quantri"), city.accounts["tyt.01001"], False)
    at.run()
    assert is_signed_out(at)
    assert any("Phiên đăng nhập đã kết thúc" in i.value for i in at.info)
    at = sign_in(new_app(), "tyt.01001")  # and the right password no longer opens it
    assert is_signed_out(at) and "khóa" in at.error[0].value


def test_revoked_session_loses_access_on_next_rerun(city, engine):
    at = sign_in(new_app(), "ttyt.001")
    assert "accounts" in registered(at)
    with transaction(engine) as session:
        session.execute(update(AuthSession).values(revoked_at=dt.datetime.now(dt.UTC)))
    at.run()
    assert is_signed_out(at)


def test_changed_role_loses_access_on_next_rerun(city, engine):
    at = sign_in(new_app(), "thanhtra")
    assert registered(at) == expected_pages("thanhtra")
    with transaction(engine) as session:
        change_role_scope(
            session,
            city.principal(engine, "quantri"),
            city.accounts["thanhtra"],
            Grant(Role.CITY_ADMIN, frozenset({city.city})),
        )
    at.run()
    assert is_signed_out(at)
    at = sign_in(new_app(), "thanhtra")  # a fresh sign-in gets the new role's pages
    assert registered(at) == expected_pages("quantri")


def test_logout_revokes_the_server_side_session(city, engine):
    at = sign_in(new_app(), "lanhdao")
    at.sidebar.button(key="hssk_logout_button").click()
    at.run()
    assert is_signed_out(at)
    with transaction(engine) as session:
        open_sessions = session.scalar(
            select(func.count()).select_from(AuthSession).where(AuthSession.revoked_at.is_(None))
        )
    assert open_sessions == 0


def test_rate_limit_blocks_even_the_right_password(city, engine):
    at = new_app()
    for _ in range(5):
        sign_in(at, "ttyt.002", "wrong-password-9")
    at = sign_in(at, "ttyt.002")
    assert is_signed_out(at)
    assert "Đăng nhập sai quá nhiều lần" in at.error[0].value and "phút" in at.error[0].value
    at = sign_in(new_app(), "ttyt.001")  # other users are not affected
    assert registered(at) == expected_pages("ttyt.001")
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 6


def test_issued_account_must_change_password_first(city, engine):
    with transaction(engine) as session:
        temporary = reset_password(session, city.principal(engine, "quantri"), city.accounts["tyt.01037"])
    at = sign_in(new_app(), "tyt.01037", temporary)
    assert not at.exception
    assert not registered(at) and at.title[0].value == "Đổi mật khẩu lần đầu"
    at.text_input(key="pw_current").input(temporary)
    at.text_input(key="pw_new").input("Sông Đà mùa thu 2026")
    at.text_input(key="pw_repeat").input("Sông Đà mùa thu 2026")
    at.button[0].click()
    at.run()
    assert "home" in registered(at)
    assert any("Đã đổi mật khẩu" in s.value for s in at.success)


def test_english_switch(city):
    at = new_app()
    at.sidebar.selectbox(key="hssk_language_select").select("en").run()
    assert at.text_input[0].label == "Username"
    at = sign_in(at, "lanhdao")
    assert any("Welcome" in t.value for t in at.title)


def test_district_manager_accounts_page_shows_only_own_district(city):
    at = goto(sign_in(new_app(), "ttyt.001"), "accounts")
    assert not at.exception
    listed = set(at.dataframe[0].value["Tên đăng nhập"])
    assert listed == {"tyt.01001"}
    assert "Phúc Tân" not in texts(at)  # ward of the other district


def test_disabling_an_account_is_confirmed_and_listed_at_once(city, engine):
    from data_access.models import Account

    with engine.connect() as connection:
        station_id = connection.execute(select(Account.id).where(Account.username == "tyt.01001")).scalar()
    at = goto(sign_in(new_app(), "quantri"), "accounts")
    at.selectbox(key="acc_selected").set_value(station_id).run()
    at.button(key="acc_disable").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Đã cập nhật."]
    listed = at.dataframe[0].value.set_index("Tên đăng nhập")
    assert not listed.loc["tyt.01001", "Hoạt động"]


def test_audit_page_lists_sign_ins(city):
    at = goto(sign_in(new_app(), "quantri"), "audit")
    assert not at.exception
    frame = at.dataframe[0].value
    assert "login.success" in set(frame["Thao tác"])


def test_default_cookie_key_is_refused(city, monkeypatch):
    monkeypatch.setenv("HSSK_COOKIE_KEY", "some_key")
    at = new_app()
    assert at.exception  # the app refuses to start (details only in the server log)
    assert not at.text_input
