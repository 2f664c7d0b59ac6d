"""Passwords, policy, bulk creation, delegated administration, bulk issue, append-only audit."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from data_access import accounts as acc
from data_access.accounts import (
    AccountFilter,
    Grant,
    NotAllowed,
    change_own_password,
    change_role_scope,
    create_account,
    generate_temporary_password,
    hash_temporary_password,
    issue_facility_accounts,
    list_accounts,
    password_problems,
    reset_password,
    set_account_active,
    verify_password,
)
from data_access.audit import AuditFilter, list_audit
from data_access.engine import transaction
from data_access.models import Account, AccountScope, AuditLog, Facility
from data_access.models.accounts import AuditLogIsAppendOnly
from data_access.models.enums import Role
from data_access.scope import load_principal
from tests.auth_helpers import PASSWORD, build_mini_city, password_hash

# ----------------------------------------------------------------------------- hashing (no database)


def test_bcrypt_hash_verifies_and_is_cost_12():
    hashed = password_hash()
    assert hashed.startswith("$2b$12$")
    assert verify_password(PASSWORD, hashed)
    assert not verify_password(PASSWORD + "x", hashed)


def test_unknown_user_costs_a_bcrypt_check():
    started = time.perf_counter()
    assert not verify_password("whatever", None)
    assert time.perf_counter() - started > 0.05  # a real bcrypt-12 check ran


def test_temporary_passwords_are_strong_and_fast_to_hash():
    passwords = {generate_temporary_password() for _ in range(200)}
    assert len(passwords) == 200
    sample = next(iter(passwords))
    assert len(sample.replace("-", "")) == 20  # 20 symbols from 57 → ~117 bits
    assert 20 * __import__("math").log2(len(acc._TEMP_ALPHABET)) >= 96
    started = time.perf_counter()
    hashed = hash_temporary_password(sample)
    assert time.perf_counter() - started < 0.1
    assert acc.is_temporary_hash(hashed) and len(hashed) < 255
    assert verify_password(sample, hashed)
    assert not verify_password(sample[:-1] + ("x" if sample[-1] != "x" else "y"), hashed)


def test_malformed_and_overlong_inputs_are_refused_not_crashing():
    assert not verify_password("x", "not-a-hash")
    assert not verify_password("x", acc.TEMP_HASH_PREFIX + "garbage")
    assert not verify_password("ă" * 60, password_hash())


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short1", "auth.policy.length"),
        ("onlyletterslong", "auth.policy.letters_digits"),
        ("12345678901", "auth.policy.letters_digits"),
        ("password123", "auth.policy.common"),
        ("tyt.01a01-abc123", "auth.policy.identity"),
        ("ă" * 40 + "1", "auth.policy.too_long"),
    ],
)
def test_password_policy_rejects(password, problem):
    assert problem in password_problems(password, username="tyt.01a01")


@pytest.mark.parametrize("password", ["Sông Hồng 2026 mùa thu", "kx7-sông-đà-9", "Correct4HorseBattery"])
def test_password_policy_accepts(password):
    assert password_problems(password, username="tyt.01a01", full_name="Trạm Y tế Phúc Xá") == []


# ----------------------------------------------------------------------------- database


def test_bulk_create_accounts_writes_scopes_and_audit(engine):
    city = build_mini_city(engine)
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(Account)) == len(city.accounts)
        scope_rows = session.scalar(
            select(func.count())
            .select_from(AccountScope)
            .where(AccountScope.account_id == city.accounts["tyt.01001"])
        )
        assert scope_rows == 2
        audited = session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "account.create")
        )
        assert audited == len(city.accounts)
        quantri = load_principal(session, city.accounts["quantri"])
    assert quantri.scope.city and quantri.role == Role.CITY_ADMIN


def test_audit_rows_cannot_be_changed_or_deleted(engine):
    build_mini_city(engine)
    with pytest.raises(AuditLogIsAppendOnly), transaction(engine) as session:
        row = session.scalars(select(AuditLog)).first()
        row.action = "tampered"
    with pytest.raises(AuditLogIsAppendOnly), transaction(engine) as session:
        session.delete(session.scalars(select(AuditLog)).first())
    with pytest.raises(AuditLogIsAppendOnly), transaction(engine) as session:
        session.execute(update(AuditLog).values(action="x"))
    # Below the ORM the database triggers refuse it too.
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    with pytest.raises(DBAPIError), engine.begin() as connection:
        connection.execute(delete(AuditLog.__table__))
    with engine.begin() as connection:  # appending still works
        connection.execute(insert(AuditLog.__table__).values(at=acc.utcnow(), action="test.append"))


def test_delegation_district_manager(engine):
    city = build_mini_city(engine)
    dm1 = city.principal(engine, "ttyt.001")
    f_own = city.facilities["01004"]  # station of ward 00004, district 001
    f_other = city.facilities["01040"]  # district 002
    w_own = city.wards["00004"]
    with transaction(engine) as session:
        issued = create_account(
            session,
            dm1,
            username="tyt.01004",
            full_name="Trạm Y tế Trúc Bạch",
            grant=Grant(Role.FACILITY_USER, frozenset({w_own}), frozenset({f_own})),
            facility_id=f_own,
        )
    assert verify_password(issued.temporary_password, _hash(engine, issued.account_id))
    refused = [
        Grant(Role.DISTRICT_MANAGER, frozenset({city.districts["001"]})),  # raise a role
        Grant(Role.FACILITY_USER, frozenset({city.wards["00040"]}), frozenset({f_other})),  # other district
        Grant(Role.FACILITY_USER, frozenset({city.districts["001"]})),  # a whole district
        Grant(Role.FACILITY_USER, frozenset({city.city})),
    ]
    for grant in refused:
        with pytest.raises(NotAllowed), transaction(engine) as session:
            create_account(session, dm1, username="x.test", full_name="X", grant=grant, facility_id=f_own)
    with pytest.raises(NotAllowed), transaction(engine) as session:  # facility of another district
        create_account(
            session,
            dm1,
            username="x.test",
            full_name="X",
            grant=Grant(Role.FACILITY_USER, frozenset({w_own})),
            facility_id=f_other,
        )
    # manage: own district's facility account yes; other district's, managers, itself: no
    with transaction(engine) as session:
        set_account_active(session, dm1, city.accounts["tyt.01001"], False)
        set_account_active(session, dm1, city.accounts["tyt.01001"], True)
        reset_password(session, dm1, city.accounts["tyt.01001"])
    for target in ("tyt.01037", "ttyt.002", "ttyt.001", "quantri", "thanhtra"):
        with pytest.raises(NotAllowed), transaction(engine) as session:
            set_account_active(session, dm1, city.accounts[target], False)
    with pytest.raises(NotAllowed), transaction(engine) as session:  # cannot raise own scope
        change_role_scope(
            session, dm1, city.accounts["ttyt.001"], Grant(Role.DISTRICT_MANAGER, frozenset({city.city}))
        )


def test_delegation_city_admin_and_other_roles(engine):
    city = build_mini_city(engine)
    admin = city.principal(engine, "quantri")
    with transaction(engine) as session:
        change_role_scope(
            session,
            admin,
            city.accounts["thanhtra"],
            Grant(Role.INSPECTOR, frozenset({city.districts["001"], city.districts["002"]})),
        )
    with pytest.raises(NotAllowed), transaction(engine) as session:  # not even the admin changes itself
        change_role_scope(
            session, admin, city.accounts["quantri"], Grant(Role.CITY_ADMIN, frozenset({city.city}))
        )
    with pytest.raises(NotAllowed), transaction(engine) as session:
        set_account_active(session, admin, city.accounts["quantri"], False)
    for username in ("lanhdao", "thanhtra", "tyt.01001", "nobody"):
        actor = city.principal(engine, username)
        with pytest.raises(NotAllowed), transaction(engine) as session:
            set_account_active(session, actor, city.accounts["tyt.01037"], False)
        with pytest.raises(NotAllowed), transaction(engine) as session:
            create_account(
                session,
                actor,
                username="x.test",
                full_name="X",
                grant=Grant(Role.FACILITY_USER, frozenset({city.wards["00001"]})),
                facility_id=city.facilities["01001"],
            )
        with transaction(engine) as session:
            assert list_accounts(session, actor) == []


def test_disable_revokes_and_is_audited_in_same_transaction(engine):
    city = build_mini_city(engine)
    admin = city.principal(engine, "quantri")
    target = city.accounts["tyt.01037"]
    with pytest.raises(RuntimeError), transaction(engine) as session:
        set_account_active(session, admin, target, False)
        raise RuntimeError("crash after the change")  # the change AND its audit row roll back together
    with transaction(engine) as session:
        assert session.get(Account, target).is_active
        assert list_audit(session, admin, AuditFilter(action_prefix="account.disable")) == []
        set_account_active(session, admin, target, False)
    with transaction(engine) as session:
        assert not session.get(Account, target).is_active
        entries = list_audit(session, admin, AuditFilter(action_prefix="account.disable"))
        assert [(e.actor_username, e.target_id) for e in entries] == [("quantri", str(target))]
        assert entries[0].scope == "city"


def test_first_login_change_rehashes_with_bcrypt(engine):
    city = build_mini_city(engine)
    admin = city.principal(engine, "quantri")
    with transaction(engine) as session:
        temporary = reset_password(session, admin, city.accounts["tyt.01001"])
        account = session.get(Account, city.accounts["tyt.01001"])
        assert account.must_change_password and acc.is_temporary_hash(account.password_hash)
    user = city.principal(engine, "tyt.01001")
    with transaction(engine) as session:
        assert change_own_password(session, user, "wrong", "Hồ Gươm mùa thu 2026") == [
            "auth.change.wrong_current"
        ]
        assert "auth.policy.length" in change_own_password(session, user, temporary, "short1")
        assert change_own_password(session, user, temporary, "Hồ Gươm mùa thu 2026") == []
    with transaction(engine) as session:
        account = session.get(Account, city.accounts["tyt.01001"])
        assert not account.must_change_password and account.password_hash.startswith("$2b$12$")


def test_list_accounts_filters(engine):
    city = build_mini_city(engine)
    admin = city.principal(engine, "quantri")
    with transaction(engine) as session:
        assert {
            a.username for a in list_accounts(session, admin, AccountFilter(role="district_manager"))
        } == {
            "ttyt.001",
            "ttyt.002",
        }
        in_d1 = {
            a.username
            for a in list_accounts(session, admin, AccountFilter(district_id=city.districts["001"]))
        }
        assert in_d1 == {"ttyt.001", "thanhtra", "tyt.01001"}
        assert [a.username for a in list_accounts(session, admin, AccountFilter(text="PHÚC TÂN"))] == [
            "tyt.01037"
        ]


def _hash(engine, account_id):
    with transaction(engine) as session:
        return session.get(Account, account_id).password_hash


def test_bulk_issue_579_stations_in_seconds_and_audited(engine):
    city = build_mini_city(engine)
    admin = city.principal(engine, "quantri")
    ward_ids = list(city.ward_district)
    with transaction(engine) as session:
        session.execute(
            insert(Facility),
            [
                {
                    "code": f"9{i // 100:01d}{i % 100:03d}"[-5:].rjust(5, "9"),
                    "name": f"Trạm Y tế số {i}",
                    "facility_type": "TYT",
                    "is_public": True,
                    "ward_id": ward_ids[i % 4],
                    "district_id": city.ward_district[ward_ids[i % 4]],
                }
                for i in range(575)
            ],
        )
        stations = session.scalar(
            select(func.count()).select_from(Facility).where(Facility.facility_type == "TYT")
        )
    assert stations == 579
    started = time.perf_counter()
    with transaction(engine) as session:
        result = issue_facility_accounts(session, admin, facility_type="TYT")
    elapsed = time.perf_counter() - started
    print(f"\nbulk issue of {len(result.issued)} station accounts: {elapsed:.2f} s ({engine.dialect.name})")
    assert elapsed < 30
    assert len(result.issued) == 577 and sorted(result.skipped_usernames) == ["tyt.01001", "tyt.01037"]
    assert len({c.temporary_password for c in result.issued}) == 577
    with transaction(engine) as session:
        created = list_audit(
            session, admin, AuditFilter(action_prefix="account.create", actor_username="quantri")
        )
        assert len(created) == 577
        assert len(list_audit(session, admin, AuditFilter(action_prefix="account.bulk_issue"))) == 1
        sample = result.issued[0]
        assert verify_password(
            sample.temporary_password, session.get(Account, sample.account_id).password_hash
        )
        assert session.get(Account, sample.account_id).must_change_password
        issued_on = session.scalar(select(func.count()).where(Facility.account_issued_on.is_not(None)))
        assert issued_on == 577
    # Running it again issues nothing new.
    with transaction(engine) as session:
        again = issue_facility_accounts(session, admin, facility_type="TYT")
    assert again.issued == [] and len(again.skipped_usernames) == 579


def test_district_manager_bulk_issue_stays_in_district(engine):
    city = build_mini_city(engine)
    dm1 = city.principal(engine, "ttyt.001")
    with transaction(engine) as session:
        result = issue_facility_accounts(session, dm1, facility_type="PKDK")
        assert [c.username for c in result.issued] == ["pkdk.01p01"]
        with pytest.raises(NotAllowed):
            issue_facility_accounts(session, dm1, district_id=city.districts["002"])
