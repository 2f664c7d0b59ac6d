"""How a past day's totals are summed from month sums and daily facts (``month_plan``)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from data_access.kpi_facts import MonthPlan, month_plan

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
