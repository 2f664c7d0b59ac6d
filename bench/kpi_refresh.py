"""Benchmark of the KPI engine on a seeded database (``python -m dashboard --db URL seed --scale S``).

    python bench/kpi_refresh.py --scale 1.0 --db sqlite:///var/bench.db

Measures, each phase in its own process so peak memory is per phase:
  full refresh; incremental refresh after one simulated day of changes; the floor (the database's own
  single aggregate pass over the resident/record columns the KPIs read); the usual Streamlit way
  (pandas read_sql of those columns + groupby); every KPI page rendered with AppTest (cold = first
  render, warm = cached rerun) on the refresh day and on past "as of" days; the app process's RSS.
  NOTE: it WRITES to the database (one simulated day of rollout work, KPI facts). The last line is
  one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

AS_OF_DAYS_BACK = (30, 200)  # past "as of" days the pages are also timed on
RECORD_COLUMNS = (
    "created_on",
    "standardised_on",
    "verified_on",
    "vneid_shared_on",
    "bhyt_linked_on",
    "vaccination_loaded_on",
    "last_health_check_on",
    "closed_on",
)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_with_children_mb() -> float:
    """This process or the largest child it waited for (on SQLite a full refresh reads in a child)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return max(_peak_mb(), children)


class TreeRssSampler:
    """Peak of the summed RSS of this process and all its descendants, sampled every 0.1 s: the full
    refresh on SQLite runs two child processes at once, and ``RUSAGE_CHILDREN`` only reports the
    largest of them."""

    def __init__(self) -> None:
        import threading

        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeRssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024

    def _run(self) -> None:
        import os

        me, page_kb = os.getpid(), os.sysconf("SC_PAGE_SIZE") // 1024
        while not self._stop.wait(0.1):
            parents, rss = {}, {}
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except (OSError, IndexError):  # not a process, or it ended meanwhile
                    continue
                parents[int(entry.name)], rss[int(entry.name)] = int(fields[1]), int(fields[21]) * page_kb
            tree, found = {me}, {me}
            while found:
                found = {pid for pid, parent in parents.items() if parent in found} - tree
                tree |= found
            self.peak_kb = max(self.peak_kb, sum(rss.get(pid, 0) for pid in tree))


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _data_day(engine) -> dt.date:
    from sqlalchemy import func, select

    from data_access.models import HealthRecord

    with engine.connect() as connection:
        day = connection.execute(select(func.max(HealthRecord.created_on))).scalar()
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return max(day or dt.date.today(), dt.date.today())


def phase_full(engine) -> dict:
    from kpis.refresh import refresh

    today = _data_day(engine)
    with TreeRssSampler() as memory:
        started = time.perf_counter()
        report = refresh(engine, full=True, today=today)
        seconds = time.perf_counter() - started
    return {
        "full_refresh_s": seconds,
        "full_tree_peak_rss_mb": memory.peak_mb,
        "today": today.isoformat(),
        "per_source_s": {k: round(v["seconds"], 3) for k, v in report.sources.items()},
        "fact_rows": sum(v["rows"] for k, v in report.sources.items() if k != "current_totals"),
    }


def simulate_day(engine, today: dt.date) -> dict:
    """One day of rollout work dated ``today``: verifications, shares, new residents, submissions, events."""
    from sqlalchemy import func, insert, select, update

    from data_access.models import AdminChangeEvent, Facility, FacilityDailySubmission, HealthRecord, Resident

    with engine.begin() as connection:
        n_records = connection.execute(select(func.count()).select_from(HealthRecord)).scalar()
        batch = max(10, n_records // 1000)  # 0.1 % of the records touched in a day
        pending = select(HealthRecord.id).where(HealthRecord.verified_on.is_(None)).limit(batch)
        connection.execute(
            update(HealthRecord)
            .where(HealthRecord.id.in_(pending))
            .values(verified_on=today, verification_status="verified")
        )
        unshared = select(HealthRecord.id).where(HealthRecord.vneid_shared_on.is_(None)).limit(batch)
        connection.execute(
            update(HealthRecord).where(HealthRecord.id.in_(unshared)).values(vneid_shared_on=today)
        )
        wards = connection.execute(select(Resident.ward_id, Resident.district_id).limit(200)).all()
        new = [
            {
                "full_name": "Nguyễn Văn Mới",
                "sex": "M",
                "residence_type": "temporary",
                "ward_id": w,
                "district_id": d,
                "resident_since": today,
                "created_at": dt.datetime.now(dt.UTC),
            }
            for w, d in wards
        ]
        connection.execute(insert(Resident), new)
        new_ids = connection.execute(
            select(Resident.id, Resident.ward_id, Resident.district_id).where(
                Resident.resident_since == today
            )
        ).all()
        connection.execute(
            insert(HealthRecord),
            [
                {
                    "resident_id": i,
                    "ward_id": w,
                    "district_id": d,
                    "status": "active",
                    "created_on": today,
                    "verification_status": "pending",
                }
                for i, w, d in new_ids
            ],
        )
        facilities = connection.execute(
            select(Facility.id).where(Facility.first_data_sent_on.is_not(None))
        ).all()
        existing = {
            f
            for (f,) in connection.execute(
                select(FacilityDailySubmission.facility_id).where(FacilityDailySubmission.day == today)
            )
        }
        connection.execute(
            insert(FacilityDailySubmission),
            [
                {"facility_id": f, "day": today, "received": 20, "accepted": 19, "rejected": 1}
                for (f,) in facilities
                if f not in existing
            ],
        )
        connection.execute(
            insert(AdminChangeEvent),
            [
                {
                    "event_type": "move_in",
                    "ward_id": w,
                    "district_id": d,
                    "occurred_on": today,
                    "received_on": today,
                    "applied_on": today,
                }
                for w, d in wards[:50]
            ],
        )
    return {"records_touched": 2 * batch, "new_residents": len(new_ids), "submissions": len(facilities)}


def phase_incremental(engine, today: str) -> dict:
    from kpis.refresh import refresh

    tomorrow = dt.date.fromisoformat(today) + dt.timedelta(days=1)
    changes = simulate_day(engine, tomorrow)
    started = time.perf_counter()
    report = refresh(engine, today=tomorrow)
    return {
        "incremental_refresh_s": time.perf_counter() - started,
        "changes": changes,
        "incremental_per_source_s": {k: round(v["seconds"], 3) for k, v in report.sources.items()},
    }


def phase_floor(engine) -> dict:
    from sqlalchemy import text

    counts = ", ".join(f"count({c})" for c in RECORD_COLUMNS)
    started = time.perf_counter()
    with engine.connect() as connection:
        connection.execute(
            text(f"SELECT ward_id, count(*), {counts} FROM health_record GROUP BY ward_id")
        ).all()
        record_pass = time.perf_counter() - started
        connection.execute(
            text(
                "SELECT ward_id, count(*), count(resident_until), count(bhyt_card) "
                "FROM resident GROUP BY ward_id"
            )
        ).all()
    return {"floor_s": time.perf_counter() - started, "floor_record_pass_s": record_pass}


def phase_pandas(engine) -> dict:
    import pandas as pd

    started = time.perf_counter()
    columns = ", ".join(("ward_id", *RECORD_COLUMNS))
    with engine.connect() as connection:
        frame = pd.read_sql(f"SELECT {columns} FROM health_record", connection)
    frame.groupby("ward_id").count()
    return {"pandas_s": time.perf_counter() - started, "pandas_peak_rss_mb": _peak_mb()}


def _scan_components_once() -> None:
    """A Streamlit server scans the installed packages for components once, at start-up; every new
    AppTest scans them again (0.05-0.06 s here), which would count in each cold page's time."""
    import functools

    from streamlit.components.v2 import manifest_scanner

    manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


def phase_pages(engine) -> dict:
    import os

    from streamlit.testing.v1 import AppTest

    from dashboard.navigation import PAGES
    from data_access.models.enums import Role
    from data_access.scope import CITY_SCOPE, Principal

    os.environ["DATABASE_URL"] = engine.url.render_as_string(hide_password=False)

    def script(target: str) -> None:
        import importlib

        module_name, function_name = target.split(":")
        getattr(importlib.import_module(module_name), function_name)()

    _scan_components_once()
    principal = Principal(None, "bench", Role.CITY_ADMIN, CITY_SCOPE)
    # One-time process start-up, as a running server has already paid it: importing the page modules
    # (polars, pandas, plotly, pydeck, shapely …) and the Streamlit runtime's first run. Reported apart.
    import importlib

    started = time.perf_counter()
    for spec in PAGES:
        if spec.target.startswith("pages.kpi_"):
            importlib.import_module(spec.target.split(":")[0])
    AppTest.from_function(lambda: None, default_timeout=600).run()
    startup = time.perf_counter() - started
    cold, warm = {}, {}
    for spec in PAGES:
        if not spec.target.startswith("pages.kpi_"):
            continue
        at = AppTest.from_function(script, args=(spec.target,), default_timeout=600)
        at.session_state["principal"] = principal
        started = time.perf_counter()
        at.run()
        cold[spec.url_path] = time.perf_counter() - started
        if at.exception:
            cold[spec.url_path + ":error"] = str(at.exception[0].message)[:200]
        started = time.perf_counter()
        at.run()
        warm[spec.url_path] = time.perf_counter() - started
    # A past "as of" day (no roll-up for it): the pages compute from the daily facts.
    from kpis import rollup_store

    app_rss, app_peak = _rss_mb(), _peak_mb()  # the usual views only
    as_of_cold = {}
    rolled = rollup_store.rollup_day(engine)
    for back in AS_OF_DAYS_BACK if rolled else ():
        for spec in PAGES:
            if not spec.target.startswith("pages.kpi_") or spec.url_path == "kpi-settings":
                continue
            at = AppTest.from_function(script, args=(spec.target,), default_timeout=600)
            at.session_state["principal"] = principal
            at.session_state["kpi_filter_as_of"] = rolled - dt.timedelta(days=back)
            started = time.perf_counter()
            at.run()
            as_of_cold[f"{spec.url_path}@-{back}d"] = round(time.perf_counter() - started, 3)
    numeric = [v for v in cold.values() if isinstance(v, float)]
    return {
        "page_as_of_max_s": max(as_of_cold.values(), default=None),
        "pages_as_of_cold_s": as_of_cold,
        "page_max_s": max(numeric),
        "page_max_warm_s": max(warm.values()),
        "pages_startup_s": startup,
        "pages_cold_s": {k: (round(v, 3) if isinstance(v, float) else v) for k, v in cold.items()},
        "app_rss_mb": app_rss,
        "app_peak_rss_mb": app_peak,
        "app_peak_rss_with_as_of_mb": _peak_mb(),
    }


def run_phase(name: str, db: str, extra: str | None) -> dict:
    from data_access.engine import make_engine

    engine = make_engine(db)
    if name == "full":
        out = phase_full(engine)
    elif name == "incremental":
        out = phase_incremental(engine, extra)
    elif name == "floor":
        out = phase_floor(engine)
    elif name == "pandas":
        out = phase_pandas(engine)
    elif name == "pages":
        out = phase_pages(engine)
    else:
        raise SystemExit(f"unknown phase {name}")
    out[f"{name}_peak_rss_mb"] = _peak_with_children_mb()
    return out


def _child(name: str, db: str, extra: str | None = None) -> dict:
    command = [sys.executable, __file__, "--db", db, "--phase", name]
    if extra:
        command += ["--extra", extra]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    if result.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--scale", type=float, default=None, help="the scale the database was seeded with")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--extra", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(run_phase(args.phase, args.db, args.extra), default=str))
        return
    result: dict = {"scale": args.scale, "db": args.db.split("://")[0]}
    for name in ("floor", "pandas", "full"):
        result |= _child(name, args.db)
        print(f"{name}: done", file=sys.stderr)
    result |= _child("incremental", args.db, result["today"])
    result |= _child("pages", args.db)
    result["peak_rss_mb"] = max(
        result["full_peak_rss_mb"], result["full_tree_peak_rss_mb"], result["incremental_peak_rss_mb"]
    )
    result["full_vs_floor"] = result["full_refresh_s"] / result["floor_s"] if result["floor_s"] else None
    result["pandas_vs_page"] = result["pandas_s"] / result["page_max_s"] if result["page_max_s"] else None
    for key, value in list(result.items()):
        if isinstance(value, float):
            result[key] = round(value, 3)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
