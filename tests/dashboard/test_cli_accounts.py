from __future__ import annotations

from sqlalchemy import select

from dashboard.cli import main
from data_access.accounts import verify_password
from data_access.engine import transaction
from data_access.models import Account
from tests.auth_helpers import build_mini_city


def test_create_admin_prints_a_one_time_password(engine, capsys):
    build_mini_city(engine, with_accounts=False)
    url = engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "create-admin", "--username", "Admin.So", "--full-name", "Quản trị"]) == 0
    temporary = capsys.readouterr().out.strip().rsplit(" ", 1)[-1]
    with transaction(engine) as session:
        account = session.scalar(select(Account).where(Account.username == "admin.so"))
        assert account.role == "city_admin" and account.must_change_password
        assert verify_password(temporary, account.password_hash)
    assert main(["--db", url, "create-admin", "--username", "admin.so", "--full-name", "X"]) == 2
    assert "already exists" in capsys.readouterr().err
