"""Every measure and KPI against an independent row-by-row computation on a hand-built database."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from sqlalchemy import func, select, update

from data_access.engine import transaction
from data_access.kpi_facts import (
    MONTH_TOTAL_MEASURES,
    POPULATION_MEASURES,
    district_totals,
    measure_daily,
    measure_totals,
)
from data_access.kpi_frames import FRAME_SOURCES, population_edges
from data_access.models import (
    AdminChangeEvent,
    Facility,
    FacilityDailySubmission,
    HealthRecord,
    KpiDailyFact,
    Resident,
)
from data_access.scope import CITY_SCOPE, Scope
from kpis.api import FactWindow, kpi_table, kpi_trend, kpi_trends
from kpis.catalogue import by_id, load_file
from kpis.measures import ALL_MEASURES, SOURCES
from kpis.refresh import refresh
from tests.kpis.handbuilt import TODAY, build, expected_measures

DAYS = [
    dt.date(2023, 6, 30),
    dt.date(2023, 7, 1),
    dt.date(2023, 7, 28),  # from the start: July's month sum less its last three days
    dt.date(2023, 12, 31),
    dt.date(2024, 2, 29),
    dt.date(2024, 3, 31),
    dt.date(2024, 5, 17),
    dt.date(2024, 7, 1),
    dt.date(2024, 8, 31),  # month ends and starts: whole months only, or one day beside them
    dt.date(2024, 9, 1),
    dt.date(2024, 9, 3),  # September's month sum less its first three days
    TODAY,
    TODAY + dt.timedelta(days=45),
]


@pytest.fixture
def city(engine):
    ids = build(engine)
    refresh(engine, full=True, today=TODAY)
    return engine, ids


def _actual(engine, day, scope=CITY_SCOPE):
    frame = measure_totals(engine, scope, day)
    return {
        (r["measure"], r["ward_id"], r["facility_id"], r["facility_type"]): r["value"]
        for r in frame.iter_rows(named=True)
        if r["value"]
    }


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_every_measure_matches_row_by_row(city, day) -> None:
    engine, _ = city
    expected = expected_measures(engine, day)
    actual = _actual(engine, day)
    for measure in sorted(ALL_MEASURES):
        exp = {k: v for k, v in expected.items() if k[0] == measure}
        act = {k: v for k, v in actual.items() if k[0] == measure}
        assert act == exp, measure
    if day == TODAY:  # the fixture exercises every measure
        assert {k[0] for k in expected} == set(ALL_MEASURES)


def test_daily_increments_arrive_whole_through_the_packed_transfer(city) -> None:
    """measure_daily packs each day's rows into one string per group: every row, sign and facility
    type must come back exactly as stored, and only inside the scope."""
    engine, ids = city
    start, end = dt.date(2023, 7, 1), TODAY
    district = ids["districts"][0]
    rows = [
        (m, w, f, d, t, v, day)
        for m, w, f, day, v, d, t in _facts(engine, KpiDailyFact.district_id, KpiDailyFact.facility_type)
        if start < day <= end
    ]
    rows.sort()
    assert any(v < 0 for *_, v, _ in rows) and {r[4] for r in rows} > {""}  # signs and types to carry
    packed = measure_daily(engine, CITY_SCOPE, start, end)
    assert sorted(packed.iter_rows()) == rows
    in_district = measure_daily(engine, Scope(district_ids=frozenset({district})), start, end)
    assert sorted(in_district.iter_rows()) == [r for r in rows if r[3] == district] != []


def test_every_kpi_at_every_level(city) -> None:
    engine, ids = city
    day = dt.date(2024, 5, 17)
    expected = expected_measures(engine, day)
    catalogue = load_file()
    with engine.connect() as connection:
        ward_district = dict(
            connection.execute(select(Resident.ward_id, Resident.district_id).distinct()).all()
        )
    from data_access.models import OrgUnit

    with engine.connect() as connection:
        ward_district = dict(
            connection.execute(select(OrgUnit.id, OrgUnit.parent_id).where(OrgUnit.level == "ward")).all()
        )
    commune_of = {
        ids["wards"][0]: ids["communes"][0],
        ids["wards"][1]: ids["communes"][0],
        ids["wards"][2]: ids["communes"][0],
        ids["wards"][3]: ids["communes"][1],
    }

    def independent(kpi, unit_of):
        sums: dict[int, list[int]] = {}
        for (measure, ward, _facility, f_type), value in expected.items():
            if kpi.facility_types and f_type not in kpi.facility_types:
                continue
            unit = unit_of(ward)
            pair = sums.setdefault(unit, [0, 0])
            if measure == kpi.numerator:
                pair[0] += value
            if measure == kpi.denominator:
                pair[1] += value
        return sums

    for level, unit_of in (
        ("city", lambda w: 0),
        ("district", lambda w: ward_district[w]),
        ("ward", lambda w: w),
        ("commune_2025", lambda w: commune_of[w]),
    ):
        table = kpi_table(engine, CITY_SCOPE, day, level)
        for kpi in catalogue:
            exp = {u: tuple(p) for u, p in independent(kpi, unit_of).items() if p != [0, 0]}
            rows = table.filter(table["kpi_id"] == kpi.id)
            act = {
                r["unit_id"]: (r["numerator"], r["denominator"])
                for r in rows.iter_rows(named=True)
                if (r["numerator"], r["denominator"]) != (0, 0)
            }
            assert act == exp, (level, kpi.id)
            for r in rows.iter_rows(named=True):
                if r["denominator"]:
                    assert r["value"] == pytest.approx(r["numerator"] / r["denominator"])
                    assert r["status"] in {"met", "on_track", "at_risk", "overdue"}
    # city numerator = sum of the district numerators, for every KPI
    city_table = kpi_table(engine, CITY_SCOPE, day, "city")
    district_table = kpi_table(engine, CITY_SCOPE, day, "district")
    for kpi in catalogue:
        city_row = city_table.filter(city_table["kpi_id"] == kpi.id)
        districts = district_table.filter(district_table["kpi_id"] == kpi.id)
        assert city_row["numerator"].sum() == districts["numerator"].sum()
        assert city_row["denominator"].sum() == districts["denominator"].sum()


def test_scope_limits_the_numbers(city) -> None:
    engine, ids = city
    district = ids["districts"][0]
    scoped = kpi_table(engine, Scope(district_ids=frozenset({district})), TODAY, "district")
    assert set(scoped["unit_id"]) == {district}
    assert kpi_table(engine, Scope(), TODAY, "city").is_empty()  # deny by default
    everything = kpi_table(engine, CITY_SCOPE, TODAY, "district")
    mine = everything.filter(everything["unit_id"] == district).sort("kpi_id")
    assert scoped.sort("kpi_id")["numerator"].to_list() == mine["numerator"].to_list()


@pytest.mark.parametrize("day", [dt.date(2023, 7, 28), dt.date(2024, 2, 29), dt.date(2024, 9, 3)], ids=str)
def test_a_past_days_totals_stay_inside_the_scope(city, day) -> None:
    """The month sums and daily facts of a past day are read inside the caller's scope too."""
    engine, ids = city
    district = ids["districts"][0]
    everything = measure_totals(engine, CITY_SCOPE, day)
    scoped = measure_totals(engine, Scope(district_ids=frozenset({district})), day)
    assert scoped.height and set(scoped["district_id"]) == {district}
    mine = everything.filter(everything["district_id"] == district)
    assert sorted(scoped.iter_rows()) == sorted(mine.iter_rows())
    assert measure_totals(engine, Scope(), day).is_empty()  # deny by default


def test_trends_read_together_equal_each_kpi_read_alone(city) -> None:
    engine, ids = city
    catalogue = load_file()
    assert any(k.facility_types for k in catalogue) and any(not k.facility_types for k in catalogue)
    for scope in (CITY_SCOPE, Scope(district_ids=frozenset({ids["districts"][0]}))):
        together = kpi_trends(engine, scope, catalogue, end=TODAY, start=dt.date(2024, 1, 1))
        for kpi in catalogue:
            alone = kpi_trend(engine, scope, kpi, end=TODAY, start=dt.date(2024, 1, 1))
            assert together[kpi.id].equals(alone), kpi.id


def test_trend_ends_at_the_as_of_value(city) -> None:
    engine, _ = city
    kpi = by_id(load_file())["P1_RECORDS_CREATED"]
    trend = kpi_trend(engine, CITY_SCOPE, kpi, end=TODAY, start=dt.date(2023, 7, 1))
    assert trend["day"][0] == dt.date(2023, 7, 1) and trend["day"][-1] == TODAY
    last = trend.row(-1, named=True)
    table = kpi_table(engine, CITY_SCOPE, TODAY, "city")
    row = table.filter(table["kpi_id"] == kpi.id).row(0, named=True)
    assert (last["numerator"], last["denominator"]) == (row["numerator"], row["denominator"])
    middle = trend.filter(trend["day"] == dt.date(2024, 3, 31)).row(0, named=True)
    exp = expected_measures(engine, dt.date(2024, 3, 31))
    assert middle["denominator"] == sum(v for k, v in exp.items() if k[0] == "residents")


def _facts(engine, *extra):
    """(measure, ward, facility, day, delta, *extra columns) of every daily fact, sorted."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                KpiDailyFact.measure,
                KpiDailyFact.ward_id,
                KpiDailyFact.facility_id,
                KpiDailyFact.day,
                KpiDailyFact.delta,
                *extra,
            )
        ).all()
    return sorted((m, w, f, _as_date(d), v, *rest) for m, w, f, d, v, *rest in rows)


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _summaries_agree(engine) -> bool:
    return _district_facts_agree(engine) and _month_facts_agree(engine) and _month_totals_agree(engine)


def _month_totals_agree(engine) -> bool:
    """kpi_month_total holds, for every month through the one recorded, each finest unit's running
    sum of the daily facts up to that month's end."""
    with engine.connect() as connection:
        through = _as_date(
            connection.exec_driver_sql(
                "SELECT data_through FROM kpi_refresh_state WHERE source = 'month_totals'"
            ).scalar_one()
        )
        stored = connection.exec_driver_sql(
            "SELECT measure, month, ward_id, facility_id, value FROM kpi_month_total"
        ).all()
    facts = [fact for fact in _facts(engine) if fact[0] in MONTH_TOTAL_MEASURES]  # the big sources'
    first = min(day for _, _, _, day, _ in facts).replace(day=1)
    expected: dict[tuple, int] = defaultdict(int)
    month = first
    while month <= through:
        end = (month + dt.timedelta(days=31)).replace(day=1)
        for measure, ward, facility, day, delta in facts:
            if day < end:
                expected[(measure, month, ward, facility)] += delta
        month = end
    stored_map = {(m, _as_date(month), w, f): v for m, month, w, f, v in stored}
    return stored_map == {k: v for k, v in expected.items() if v} and len(stored) == len(stored_map) > 0


def _month_facts_agree(engine) -> bool:
    """kpi_month_fact holds exactly the daily facts summed per month and finest unit."""
    summed: dict[tuple, int] = defaultdict(int)
    for measure, ward, facility, day, delta in _facts(engine):
        summed[(measure, day.replace(day=1), ward, facility)] += delta
    with engine.connect() as connection:
        stored = connection.exec_driver_sql(
            "SELECT measure, month, ward_id, facility_id, delta FROM kpi_month_fact"
        ).all()
    stored_map = {(m, _as_date(month), w, f): v for m, month, w, f, v in stored}
    return stored_map == {k: v for k, v in summed.items() if v} and len(stored) == len(stored_map) > 0


def test_a_full_refresh_stores_every_closed_months_end_totals(city) -> None:
    """...of the big sources' measures, exactly those whose month ends the reads take from there."""
    engine, _ = city
    assert {edge.measure for edge in population_edges()} == set(POPULATION_MEASURES)
    assert {m for source in FRAME_SOURCES for m in SOURCES[source]} == MONTH_TOTAL_MEASURES
    assert _month_totals_agree(engine)
    with engine.connect() as connection:  # TODAY is in September: August is the last closed month
        assert connection.exec_driver_sql("SELECT max(month) FROM kpi_month_total").scalar() in (
            dt.date(2024, 8, 1),
            "2024-08-01",
        )


def test_a_window_reads_its_opening_totals_from_a_stored_month_end(city) -> None:
    """A 28-day window across a month end reads that month end's totals and moves them back by the
    window's own increments: the same opening totals as summed for the window's first day."""
    engine, ids = city
    measures = sorted(ALL_MEASURES)
    for scope in (CITY_SCOPE, Scope(district_ids=frozenset({ids["districts"][0]}))):
        for as_of in (dt.date(2024, 3, 10), dt.date(2024, 8, 31), dt.date(2024, 9, 20)):
            facts = FactWindow(engine, scope, as_of)
            assert facts._stored_totals_day() != facts.start
            base, _ = facts.frames(measures, "ward")
            assert sorted(base.iter_rows()) == sorted(measure_totals(engine, scope, facts.start).iter_rows())
            if scope.is_whole_districts:
                base, _ = FactWindow(engine, scope, as_of).frames(measures, "district")
                expected = district_totals(engine, scope, facts.start, measures)
                assert sorted(base.iter_rows()) == sorted(expected.iter_rows())


def _district_facts_agree(engine) -> bool:
    """kpi_district_fact holds exactly the ward-level facts summed per district and facility type."""
    with engine.connect() as connection:
        summed = connection.exec_driver_sql(
            "SELECT measure, day, district_id, facility_type, sum(delta) FROM kpi_daily_fact "
            "GROUP BY measure, day, district_id, facility_type HAVING sum(delta) <> 0"
        ).all()
        stored = connection.exec_driver_sql(
            "SELECT measure, day, district_id, facility_type, delta FROM kpi_district_fact"
        ).all()
    return sorted(map(tuple, summed)) == sorted(map(tuple, stored)) and len(stored) > 0


def test_incremental_refresh_equals_full_refresh_after_a_day_of_changes(city) -> None:
    engine, ids = city
    tomorrow = TODAY + dt.timedelta(days=1)
    with transaction(engine) as s:
        records = list(s.scalars(select(HealthRecord).order_by(HealthRecord.id)))
        # a day of rollout work: pending records verified and shared today (dates only move forward)
        pending = [h for h in records if h.verified_on is None][:15]
        for h in pending:
            h.verification_status, h.verified_on = "verified", tomorrow
            h.vneid_shared_on = h.vneid_shared_on or tomorrow
        records[20].closed_on = tomorrow
        # a facility's staff trained back in March: the register's month-end totals move from there
        facility = s.scalars(select(Facility).where(Facility.staff_trained_on.is_(None)).limit(1)).one()
        facility.staff_trained_on = dt.date(2024, 3, 14)
        s.execute(
            update(Resident).where(Resident.id == records[20].resident_id).values(resident_until=tomorrow)
        )
        newcomer = Resident(
            cccd="001299000001",
            full_name="Trần Thị Mới",
            sex="F",
            residence_type="temporary",
            ward_id=ids["wards"][2],
            district_id=ids["districts"][1],
            resident_since=tomorrow,
        )
        s.add(newcomer)
        s.flush()
        s.add(
            HealthRecord(
                resident_id=newcomer.id,
                ward_id=newcomer.ward_id,
                district_id=newcomer.district_id,
                created_on=tomorrow,
                last_health_check_on=tomorrow,
            )
        )
        s.add(
            AdminChangeEvent(
                event_type="move_in",
                resident_id=newcomer.id,
                ward_id=newcomer.ward_id,
                district_id=newcomer.district_id,
                occurred_on=tomorrow,
                received_on=tomorrow,
                applied_on=tomorrow,
            )
        )
    report = refresh(engine, today=tomorrow)
    assert report.sources["population"]["mode"] == "changes"  # incremental, from the trigger log
    with engine.connect() as connection:  # the report counts what each small source wrote
        facility_facts = connection.execute(
            select(func.count())
            .select_from(KpiDailyFact)
            .where(KpiDailyFact.measure.in_(SOURCES["facility"]))
        ).scalar_one()
    assert report.sources["facility"]["rows"] == facility_facts > 0
    incremental = _facts(engine)
    assert _summaries_agree(engine)
    refresh(engine, full=True, today=tomorrow)
    assert incremental == _facts(engine)
    exp = expected_measures(engine, tomorrow)
    assert _actual(engine, tomorrow) == exp


def test_incremental_refresh_is_exact_for_back_dated_edits_moves_merges_and_deletes(city) -> None:
    """The trigger log carries old and new images, so any edit — not only today's — comes out exact."""
    engine, ids = city
    tomorrow = TODAY + dt.timedelta(days=1)
    long_ago = dt.date(2024, 2, 29)
    with transaction(engine) as s:
        records = list(s.scalars(select(HealthRecord).order_by(HealthRecord.id)))
        residents = {r.id: r for r in s.scalars(select(Resident))}
        records[1].verified_on, records[1].verification_status = long_ago, "verified"  # back-dated
        records[2].last_health_check_on = tomorrow  # a re-check moves a 12-month window
        records[3].created_on = dt.date(2023, 3, 1)  # before the history starts: folded onto day one
        moved = residents[records[4].resident_id]
        moved.ward_id, moved.district_id = ids["wards"][3], ids["districts"][1]  # a correction of ward
        keep, drop = residents[records[5].resident_id], residents[records[6].resident_id]
        drop.merged_into_id = keep.id  # a merge hides the duplicate
        records[6].closed_on = tomorrow
        residents[records[7].resident_id].bhyt_card = None  # insurance lost
        s.delete(records[8])  # a record deleted outright
    with engine.connect() as connection:
        logged = connection.exec_driver_sql("SELECT count(*) FROM kpi_population_change").scalar()
    assert logged >= 9  # an old and a new image per change; a merge leaves no new image
    refresh(engine, today=tomorrow)
    incremental = _facts(engine)
    assert _summaries_agree(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM kpi_population_change").scalar() == 0
    refresh(engine, full=True, today=tomorrow)
    assert incremental == _facts(engine)
    assert _summaries_agree(engine)
    assert _actual(engine, tomorrow) == expected_measures(engine, tomorrow)


def test_a_refresh_since_a_past_day_keeps_the_month_end_totals_exact(city) -> None:
    """Submissions corrected months back and refreshed with ``since``: the month ends from then on move."""
    engine, _ = city
    tomorrow = TODAY + dt.timedelta(days=1)
    with transaction(engine) as s:
        rows = list(
            s.scalars(
                select(FacilityDailySubmission)
                .where(FacilityDailySubmission.day.between(dt.date(2024, 3, 1), dt.date(2024, 3, 31)))
                .order_by(FacilityDailySubmission.facility_id, FacilityDailySubmission.day)
            )
        )
        assert rows
        for row in rows[::2]:
            row.received, row.accepted = row.received + 5, row.accepted + 3
    refresh(engine, today=tomorrow, since=dt.date(2024, 3, 1))
    incremental = _facts(engine)
    assert _summaries_agree(engine)
    refresh(engine, full=True, today=tomorrow)
    assert incremental == _facts(engine)
    assert _actual(engine, dt.date(2024, 5, 17)) == expected_measures(engine, dt.date(2024, 5, 17))


def test_a_name_fix_logs_nothing(city) -> None:
    engine, _ = city
    with transaction(engine) as s:
        resident = s.scalars(select(Resident).order_by(Resident.id)).first()
        resident.full_name = "Nguyễn Văn Sửa"
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM kpi_population_change").scalar() == 0
