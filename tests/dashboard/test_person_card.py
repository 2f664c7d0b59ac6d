"""The person card: masked by default, reveal audited, refused for aggregate-only roles."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from data_access.audit import AuditFilter, list_audit
from data_access.engine import transaction
from tests.auth_helpers import build_mini_city


def _app(url, principal, resident_id):
    def script(url, principal, resident_id):
        from dashboard.components.person import person_card
        from data_access.engine import make_engine

        person_card(make_engine(url), principal, resident_id)

    return AppTest.from_function(script, args=(url, principal, resident_id), default_timeout=30).run()


def test_masked_then_revealed_with_audit(engine):
    city = build_mini_city(engine)
    url = engine.url.render_as_string(hide_password=False)
    user = city.principal(engine, "tyt.01001")
    resident_id = next(r for r, w in city.residents.items() if w == city.wards["00001"])
    at = _app(url, user, resident_id)
    values = list(at.table[0].value.iloc[:, 1])
    assert values[1].startswith("0012") and "******" in values[1]
    assert "Nguyễn Văn An" not in values and "**/**/1987" in values
    at.text_input[0].input("Đối chiếu hồ sơ trùng")
    at.button[0].click()
    at.run()
    values = list(at.table[0].value.iloc[:, 1])
    assert "******" not in values[1] and "04/05/1987" in values
    with transaction(engine) as session:
        entries = list_audit(
            session, city.principal(engine, "quantri"), AuditFilter(action_prefix="person.reveal")
        )
    assert [(e.actor_username, e.target_id) for e in entries] == [("tyt.01001", str(resident_id))]
    assert entries[0].details["reason"] == "Đối chiếu hồ sơ trùng"


def test_aggregate_roles_and_other_scopes_get_nothing(engine):
    city = build_mini_city(engine)
    url = engine.url.render_as_string(hide_password=False)
    resident_id = next(r for r, w in city.residents.items() if w == city.wards["00001"])
    for username in ("lanhdao", "thanhtra", "ttyt.002", "tyt.01037"):
        at = _app(url, city.principal(engine, username), resident_id)
        assert not at.table and "Không có quyền" in at.info[0].value
