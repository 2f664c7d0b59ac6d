"""Scope matrix: every data-returning function of issue 3, every role, nothing outside scope.

The expected sets are computed here in plain Python from the mini city's layout, independently of
the SQL under test. A property-based test then throws random scopes and roles at the same functions.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from data_access import accounts as acc
from data_access import audit, people
from data_access.engine import session_factory, transaction
from data_access.models.enums import Role
from data_access.scope import PEOPLE_ROLES, Principal, Scope
from tests.auth_helpers import MiniCity, build_mini_city

USERNAMES = ["quantri", "lanhdao", "thanhtra", "ttyt.001", "ttyt.002", "tyt.01001", "tyt.01037", "nobody"]


def allowed_facilities(city: MiniCity, scope: Scope) -> set[int]:
    return {
        f
        for f, d in city.facility_district.items()
        if scope.city
        or d in scope.district_ids
        or city.facility_ward[f] in scope.ward_ids
        or f in scope.facility_ids
    }


def allowed_wards(city: MiniCity, scope: Scope) -> set[int]:
    return {
        w
        for w, d in city.ward_district.items()
        if scope.city or d in scope.district_ids or w in scope.ward_ids
    }


def touched_districts(city: MiniCity, scope: Scope) -> set[int]:
    if scope.city:
        return set(city.districts.values())
    return (
        set(scope.district_ids)
        | {city.ward_district[w] for w in scope.ward_ids}
        | {city.facility_district[f] for f in scope.facility_ids}
    )


def visible_residents(city: MiniCity, principal: Principal) -> set[int]:
    if principal.role not in PEOPLE_ROLES:
        return set()
    wards = allowed_wards(city, principal.scope)
    return {r for r, w in city.residents.items() if w in wards}


def check_all(session: Session, city: MiniCity, principal: Principal) -> None:
    scope = principal.scope
    facilities = {f.id for f in acc.facilities_in_scope(session, principal)}
    assert facilities == allowed_facilities(city, scope)
    for district_id in city.districts.values():
        subset = {f.id for f in acc.facilities_in_scope(session, principal, district_id=district_id)}
        assert subset == {f for f in facilities if city.facility_district[f] == district_id}
    assert {w.id for w in acc.wards_in_scope(session, principal)} == allowed_wards(city, scope)
    assert {d.id for d in acc.districts_in_scope(session, principal)} == touched_districts(city, scope)

    listed = acc.list_accounts(session, principal)
    if principal.role == Role.CITY_ADMIN and scope.city:
        assert {a.username for a in listed} == set(city.accounts)
    elif principal.role == Role.DISTRICT_MANAGER and not scope.city:
        assert all(a.role == Role.FACILITY_USER and a.facility_id in facilities for a in listed)
    else:
        assert listed == []
    for account_id in city.accounts.values():
        view = acc.get_account(session, principal, account_id)
        assert (view is not None) == (account_id in {a.id for a in listed})

    rows = acc.activation_summary(session, principal)
    assert {r.district_id for r in rows} <= touched_districts(city, scope)
    assert sum(r.facilities for r in rows) == len(facilities)

    entries = audit.list_audit(session, principal)
    assert (len(entries) > 0) == (principal.role == Role.CITY_ADMIN and scope.city)
    assert bool(audit.audit_action_names(session, principal)) == bool(entries)

    expected = visible_residents(city, principal)
    for resident_id in city.residents:
        card = people.resident_card(session, principal, resident_id)
        assert (card is not None) == (resident_id in expected)
        if card is not None:
            assert card.masked and "*" in card.cccd
        revealed = people.reveal_resident(session, principal, resident_id, "kiểm tra phạm vi")
        assert (revealed is not None) == (resident_id in expected)


@pytest.mark.parametrize("username", USERNAMES)
def test_scope_matrix_for_every_demo_role(engine, username):
    city = build_mini_city(engine)
    principal = city.principal(engine, username)
    with session_factory(engine)() as session:
        check_all(session, city, principal)
        session.rollback()


def test_empty_scope_sees_nothing(engine):
    city = build_mini_city(engine)
    nobody = city.principal(engine, "nobody")
    assert nobody.scope.is_empty
    with transaction(engine) as session:
        assert acc.facilities_in_scope(session, nobody) == []
        assert acc.wards_in_scope(session, nobody) == []
        assert acc.districts_in_scope(session, nobody) == []
        assert acc.activation_summary(session, nobody) == []
        assert acc.describe_scope(session, nobody) == []


@st.composite
def principals(draw, city: MiniCity) -> Principal:
    scope = Scope(
        city=draw(st.booleans()) and draw(st.booleans()),  # whole city only ~1 in 4
        district_ids=frozenset(draw(st.sets(st.sampled_from(sorted(city.districts.values()))))),
        ward_ids=frozenset(draw(st.sets(st.sampled_from(sorted(city.wards.values()))))),
        facility_ids=frozenset(draw(st.sets(st.sampled_from(sorted(city.facilities.values()))))),
    )
    return Principal(None, "hypothesis", draw(st.sampled_from(list(Role))), scope)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_scopes_never_leak(engine, data):
    city = _city_for(engine)
    principal = data.draw(principals(city))
    with session_factory(engine)() as session:
        check_all(session, city, principal)
        session.rollback()  # reveals write audit rows: keep the shared mini city unchanged


_CITIES: dict[str, MiniCity] = {}


def _city_for(engine) -> MiniCity:
    # One mini city per database for all hypothesis examples (the engine fixture is per test).
    key = engine.url.render_as_string(hide_password=False)
    if key not in _CITIES:
        _CITIES[key] = build_mini_city(engine)
    return _CITIES[key]
