"""How a past day's totals are summed from stored totals, month sums and daily facts."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from data_access.kpi_facts import (
    MonthPlan,
    MonthTotals,
    StoredTotals,
    month_plan,
    month_totals,
    nearest_stored_totals,
    stored_totals_days,
)

D = dt.date
DAYS = st.dates(min_value=D(2023, 1, 1), max_value=D(2027, 12, 31))


def test_whole_months_come_from_the_month_sums_and_the_ends_from_the_cheaper_side() -> None:
    assert month_plan(D(2024, 8, 31), D(2024, 9, 30)) == MonthPlan((D(2024, 9, 1), D(2024, 10, 1)))
    # Feb. 16–29 (14 of 29 days) and June 1–10 are read day by day, March–May as month sums
    assert month_plan(D(2024, 2, 15), D(2024, 6, 10)) == MonthPlan(
        (D(2024, 3, 1), D(2024, 6, 1)),
        add=((D(2024, 2, 15), D(2024, 2, 29)), (D(2024, 5, 31), D(2024, 6, 10))),
    )
    # Sept. 3–30 is most of September: its month sum less Sept. 1–2; Nov. 1–26 likewise, less Nov. 27–30
    assert month_plan(D(2024, 9, 2), D(2024, 11, 26)) == MonthPlan(
        (D(2024, 9, 1), D(2024, 12, 1)),
        subtract=((D(2024, 8, 31), D(2024, 9, 2)), (D(2024, 11, 26), D(2024, 11, 30))),
    )
    assert month_plan(D(2024, 5, 2), D(2024, 5, 9)) == MonthPlan(None, add=((D(2024, 5, 2), D(2024, 5, 9)),))
    assert month_plan(D(2024, 5, 9), D(2024, 5, 9)) == MonthPlan(None)  # nothing in between
    assert month_plan(None, D(2024, 5, 31)) == MonthPlan((D(1900, 1, 1), D(2024, 6, 1)))  # from the start


@given(lo=st.one_of(st.none(), DAYS), hi=DAYS)
def test_a_plan_counts_each_day_between_once_and_reads_at_most_half_a_month_per_end(lo, hi) -> None:
    plan = month_plan(lo, hi)
    window = [D(2022, 12, 1) + dt.timedelta(days=i) for i in range(365 * 5 + 62)]
    for day in window:
        count = 0
        if plan.months is not None:
            first, end = plan.months
            count += first <= day < end
        count += sum(a < day <= b for a, b in plan.add) - sum(a < day <= b for a, b in plan.subtract)
        assert count == int((lo is None or lo < day) and day <= hi), day
    daily_days = sum((b - a).days for a, b in plan.add + plan.subtract)
    assert daily_days <= 2 * 16


def test_a_past_day_starts_from_the_nearest_stored_totals() -> None:
    current, through = D(2024, 9, 30), D(2024, 8, 1)  # month ends stored through August
    assert nearest_stored_totals(D(2024, 9, 3), current, through) == StoredTotals(
        D(2024, 8, 31), D(2024, 8, 1)
    )
    assert nearest_stored_totals(D(2024, 5, 17), current, through) == StoredTotals(
        D(2024, 5, 31), D(2024, 5, 1)
    )
    assert nearest_stored_totals(D(2024, 5, 14), current, through) == StoredTotals(
        D(2024, 4, 30), D(2024, 4, 1)
    )
    assert nearest_stored_totals(D(2024, 8, 31), current, through) == StoredTotals(
        D(2024, 8, 31), D(2024, 8, 1)
    )
    # September's end is not stored yet: the current totals are nearer than August's end
    assert nearest_stored_totals(D(2024, 9, 20), current, through) == StoredTotals(current)
    # a tie goes to the current totals
    assert nearest_stored_totals(D(2024, 9, 15), current, through) == StoredTotals(current)
    # no month ends stored: the current totals within a year, else none (sum from the start)
    assert nearest_stored_totals(D(2024, 1, 10), current, None) == StoredTotals(current)
    assert nearest_stored_totals(D(2023, 9, 1), current, None) is None
    assert nearest_stored_totals(D(2023, 9, 1), None, None) is None


def test_the_stored_days_inside_a_window_are_listed_latest_first() -> None:
    current, through = D(2024, 9, 30), D(2024, 8, 1)
    window = stored_totals_days(D(2024, 7, 20), D(2024, 8, 17), current, through)
    assert window == [StoredTotals(D(2024, 7, 31), D(2024, 7, 1))]
    assert stored_totals_days(D(2024, 9, 2), D(2024, 9, 30), current, through) == [StoredTotals(current)]
    assert stored_totals_days(D(2024, 9, 2), D(2024, 9, 29), current, through) == []
    assert stored_totals_days(D(2024, 8, 20), D(2024, 10, 2), current, through) == [
        StoredTotals(current),
        StoredTotals(D(2024, 8, 31), D(2024, 8, 1)),
    ]
    assert stored_totals_days(D(2024, 7, 2), D(2024, 7, 30), None, through) == []


def _month_sums(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        [(m, month, w, f, w // 10, "", v) for m, month, w, f, v in rows],
        schema=["measure", "month", "ward_id", "facility_id", "district_id", "facility_type", "delta"],
        orient="row",
    )


def test_month_end_totals_are_running_sums_with_every_month_filled_and_zeros_left_out() -> None:
    sums = _month_sums(
        [
            ("records", D(2024, 1, 1), 11, 0, 5),
            ("records", D(2024, 3, 1), 11, 0, -5),  # back to zero in March
            ("records", D(2024, 2, 1), 12, 0, 2),
            ("residents", D(2024, 2, 1), 11, 0, 7),
            ("residents", D(2024, 6, 1), 11, 0, 1),  # after the last month stored
        ]
    )
    totals = month_totals(sums, D(2024, 4, 1))
    assert sorted(totals.select("measure", "month", "ward_id", "district_id", "value").iter_rows()) == [
        ("records", D(2024, 1, 1), 11, 1, 5),
        ("records", D(2024, 2, 1), 11, 1, 5),
        ("records", D(2024, 2, 1), 12, 1, 2),
        ("records", D(2024, 3, 1), 12, 1, 2),
        ("records", D(2024, 4, 1), 12, 1, 2),
        ("residents", D(2024, 2, 1), 11, 1, 7),
        ("residents", D(2024, 3, 1), 11, 1, 7),
        ("residents", D(2024, 4, 1), 11, 1, 7),
    ]


def test_a_changed_month_sum_moves_its_month_end_and_every_later_one_stored() -> None:
    changes = _month_sums(
        [
            ("records", D(2024, 2, 1), 11, 0, 3),
            ("records", D(2024, 3, 1), 11, 0, -3),  # the same record moved a month on: no change after
            ("records", D(2024, 3, 1), 12, 0, 1),
            ("records", D(2024, 9, 1), 12, 0, 4),  # after the last month stored: nothing to move
        ]
    )
    moved = month_totals(changes, D(2024, 4, 1))  # month ends stored through April
    assert sorted(moved.select("month", "ward_id", "value").iter_rows()) == [
        (D(2024, 2, 1), 11, 3),
        (D(2024, 3, 1), 12, 1),
        (D(2024, 4, 1), 12, 1),
    ]


def test_a_refresh_rebuilds_the_changed_months_and_those_never_stored() -> None:
    stored = MonthTotals(D(2024, 6, 1), D(2024, 8, 1))  # July and August closed since the last refresh
    assert stored.first_unstored == D(2024, 7, 1)
    assert stored.first_to_rebuild(D(2024, 3, 17)) == D(2024, 3, 1)
    assert stored.first_to_rebuild(D(2024, 8, 20)) == D(2024, 7, 1)
    assert stored.first_to_rebuild(None) is None  # every month
    never = MonthTotals(None, D(2024, 8, 1))
    assert never.first_unstored is None and never.first_to_rebuild(D(2024, 8, 20)) is None
