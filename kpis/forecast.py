"""Status and forecast of one KPI at one org unit: pure functions, no I/O.

The run-rate is the Theil–Sen slope of the daily values over a recent window (the median of all
pairwise slopes): a spike, a bulk back-load or a weekend of zeros moves it far less than a mean of
daily increments would.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MET, ON_TRACK, AT_RISK, OVERDUE = "met", "on_track", "at_risk", "overdue"
STATUSES = (MET, ON_TRACK, AT_RISK, OVERDUE)
TOLERANCE = 1e-9
MAX_HORIZON_DAYS = 3650  # a projection further than ten years out is reported as "not in sight"


@dataclass(frozen=True)
class Assessment:
    status: str | None  # None: no denominator (nothing to measure in this unit)
    projected_date: dt.date | None  # when the target is reached at the current rate; None if never
    days_late: int | None  # projected_date - deadline, >= 0; None when never reached at this pace
    days_overdue: int  # days past the deadline without the target met (0 otherwise)
    rate: float | None  # current run-rate, ratio points per day
    rate_needed: float | None  # ratio points per day still needed to meet the deadline; None if passed


SLOPE_CHUNK_ROWS = 1024  # the pairwise slopes of a 29-day window are 406 per unit: 3 MB per chunk


def theil_sen_slopes(values: np.ndarray) -> np.ndarray:
    """Row-wise Theil–Sen slope of ``values`` (units × days, one column per day; NaN = no data).

    Computed in chunks of rows: all 7,448 ward × KPI rows at once held ~100 MB of pairwise slopes.
    """
    values = np.atleast_2d(np.asarray(values, dtype=float))
    out = np.full(values.shape[0], np.nan)
    if values.shape[1] < 2:
        return out
    for first in range(0, values.shape[0], SLOPE_CHUNK_ROWS):
        rows = slice(first, first + SLOPE_CHUNK_ROWS)
        out[rows] = _slopes(values[rows])
    return out


def _slopes(values: np.ndarray) -> np.ndarray:
    out = np.full(values.shape[0], np.nan)
    # A unit whose value did not move (half the ward and facility rows of a day) has every slope 0.
    constant = (values == values[:, :1]).all(axis=1)  # a NaN is never equal: such rows are computed
    out[constant] = 0.0
    moving = np.flatnonzero(~constant)
    if moving.size == 0:
        return out
    i, j = np.triu_indices(values.shape[1], k=1)
    with np.errstate(invalid="ignore"):
        slopes = (values[moving][:, j] - values[moving][:, i]) / (j - i)
    missing = np.isnan(slopes)
    complete = ~missing.any(axis=1)
    if complete.any():  # rows without gaps: the two middle slopes by partition (np.median would also
        # look for NaNs; np.nanmedian is ~5x slower), so only the others take the NaN-aware path
        out[moving[complete]] = _middle(slopes[complete])
    partial = ~complete & ~missing.all(axis=1)
    if partial.any():
        out[moving[partial]] = np.nanmedian(slopes[partial], axis=1)
    return out


def _middle(slopes: np.ndarray) -> np.ndarray:
    """Row-wise median of an array without NaNs: the mean of its two middle values (the one middle
    value when the count is odd), as ``np.median`` computes it."""
    count = slopes.shape[1]
    low, high = (count - 1) // 2, count // 2
    ordered = np.partition(slopes, [low, high], axis=1)
    return (ordered[:, low] + ordered[:, high]) / 2


def run_rate(values: Sequence[float | None]) -> float | None:
    """Robust daily rate of change of a series of daily values (None when there is no data)."""
    array = np.array([np.nan if v is None else v for v in values], dtype=float)
    slope = theil_sen_slopes(array[None, :])[0]
    return None if np.isnan(slope) else float(slope)


def assess(
    value: float | None, target: float, deadline: dt.date, as_of: dt.date, rate: float | None
) -> Assessment:
    """Deadline-aware status of one KPI value.

    met       value >= target (whatever the date)
    overdue   deadline passed, target not met
    on_track  before the deadline and the run-rate reaches the target by the deadline
    at_risk   before the deadline and it does not (including no progress at all)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Assessment(None, None, None, 0, rate, None)
    if value >= target - TOLERANCE:
        return Assessment(MET, None, 0, 0, rate, 0.0)
    gap = target - value
    projected = None
    if rate is not None and rate > TOLERANCE:
        days_needed = math.ceil(gap / rate - TOLERANCE)
        if days_needed <= MAX_HORIZON_DAYS:
            projected = as_of + dt.timedelta(days=max(days_needed, 1))
    days_late = None if projected is None else max(0, (projected - deadline).days)
    if as_of > deadline:
        return Assessment(OVERDUE, projected, days_late, (as_of - deadline).days, rate, None)
    days_left = max(1, (deadline - as_of).days)
    status = ON_TRACK if projected is not None and projected <= deadline else AT_RISK
    return Assessment(status, projected, days_late, 0, rate, gap / days_left)


def assess_many(
    value: np.ndarray,
    target: np.ndarray,
    deadline: np.ndarray,
    as_of: dt.date,
    rate: np.ndarray,
) -> dict[str, np.ndarray]:
    """``assess`` for many rows at once (a ward table has ~7,500): float arrays with NaN for "none",
    deadlines as ``datetime64[D]``. Returns status (object, None = no status), projected_date
    (``datetime64[D]``, NaT = none), days_late (float, NaN = none), days_overdue (int) and
    rate_needed (float, NaN = none) — the same verdicts, row by row."""
    value, target, rate = (np.asarray(a, dtype=float) for a in (value, target, rate))
    deadline = np.asarray(deadline, dtype="datetime64[D]")
    today = np.datetime64(as_of, "D")
    known = ~np.isnan(value)
    met = known & (value >= target - TOLERANCE)
    open_ = known & ~met
    gap = target - value
    moving = open_ & ~np.isnan(rate) & (rate > TOLERANCE)
    with np.errstate(divide="ignore", invalid="ignore"):
        needed = np.ceil(np.where(moving, gap / np.where(moving, rate, 1.0), 0.0) - TOLERANCE)
    projects = moving & (needed <= MAX_HORIZON_DAYS)
    ahead = np.maximum(np.where(projects, needed, 1.0), 1.0).astype("timedelta64[D]")
    projected = np.where(projects, today + ahead, np.datetime64("NaT"))
    late = np.maximum(0, (projected - deadline).astype(float))  # NaT -> NaN
    passed = today > deadline
    days_left = np.maximum(1, (deadline - today).astype(int))
    status = np.full(value.shape, None, dtype=object)
    status[met] = MET
    status[open_ & passed] = OVERDUE
    before = open_ & ~passed
    status[before & projects & (projected <= deadline)] = ON_TRACK
    status[before & ~(projects & (projected <= deadline))] = AT_RISK
    return {
        "status": status,
        "projected_date": projected,
        "days_late": np.where(met, 0.0, np.where(projects, late, np.nan)),
        "days_overdue": np.where(open_ & passed, (today - deadline).astype(int), 0),
        "rate_needed": np.where(met, 0.0, np.where(before, gap / days_left, np.nan)),
    }
