"""The materialised roll-up (what the pages read) equals the same figures computed from the daily facts."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from data_access.kpi_facts import measure_series, measure_totals, org_frames
from data_access.scope import CITY_SCOPE, Scope
from kpis import rollup_store
from kpis.api import (
    FactWindow,
    kpi_table,
    kpi_trend,
    latest_with_rates,
    window_grid,
    window_latest,
)
from kpis.catalogue import load_catalogue
from kpis.refresh import refresh
from kpis.rollup import LEVELS, rollup
from tests.kpis.handbuilt import TODAY, build

KEYS = ["kpi_id", "unit_id"]


@pytest.fixture
def city(engine):
    ids = build(engine)
    refresh(engine, full=True, today=TODAY)
    return engine, ids


def _from_facts(engine, scope: Scope, level: str) -> pl.DataFrame:
    catalogue = load_catalogue(engine)
    facts = FactWindow(engine, scope, TODAY)
    base, daily = facts.frames(sorted({m for k in catalogue for m in (k.numerator, k.denominator)}), level)
    series = window_grid(base, daily, facts.start, TODAY, level, catalogue, org_frames(engine))
    return latest_with_rates(series, TODAY).select(
        "kpi_id", "unit_id", "numerator", "denominator", "value", "rate"
    )


def _same(left: pl.DataFrame, right: pl.DataFrame) -> None:
    left, right = left.sort(KEYS), right.sort(KEYS)
    assert left.select(KEYS).rows() == right.select(KEYS).rows()
    assert left["numerator"].to_list() == right["numerator"].to_list()
    assert left["denominator"].to_list() == right["denominator"].to_list()
    for a, b in zip(left["rate"].to_list(), right["rate"].to_list(), strict=True):
        assert (a is None and b is None) or a == pytest.approx(b, abs=1e-12)


@pytest.mark.parametrize("level", LEVELS)
def test_status_rows_equal_the_facts(city, level) -> None:
    engine, _ = city
    catalogue = load_catalogue(engine)
    stored = rollup_store.latest(engine, CITY_SCOPE, TODAY, level, catalogue)
    assert stored is not None and stored.height
    _same(stored, _from_facts(engine, CITY_SCOPE, level))


@pytest.mark.parametrize("level", LEVELS)
def test_the_window_matrix_gives_the_figures_of_the_long_grid(city, level) -> None:
    """``window_latest`` (units × days matrix) = ``latest_with_rates`` over ``window_grid`` (long)."""
    engine, ids = city
    catalogue, org = load_catalogue(engine), org_frames(engine)
    for scope in (CITY_SCOPE, Scope(district_ids=frozenset({ids["districts"][0]}))):
        for as_of in (TODAY, TODAY - dt.timedelta(days=40), dt.date(2023, 7, 10)):
            facts = FactWindow(engine, scope, as_of)
            base, daily = facts.frames(sorted({m for k in catalogue for m in (k.numerator, k.denominator)}))
            grid = window_grid(base, daily, facts.start, as_of, level, catalogue, org)
            expected = latest_with_rates(grid, as_of) if grid.height else grid
            matrix = window_latest(base, daily, facts.start, as_of, level, catalogue, org)
            assert matrix.height == expected.height
            if not expected.height:
                continue
            _same(matrix, expected)
            left, right = matrix.sort(KEYS), expected.sort(KEYS)
            assert left["value"].to_list() == right["value"].to_list()
            assert right["rate"].is_not_null().any() or as_of != TODAY  # rates to compare


def test_city_row_is_the_finest_level_sum(city) -> None:
    engine, _ = city
    catalogue = load_catalogue(engine)
    finest = rollup(measure_totals(engine, CITY_SCOPE, TODAY), catalogue, "city")
    stored = rollup_store.latest(engine, CITY_SCOPE, TODAY, "city", catalogue)
    joined = stored.join(finest, on=KEYS, how="full", suffix="_finest")
    assert joined.height == stored.height == finest.height
    assert (joined["numerator"] == joined["numerator_finest"]).all()
    assert (joined["denominator"] == joined["denominator_finest"]).all()
    districts = rollup_store.latest(engine, CITY_SCOPE, TODAY, "district", catalogue)
    summed = districts.group_by("kpi_id").agg(pl.col("numerator").sum(), pl.col("denominator").sum())
    both = stored.join(summed, on="kpi_id", suffix="_districts")
    assert (both["numerator"] == both["numerator_districts"]).all()
    assert (both["denominator"] == both["denominator_districts"]).all()


def test_scoped_reads_equal_the_facts(city) -> None:
    engine, _ = city
    catalogue = load_catalogue(engine)
    district = org_frames(engine)["units"].filter(pl.col("level") == "district")["id"][0]
    scope = Scope(district_ids=frozenset({district}))
    for level in ("city", "district", "ward", "facility"):
        stored = rollup_store.latest(engine, scope, TODAY, level, catalogue)
        assert stored is not None
        _same(stored, _from_facts(engine, scope, level))
    # a scope cutting across units, another day, or a stale roll-up: the caller reads the facts
    ward = org_frames(engine)["units"].filter(pl.col("level") == "ward")["id"][0]
    assert rollup_store.latest(engine, Scope(ward_ids=frozenset({ward})), TODAY, "city", catalogue) is None
    assert rollup_store.latest(engine, CITY_SCOPE, TODAY - dt.timedelta(days=1), "ward", catalogue) is None
    rollup_store.invalidate(engine)
    assert rollup_store.latest(engine, CITY_SCOPE, TODAY, "ward", catalogue) is None


def test_trend_points_equal_the_daily_trend(city) -> None:
    engine, _ = city
    catalogue = load_catalogue(engine)
    district = org_frames(engine)["units"].filter(pl.col("level") == "district")["id"][0]
    start = TODAY - dt.timedelta(days=540)
    for scope in (CITY_SCOPE, Scope(district_ids=frozenset({district}))):
        for kpi in catalogue:
            stored = rollup_store.trend(engine, scope, kpi, end=TODAY, start=start)
            daily = kpi_trend(engine, scope, kpi, end=TODAY, start=start)
            assert stored is not None
            if daily.is_empty():
                assert stored.is_empty() or (stored["denominator"] == 0).all()
                continue
            assert stored["day"][-1] == TODAY
            joined = stored.join(daily, on="day", how="left", suffix="_daily")
            assert (joined["numerator"] == joined["numerator_daily"]).all(), kpi.id
            assert (joined["denominator"] == joined["denominator_daily"]).all(), kpi.id


@pytest.mark.parametrize("back", [40, 200])
def test_a_past_days_trend_is_the_stored_points_up_to_it_and_its_own_figures(city, back) -> None:
    """Phase pages for a past day chart the roll-up's stored points (no pass over the facts) and end on
    that day's exact figures; every point equals the daily trend from the facts."""
    from services.kpis import phase_view

    engine, ids = city
    as_of = TODAY - dt.timedelta(days=back)
    for scope in (CITY_SCOPE, Scope(district_ids=frozenset({ids["districts"][0]}))):
        for phase in (1, 2, 3):
            for item in phase_view(engine, scope, phase, as_of)["items"]:
                trend = item["trend"]
                daily = kpi_trend(engine, scope, item["kpi"], end=as_of, start=as_of - dt.timedelta(days=540))
                if daily.is_empty():
                    continue
                assert trend["day"][-1] == as_of and trend.height < daily.height  # weekly points
                joined = trend.join(daily, on="day", how="inner", suffix="_daily")
                assert joined.height == trend.filter(pl.col("day") >= daily["day"][0]).height
                assert (joined["numerator"] == joined["numerator_daily"]).all(), item["kpi"].id
                assert (joined["denominator"] == joined["denominator_daily"]).all(), item["kpi"].id


def test_stored_points_that_do_not_reach_back_far_enough_are_not_used(city, monkeypatch) -> None:
    """A roll-up written with a shorter trend history (an older version) must not cut a chart short."""
    engine, _ = city
    kpi = load_catalogue(engine)[0]
    start = TODAY - dt.timedelta(days=540)
    assert rollup_store.trend(engine, CITY_SCOPE, kpi, end=TODAY, start=start) is not None
    monkeypatch.setattr(rollup_store, "TREND_DAYS", 300)
    rollup_store.materialise(engine, TODAY)
    monkeypatch.undo()
    assert rollup_store.trend(engine, CITY_SCOPE, kpi, end=TODAY, start=start) is None


def test_one_fact_window_serves_every_level_of_an_as_of_day_like_separate_reads(city) -> None:
    """An "as of" day without a roll-up: the tables built from one shared read equal separate ones,
    and a narrower request is answered from the wider read."""
    engine, ids = city
    as_of = TODAY - dt.timedelta(days=40)
    catalogue = load_catalogue(engine)
    org = org_frames(engine)
    for scope in (CITY_SCOPE, Scope(district_ids=frozenset({ids["districts"][0]}))):
        shared = FactWindow(engine, scope, as_of)
        for level in ("city", "district", "ward", "facility"):
            alone = kpi_table(engine, scope, as_of, level, catalogue=catalogue, org=org)
            together = kpi_table(engine, scope, as_of, level, catalogue=catalogue, org=org, facts=shared)
            assert alone.equals(together), (scope, level)
        assert len(shared._read) == 2  # once per grain: districts (city, district), finest (ward, facility)
        fine_first = FactWindow(engine, scope, as_of)
        for level in ("ward", "city", "district"):  # the finest facts, once read, serve the levels above
            alone = kpi_table(engine, scope, as_of, level, catalogue=catalogue, org=org)
            assert alone.equals(
                kpi_table(engine, scope, as_of, level, catalogue=catalogue, org=org, facts=fine_first)
            )
        assert [grain for grain, _ in fine_first._read] == ["finest"]
        measures = sorted({m for k in catalogue for m in (k.numerator, k.denominator)})
        fine, coarse = shared.frames(measures, "ward"), shared.frames(measures, "district")
        for level in ("city", "district"):
            from_fine = window_grid(*fine, shared.start, as_of, level, catalogue, org)
            from_coarse = window_grid(*coarse, shared.start, as_of, level, catalogue, org)
            keys = ["kpi_id", "unit_id", "day"]
            assert from_fine.height > 0
            assert from_fine.sort(keys).equals(from_coarse.sort(keys)), (scope, level)
        narrow = sorted({catalogue[0].numerator, catalogue[0].denominator})
        fresh_frames = FactWindow(engine, scope, as_of).frames(narrow)
        for from_wide, fresh in zip(shared.frames(narrow), fresh_frames, strict=True):
            assert from_wide.sort(from_wide.columns).equals(fresh.sort(fresh.columns))


def test_trend_series_from_district_facts_equal_the_ward_level_facts(city) -> None:
    """Whole-district scopes read trends from ``kpi_district_fact``; a scope that also names a ward
    (here one that does not exist) takes the ward-level path: the series must be the same."""
    engine, ids = city
    measures = ["records", "records_verified", "residents", "submissions_received"]
    district = ids["districts"][0]
    for scope in (CITY_SCOPE, Scope(district_ids=frozenset({district}))):
        via_ward_facts = Scope(city=scope.city, district_ids=scope.district_ids, ward_ids=frozenset({-1}))
        for facility_types in (None, ["TYT"]):
            fast = measure_series(engine, scope, measures, facility_types=facility_types)
            slow = measure_series(engine, via_ward_facts, measures, facility_types=facility_types)
            assert fast.height > 0

            def changes(frame: pl.DataFrame) -> pl.DataFrame:  # a day netting to zero is no change
                return frame.filter(pl.col("delta") != 0).sort("measure", "day")

            assert changes(fast).equals(changes(slow)), (scope, facility_types)


def test_facility_type_breakdown_from_district_totals_equals_the_finest(city) -> None:
    from services.kpis import by_facility_type

    engine, ids = city
    catalogue = load_catalogue(engine)
    for as_of in (TODAY, TODAY - dt.timedelta(days=40)):
        for scope in (CITY_SCOPE, Scope(district_ids=frozenset({ids["districts"][0]}))):
            finest_path = Scope(city=scope.city, district_ids=scope.district_ids, ward_ids=frozenset({-1}))
            fast = by_facility_type(engine, scope, as_of, catalogue)
            slow = by_facility_type(engine, finest_path, as_of, catalogue)
            assert fast.height > 0
            assert fast.equals(slow), (scope, as_of)
            window = FactWindow(engine, scope, as_of)
            assert window.totals_read(["facility_registered"]) is None  # nothing read yet
            kpi_table(engine, scope, as_of, "ward", catalogue=catalogue, facts=window)
            # a past day's ward table reads the finest facts (the refresh day's comes from the roll-up)
            assert (window.totals_read(["facility_registered"]) is None) == (as_of == TODAY)
            assert by_facility_type(engine, scope, as_of, catalogue, window).equals(fast), (scope, as_of)
