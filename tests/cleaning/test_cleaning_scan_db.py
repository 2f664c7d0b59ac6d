"""Scan and queue actions on a hand-built city, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import re

import pytest
from cleaning_factory import (
    BA_DINH,
    CAU_GIAY,
    DICH_VONG,
    PRINCIPALS,
    TODAY,
    TRUC_BACH,
    TYT_DICH_VONG,
    TYT_PHUC_XA,
    add_resident,
    build_city,
    good_cccd,
)
from sqlalchemy import select

from cleaning import queue
from cleaning.scan import run_scan
from data_access.cleaning import QueueFilter, get_item, list_items, raised_and_resolved, status_counts
from data_access.engine import session_factory, transaction
from data_access.models import AuditLog, CleaningItem, CleaningItemEvent, HealthRecord, Resident, Vaccination
from data_access.types import utcnow

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def city(engine):
    build_city(engine)
    return engine


def items(engine, **where):
    with session_factory(engine)() as session:
        query = select(CleaningItem)
        for key, value in where.items():
            query = query.where(getattr(CleaningItem, key) == value)
        return list(session.scalars(query.order_by(CleaningItem.id)))


def one_item(engine, **where) -> CleaningItem:
    found = items(engine, **where)
    assert len(found) == 1, found
    return found[0]


def scan(engine):
    return run_scan(engine, today=TODAY)


def test_detection_never_reads_ground_truth():
    pattern = re.compile(r"truth|ground_truth", re.IGNORECASE)
    for package in ("cleaning", "services"):
        for path in (ROOT / package).rglob("*"):
            if path.suffix in (".py", ".toml") and path.is_file():
                assert not pattern.search(path.read_text(encoding="utf-8")), (
                    f"{path} mentions the ground truth"
                )


def test_scan_is_idempotent_and_closes_fixed_items(city):
    bad = add_resident(city, cccd="00118501234")
    add_resident(city)
    first = scan(city)
    assert first.as_dict()["opened"] == 1
    item = one_item(city, rule_id="cccd_format")
    second = scan(city)
    assert second.as_dict()["opened"] == 0 and len(items(city)) == 1
    assert one_item(city).version == item.version  # an unchanged item is not touched

    with transaction(city) as session:
        resident = session.get(Resident, bad)
        resident.cccd = good_cccd(resident.sex, resident.date_of_birth)
    third = scan(city)
    assert third.as_dict()["closed"] == 1
    closed = one_item(city)
    assert (closed.status, closed.resolution) == ("resolved", "auto_fixed")

    with transaction(city) as session:
        session.get(Resident, bad).cccd = "123"
    fourth = scan(city)
    assert fourth.as_dict()["reopened"] == 1 and len(items(city)) == 1
    assert one_item(city).status == "open"
    with session_factory(city)() as session:
        actions = [
            e.action for e in session.scalars(select(CleaningItemEvent).order_by(CleaningItemEvent.id))
        ]
    assert actions == ["auto_closed", "reopened"]


def test_district_scan_touches_only_that_district(city):
    add_resident(city, cccd="1")
    add_resident(city, ward=DICH_VONG, cccd="2")
    run_scan(city, district_code="005", today=TODAY)
    assert {i.district_id for i in items(city)} == {CAU_GIAY}
    with pytest.raises(LookupError):
        run_scan(city, district_code="999", today=TODAY)


def test_standardised_on_follows_open_items(city):
    bad = add_resident(city, bhxh_code="12", bhyt_card=None)
    good = add_resident(city)
    scan(city)
    with session_factory(city)() as session:
        on = dict(session.execute(select(HealthRecord.resident_id, HealthRecord.standardised_on)).all())
    assert on[good] == TODAY and on[bad] is None


def test_stats_and_kpi_counts(city):
    add_resident(city, cccd="1")
    add_resident(city, ward=DICH_VONG, cccd="2")
    scan(city)
    with session_factory(city)() as session:
        rows = status_counts(session, None)
        mine = status_counts(session, PRINCIPALS["ql_badinh"])
        counts = raised_and_resolved(session, None)
    assert {(r["district_code"], r["rule_id"], r["open"]) for r in rows} == {
        ("001", "cccd_format", 1),
        ("005", "cccd_format", 1),
    }
    assert [r["district_code"] for r in mine] == ["001"]
    assert counts[BA_DINH] == {"raised": 1, "resolved": 0}


def test_scope_of_queue_reads(city):
    add_resident(city, cccd="1")
    add_resident(city, ward=DICH_VONG, cccd="2")
    scan(city)
    now = utcnow()
    with session_factory(city)() as session:

        def seen(name):
            return {r["district_id"] for r in list_items(session, PRINCIPALS[name], QueueFilter(), now)}

        assert seen("ql_badinh") == {BA_DINH}
        assert seen("ql_caugiay") == {CAU_GIAY}
        assert seen("admin") == {BA_DINH, CAU_GIAY}
        assert seen("lanhdao") == set()  # aggregates-only role: no people
        assert seen("tyt_phucxa") == set()  # nothing assigned yet
        other = one_item(city, district_id=CAU_GIAY)
        assert get_item(session, PRINCIPALS["ql_badinh"], other.id) is None


def test_assign_to_station_then_station_sees_it(city):
    add_resident(city, cccd="1")
    add_resident(city, cccd="2")
    scan(city)
    pairs = [(i.id, i.version) for i in items(city)]
    manager = PRINCIPALS["ql_badinh"]
    with pytest.raises(queue.NotAllowed):  # a station of another district
        queue.assign(city, manager, pairs, TYT_DICH_VONG)
    assert queue.assign(city, manager, pairs, TYT_PHUC_XA) == 2
    with session_factory(city)() as session:
        rows = list_items(session, PRINCIPALS["tyt_phucxa"], QueueFilter(), utcnow())
        assert len(rows) == 2
        assert session.scalar(select(AuditLog.action).where(AuditLog.action == "cleaning.assign").limit(1))
    with pytest.raises(queue.NotAllowed):  # stations do not assign
        queue.assign(city, PRINCIPALS["tyt_phucxa"], [(i.id, i.version) for i in items(city)], None)


def test_fix_is_validated_with_the_same_rules(city):
    rid = add_resident(city, cccd="00118501234")
    scan(city)
    item = one_item(city)
    manager = PRINCIPALS["ql_badinh"]
    with pytest.raises(queue.FixRejected) as rejected:
        queue.fix(city, manager, item.id, item.version, {"cccd": "0011850123"}, today=TODAY)
    assert "cccd_format" in rejected.value.details["problems"]
    with session_factory(city)() as session:
        resident = session.get(Resident, rid)
    good = good_cccd(resident.sex, resident.date_of_birth)
    wrong_sex = good[:3] + str(int(good[3]) ^ 1) + good[4:]
    with pytest.raises(queue.FixRejected):  # would break the century/sex rule
        queue.fix(city, manager, item.id, item.version, {"cccd": wrong_sex}, today=TODAY)
    queue.fix(city, manager, item.id, item.version, {"cccd": f" {good} "}, today=TODAY)
    fixed = one_item(city)
    assert (fixed.status, fixed.resolution, fixed.closed_by_id) == ("resolved", "fixed", manager.account_id)
    with session_factory(city)() as session:
        assert session.get(Resident, rid).cccd == good
        event = session.scalar(select(CleaningItemEvent).where(CleaningItemEvent.action == "fixed"))
        assert event.before == {"cccd": "00118501234"} and event.after == {"cccd": good}
    assert scan(city).as_dict()["reopened"] == 0


def test_concurrent_edit_second_actor_gets_a_clear_error(city):
    add_resident(city, cccd="1")
    scan(city)
    item = one_item(city)
    queue.dismiss(city, PRINCIPALS["ql_badinh"], item.id, item.version, "Người dân đã chuyển đi")
    with pytest.raises(queue.ConcurrentEditError) as error:
        queue.assign(city, PRINCIPALS["admin"], [(item.id, item.version)], TYT_PHUC_XA)
    assert error.value.key == "cleaning.error.concurrent"
    after = one_item(city)
    assert after.status == "dismissed" and after.assigned_facility_id is None


def test_dismiss_needs_a_reason_and_stays_dismissed(city):
    add_resident(city, cccd="1")
    scan(city)
    item = one_item(city)
    with pytest.raises(queue.QueueError):
        queue.dismiss(city, PRINCIPALS["ql_badinh"], item.id, item.version, "  ")
    queue.dismiss(city, PRINCIPALS["ql_badinh"], item.id, item.version, "Dữ liệu đúng theo CSDLQG")
    scan(city)
    assert one_item(city).status == "dismissed"


def _pair(city, **other):
    """One person registered twice: name without diacritics, day/month swapped, same BHXH code."""
    dob = dt.date(1990, 3, 7)
    a = add_resident(city, full_name="Trần Văn Nam", sex="M", date_of_birth=dob)
    with session_factory(city)() as session:
        first = session.get(Resident, a)
        same = {"bhxh_code": first.bhxh_code, "bhyt_card": first.bhyt_card}
    b = add_resident(
        city,
        ward=TRUC_BACH,
        full_name="Tran Van Nam",
        sex="M",
        date_of_birth=dt.date(1990, 7, 3),
        **{**same, **other},
    )
    return a, b


def test_not_a_duplicate_never_returns(city):
    _pair(city)
    scan(city)
    item = one_item(city, rule_id="duplicate")
    assert json.loads(json.dumps(item.details))["variation"] == "swapped_dob"
    queue.not_duplicate(city, PRINCIPALS["ql_badinh"], item.id, item.version, "Hai anh em")
    for _ in range(2):
        scan(city)
    found = items(city, rule_id="duplicate")
    assert len(found) == 1 and found[0].status == "dismissed" and found[0].resolution == "not_duplicate"


def _state(engine, ids):
    with session_factory(engine)() as session:

        def rows(model, column):
            return sorted(
                (
                    {c.key: getattr(r, c.key) for c in model.__table__.columns}
                    for r in session.scalars(select(model).where(column.in_(ids)))
                ),
                key=lambda r: r["id"],
            )

        return (
            rows(Resident, Resident.id),
            rows(HealthRecord, HealthRecord.resident_id),
            sorted(session.execute(select(Vaccination.id, Vaccination.resident_id)).all()),
            sorted(
                session.execute(
                    select(
                        CleaningItem.id, CleaningItem.status, CleaningItem.closed_at, CleaningItem.resolution
                    )
                ).all()
            ),
        )


def test_merge_then_undo_restores_the_exact_previous_state(city):
    a, b = _pair(city, bhyt_card="XX4010123456789")  # b also has a malformed card: a second item
    with transaction(city) as session:
        session.add(
            Vaccination(resident_id=b, vaccine_code="BCG", dose_number=1, vaccinated_on=dt.date(1990, 8, 1))
        )
    scan(city)
    item = one_item(city, rule_id="duplicate")
    before = _state(city, [a, b])
    manager = PRINCIPALS["ql_badinh"]
    queue.merge(city, manager, item.id, item.version, keep_id=a, take_from_other=("full_name",), today=TODAY)
    with session_factory(city)() as session:
        assert session.get(Resident, b).merged_into_id == a
        assert session.get(Resident, a).full_name == "Tran Van Nam"
        assert session.scalar(select(Vaccination.resident_id)) == a
        assert session.scalar(select(HealthRecord.status).where(HealthRecord.resident_id == b)) == "closed"
    assert {i.status for i in items(city)} == {"resolved"}  # the pair and b's card item
    scan(city)
    assert {i.status for i in items(city)} == {"resolved"}  # merged-away rows are not scanned
    merged = one_item(city, rule_id="duplicate")
    queue.undo_merge(city, manager, merged.id, merged.version)
    after = _state(city, [a, b])
    assert after[:3] == before[:3]
    assert [r for r in after[3] if r[0] != item.id] == [r for r in before[3] if r[0] != item.id]
    assert one_item(city, rule_id="duplicate").status == "open"
    with session_factory(city)() as session:
        actions = [
            e.action
            for e in session.scalars(select(CleaningItemEvent).where(CleaningItemEvent.item_id == item.id))
        ]
    assert actions == ["merged", "merge_undone"]


def test_comments_and_reveal_are_recorded(city):
    add_resident(city, cccd="1")
    scan(city)
    item = one_item(city)
    manager = PRINCIPALS["ql_badinh"]
    queue.add_comment(city, manager, item.id, "Đã gọi điện cho người dân")
    people = queue.reveal(city, manager, item.id)
    assert people[0]["cccd"] == "1"
    with pytest.raises(queue.NotAllowed):
        queue.reveal(city, PRINCIPALS["ql_caugiay"], item.id)
    with session_factory(city)() as session:
        assert session.scalar(select(AuditLog.target_id).where(AuditLog.action == "person.reveal")) == str(
            item.id
        )
    assert one_item(city).version == item.version


def test_race_between_read_and_write_is_caught_by_the_version_column(city):
    """B has read the item (same version as A) when A's change commits: B's write is refused."""
    add_resident(city, cccd="1")
    scan(city)
    item = one_item(city)
    session_b = queue._session(city)
    seen_by_b = queue._locked_item(session_b, PRINCIPALS["admin"], item.id, item.version)
    queue.dismiss(city, PRINCIPALS["ql_badinh"], item.id, item.version, "A was first")
    seen_by_b.assigned_facility_id = TYT_PHUC_XA
    with pytest.raises(queue.ConcurrentEditError):
        queue._commit(session_b, [item.id])
    session_b.close()
    after = one_item(city)
    assert after.status == "dismissed" and after.assigned_facility_id is None
