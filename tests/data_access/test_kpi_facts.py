"""Pure helpers of the KPI fact reads."""

from __future__ import annotations

import datetime as dt

import pytest

from data_access.kpi_facts import whole_months

D = dt.date


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (D(2024, 8, 31), D(2024, 9, 30), (D(2024, 9, 1), D(2024, 10, 1))),  # exactly one month
        (D(2024, 8, 31), D(2024, 9, 29), None),  # one day short of it
        (D(2024, 9, 1), D(2024, 10, 31), (D(2024, 10, 1), D(2024, 11, 1))),  # Sept. 1 itself excluded
        (D(2024, 2, 14), D(2024, 6, 10), (D(2024, 3, 1), D(2024, 6, 1))),  # March, April, May
        (D(2023, 12, 31), D(2024, 2, 29), (D(2024, 1, 1), D(2024, 3, 1))),  # across a year, leap day
        (D(2024, 5, 2), D(2024, 5, 30), None),  # inside one month
        (None, D(2024, 5, 30), (D(1900, 1, 1), D(2024, 5, 1))),  # from the start: every earlier month
        (None, D(2024, 5, 31), (D(1900, 1, 1), D(2024, 6, 1))),
    ],
)
def test_whole_months_are_the_calendar_months_inside_the_days(lo, hi, expected) -> None:
    assert whole_months(lo, hi) == expected
    if expected is not None:  # the span never reaches outside (lo, hi]
        first, end = expected
        assert lo is None or first > lo
        assert end - dt.timedelta(days=1) <= hi
