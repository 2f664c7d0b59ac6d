"""Status and forecast edge cases (pure functions)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from kpis import forecast
from kpis.forecast import AT_RISK, MET, ON_TRACK, OVERDUE, assess, assess_many, run_rate, theil_sen_slopes

AS_OF = dt.date(2024, 1, 10)
DEADLINE = dt.date(2024, 3, 31)


def test_already_met_whatever_the_date() -> None:
    for as_of in (AS_OF, DEADLINE + dt.timedelta(days=300)):
        verdict = assess(1.0, 1.0, DEADLINE, as_of, rate=0.0)
        assert verdict.status == MET and verdict.days_late == 0 and verdict.rate_needed == 0.0
        assert verdict.days_overdue == 0
    assert assess(0.96, 0.95, DEADLINE, AS_OF, None).status == MET  # lowered target


def test_on_track_and_projected_date() -> None:
    verdict = assess(0.5, 1.0, DEADLINE, AS_OF, rate=0.01)  # 50 days to go, 81 days left
    assert verdict.status == ON_TRACK
    assert verdict.projected_date == AS_OF + dt.timedelta(days=50)
    assert verdict.days_late == 0
    assert verdict.rate_needed == pytest.approx(0.5 / (DEADLINE - AS_OF).days)


def test_at_risk_when_the_pace_is_too_slow() -> None:
    verdict = assess(0.5, 1.0, DEADLINE, AS_OF, rate=0.001)  # 500 days to go
    assert verdict.status == AT_RISK
    assert verdict.projected_date == AS_OF + dt.timedelta(days=500)
    assert verdict.days_late == (verdict.projected_date - DEADLINE).days > 0


def test_no_progress_is_at_risk_with_no_projection() -> None:
    for rate in (0.0, None, -0.01):
        verdict = assess(0.2, 1.0, DEADLINE, AS_OF, rate=rate)
        assert verdict.status == AT_RISK
        assert verdict.projected_date is None and verdict.days_late is None
        assert verdict.rate_needed > 0


def test_deadline_passed_is_overdue() -> None:
    as_of = DEADLINE + dt.timedelta(days=20)
    verdict = assess(0.9, 1.0, DEADLINE, as_of, rate=0.01)
    assert verdict.status == OVERDUE and verdict.days_overdue == 20
    assert verdict.projected_date == as_of + dt.timedelta(days=10)
    assert verdict.days_late == 30
    assert verdict.rate_needed is None
    stalled = assess(0.9, 1.0, DEADLINE, as_of, rate=0.0)
    assert stalled.status == OVERDUE and stalled.projected_date is None and stalled.days_late is None


def test_on_the_deadline_day_it_is_not_yet_overdue() -> None:
    assert assess(0.99, 1.0, DEADLINE, DEADLINE, rate=0.02).status == AT_RISK  # needs one more day
    assert assess(0.99, 1.0, DEADLINE, DEADLINE - dt.timedelta(days=1), rate=0.02).status == ON_TRACK


def test_no_denominator_has_no_status() -> None:
    verdict = assess(None, 1.0, DEADLINE, AS_OF, rate=None)
    assert verdict.status is None and verdict.projected_date is None


def test_far_projection_is_not_in_sight() -> None:
    assert assess(0.1, 1.0, DEADLINE, AS_OF, rate=1e-7).projected_date is None


def test_theil_sen_ignores_outliers_and_weekends() -> None:
    values = [0.01 * i for i in range(29)]
    values[10] += 0.5  # a bulk back-load spike
    assert run_rate(values) == pytest.approx(0.01, rel=0.05)
    weekly = []
    level = 0.0
    for day in range(29):  # no work at weekends
        if day % 7 not in (5, 6):
            level += 0.007
        weekly.append(level)
    assert run_rate(weekly) == pytest.approx(0.005, rel=0.15)
    assert run_rate([None, None, 0.3]) is None
    matrix = np.array(
        [[0, 1, 2, 3], [np.nan, np.nan, np.nan, np.nan], [5, 5, 5, 5], [np.nan, 0, 2, 4], [0, 9, 2, 3]],
        dtype=float,
    )
    slopes = theil_sen_slopes(matrix)
    assert slopes[0] == pytest.approx(1.0) and np.isnan(slopes[1]) and slopes[2] == 0.0
    assert slopes[3] == pytest.approx(2.0)  # a gap: the median of the pairs that exist
    assert slopes[4] == pytest.approx(1.0)  # pair slopes 9, 1, 1, -7, -3, 1: the median ignores the spike


def test_theil_sen_in_chunks_equals_all_rows_at_once(monkeypatch) -> None:
    rng = np.random.default_rng(7)
    matrix = rng.random((2_500, 29)).cumsum(axis=1)
    matrix[::97, :4] = np.nan  # some units without data on the first days
    chunked = theil_sen_slopes(matrix)
    monkeypatch.setattr(forecast, "SLOPE_CHUNK_ROWS", 10**6)
    assert np.array_equal(chunked, theil_sen_slopes(matrix), equal_nan=True)
    assert not np.isnan(chunked).any()


@pytest.mark.parametrize("days", [2, 3, 28, 29, 30])
def test_theil_sen_equals_the_median_of_every_pairwise_slope(days) -> None:
    """Units that did not move, units with gaps or without data, and even and odd numbers of pairs:
    the fast paths give exactly the textbook median of all pairwise slopes."""
    rng = np.random.default_rng(days)
    matrix = rng.integers(0, 3, (600, days)).cumsum(axis=1) / 7
    matrix[::5] = matrix[::5, :1]  # no change in the window
    matrix[1::7, days // 2] = np.nan  # a gap
    matrix[2::11] = np.nan  # no data at all
    i, j = np.triu_indices(days, k=1)
    expected = [
        np.nan if np.isnan(row).all() else np.nanmedian(row)
        for row in (matrix[:, j] - matrix[:, i]) / (j - i)
    ]
    assert np.array_equal(theil_sen_slopes(matrix), np.array(expected), equal_nan=True)


def test_assess_many_gives_every_row_the_verdict_of_assess() -> None:
    """The vectorised status used by the KPI tables, against the scalar rules above, on rows that hit
    every branch: no data, met (and met within the tolerance), no progress, a rate too small to
    project within the horizon, deadlines passed, today and ahead."""
    rng = np.random.default_rng(11)
    n = 5_000
    value = rng.random(n)
    value[rng.random(n) < 0.1] = np.nan
    value[rng.random(n) < 0.1] = 1.0
    value[rng.random(n) < 0.05] = 1.0 - 1e-12
    target = rng.choice([0.8, 0.95, 1.0], n)
    rate = rng.normal(0, 0.01, n)
    rate[rng.random(n) < 0.1] = np.nan
    rate[rng.random(n) < 0.05] = 1e-7
    rate[rng.random(n) < 0.05] = 0.0
    as_of = dt.date(2025, 12, 31)
    deadline = [as_of + dt.timedelta(days=int(d)) for d in rng.integers(-400, 400, n)]
    # the target reached exactly on the deadline (on track), and one day after it (at risk)
    value[:2], target[:2], rate[:2] = 0.5, 1.0, 0.01
    deadline[:2] = [as_of + dt.timedelta(days=50), as_of + dt.timedelta(days=49)]
    many = assess_many(value, target, np.array(deadline, dtype="datetime64[D]"), as_of, rate)

    def none_if_nan(x):
        return None if np.isnan(x) else x

    for k in range(n):
        one = assess(none_if_nan(value[k]), target[k], deadline[k], as_of, none_if_nan(rate[k]))
        projected = None if np.isnat(many["projected_date"][k]) else many["projected_date"][k].astype(dt.date)
        late = none_if_nan(many["days_late"][k])
        assert (
            many["status"][k],
            projected,
            None if late is None else int(late),
            int(many["days_overdue"][k]),
            none_if_nan(many["rate_needed"][k]),
        ) == (one.status, one.projected_date, one.days_late, one.days_overdue, one.rate_needed), k
