"""Refresh the daily KPI facts: full, or incremental.

Incremental design, per source:

* ``population`` (resident ⟕ health_record, 8.7 M rows at city scale): database triggers log the old
  and new image of every changed row (``kpi_population_change``); the refresh turns the images into
  increments with the same code as the full refresh and adds them to the facts. Exact for any edit,
  back-dated ones included, and its cost follows the day's changes.
* ``submission`` and ``admin_event`` (append-mostly, dated by the rollout): each has a watermark
  (``kpi_refresh_state.data_through``, the "today" of its last refresh); the refresh recomputes only
  the increments dated on or after ``watermark - lookback``, reading only the rows that can produce
  them. An edit dated further back than the look-back needs ``--since DATE`` or ``--full``.
* the small sources (facility register, accounts, cleaning queue, supervision) are recomputed whole.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select

from data_access.engine import transaction
from data_access.kpi_facts import (
    CURRENT_STATE,
    MONTH_TOTALS_STATE,
    MonthTotals,
    current_totals_day,
    rebuild_current_totals,
    rebuild_district_facts,
    rebuild_month_facts,
    rebuild_month_totals,
    refresh_source,
    refresh_states,
    save_refresh_state,
)
from data_access.kpi_frames import FRAME_SOURCES, RefreshDays, apply_population_changes, refresh_frame_sources
from data_access.models import KpiCurrentTotal, KpiMonthTotal
from kpis import rollup_store
from kpis.catalogue import sync_definitions
from kpis.measures import EPOCH, INCREMENTAL_SOURCES, SOURCES

DEFAULT_LOOKBACK_DAYS = 7


@dataclass
class RefreshReport:
    today: dt.date
    full: bool
    sources: dict[str, dict] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [f"KPI refresh ({'full' if self.full else 'incremental'}) as of {self.today:%d/%m/%Y}:"]
        for name, info in self.sources.items():
            if info.get("mode") == "changes":
                scope = "logged changes"
            else:
                scope = "from " + (info["since"].strftime("%d/%m/%Y") if info["since"] else "all days")
            lines.append(f"  {name:14s} {info['rows']:>10,d} rows  {scope:15s}  {info['seconds']:.2f} s")
        lines.append(f"  total {self.seconds:.2f} s")
        return "\n".join(lines)


LOG = "changes"  # plan of the population when the trigger log can be applied


def _plan(
    source: str,
    state: dict | None,
    full: bool,
    since: dt.date | None,
    lookback_days: int,
    today: dt.date,
    totals_day: dt.date | None,
) -> dt.date | str | None:
    """How ``source`` is refreshed: ``LOG`` (apply the trigger log), from a day on, or None (all days)."""
    if full:
        return None
    if source == "population":
        return LOG if state is not None and totals_day is not None else None
    if source in INCREMENTAL_SOURCES and state is not None:
        watermark = state["data_through"]
        if isinstance(watermark, str):
            watermark = dt.date.fromisoformat(watermark)
        source_since = min(watermark, today) - dt.timedelta(days=lookback_days)
        return min(source_since, since) if since is not None else source_since
    return since if since is not None and source in INCREMENTAL_SOURCES else None


def refresh(
    engine: Engine,
    *,
    full: bool = False,
    today: dt.date | None = None,
    since: dt.date | None = None,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    sources: tuple[str, ...] | None = None,
) -> RefreshReport:
    """Bring ``kpi_daily_fact`` up to date. Each source is replaced in its own transaction."""
    today = today or dt.date.today()
    started = time.perf_counter()
    with transaction(engine) as session:
        sync_definitions(session)
    rollup_store.invalidate(engine)  # pages read the facts until the roll-up is rebuilt below
    with engine.connect() as connection:
        states = refresh_states(connection)
        totals_day = None if full else current_totals_day(connection)
        months = MonthTotals.for_refresh(connection, today)
    report = RefreshReport(today=today, full=full)
    chosen = sources or tuple(SOURCES)
    plans = {
        source: _plan(source, states.get(source), full, since, lookback_days, today, totals_day)
        for source in chosen
    }
    # The big tables, all at once (on SQLite in ONE child process: its start-up is paid once).
    frame_jobs = [
        (source, SOURCES[source], plan)
        for source, plan in plans.items()
        if source in FRAME_SOURCES and plan != LOG
    ]
    days = RefreshDays(EPOCH, today, totals_day, months)
    frame_results = refresh_frame_sources(engine, frame_jobs, days)
    for source, source_since in plans.items():
        measures = SOURCES[source]
        t0 = time.perf_counter()
        if source_since == LOG:
            # The triggers logged every change of resident/health_record rows: apply just those.
            rows = apply_population_changes(engine, measures, days)
            seconds = time.perf_counter() - t0
            with engine.begin() as connection:
                save_refresh_state(connection, source, today, rows, seconds, full=False)
            report.sources[source] = {"rows": rows, "since": None, "seconds": seconds, "mode": "changes"}
            continue
        if source in FRAME_SOURCES:
            # Big tables: one narrow read each, aggregated in polars; also moves their current totals.
            rows, seconds = frame_results[source]
            needs_totals = source_since is not None and totals_day is None
        else:
            with engine.begin() as connection:
                rows = refresh_source(connection, source, measures, source_since, EPOCH)
                rebuild_district_facts(connection, measures, source_since)
                rebuild_month_facts(connection, measures, source_since)
            needs_totals = True
            seconds = 0.0
        if needs_totals:  # small sources: their totals are a group-by over a few thousand facts
            with engine.begin() as connection:
                rebuild_current_totals(connection, today, measures)
        seconds += time.perf_counter() - t0
        with engine.begin() as connection:
            save_refresh_state(connection, source, today, rows, seconds, full=source_since is None)
        mode = "full" if source_since is None else "since"
        report.sources[source] = {"rows": rows, "since": source_since, "seconds": seconds, "mode": mode}
    t0 = time.perf_counter()
    with engine.begin() as connection:
        # big sources left out of this refresh: their month-end totals of the months closed since the last
        for source in set(FRAME_SOURCES) - set(chosen):
            rebuild_month_totals(connection, SOURCES[source], months.first_unstored, months.through)
        rows = connection.execute(select(func.count()).select_from(KpiMonthTotal)).scalar() or 0
        save_refresh_state(
            connection, MONTH_TOTALS_STATE, months.through, rows, time.perf_counter() - t0, full
        )
    report.sources[MONTH_TOTALS_STATE] = {"rows": rows, "since": None, "seconds": time.perf_counter() - t0}
    t0 = time.perf_counter()
    with engine.begin() as connection:
        rows = connection.execute(select(func.count()).select_from(KpiCurrentTotal)).scalar() or 0
        seconds = time.perf_counter() - t0
        save_refresh_state(connection, CURRENT_STATE, today, rows, seconds, full=True)
    report.sources[CURRENT_STATE] = {"rows": rows, "since": None, "seconds": seconds}
    t0 = time.perf_counter()
    rows = rollup_store.materialise(engine, today)
    report.sources[rollup_store.STATE] = {"rows": rows, "since": None, "seconds": time.perf_counter() - t0}
    report.seconds = time.perf_counter() - started
    return report
