"""``start``: run the Streamlit app; on the embedded default, create and seed a demo database first."""

from __future__ import annotations

import argparse
import os
import sys

from dashboard.commands.common import engine_from_args
from dashboard.settings import (
    DEFAULT_DEMO_PASSWORD,
    DEMO_SCALE,
    DEMO_SEED,
    REPO_ROOT,
    database_url,
    is_embedded_default,
)
from data_access.schema import upgrade_to_head
from data_access.status import database_status


def register(subparsers: argparse._SubParsersAction) -> None:
    start = subparsers.add_parser("start", help="run the dashboard (seeds a demo database on first start)")
    start.add_argument("--port", type=int, default=8501)
    start.add_argument("--no-browser-hint", action="store_true", help=argparse.SUPPRESS)
    start.set_defaults(handler=run_start)


def run_start(args: argparse.Namespace) -> int:
    url = database_url(args.db)
    engine = engine_from_args(args)
    upgrade_to_head(engine)
    if is_embedded_default(url) and database_status(engine)["residents"] == 0:
        _seed_demo(engine)
        print_demo_logins()
    else:
        _compute_missing_kpi_facts(engine)
        if is_embedded_default(url):
            print_demo_logins()
    engine.dispose()
    command = [
        sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "dashboard" / "app.py"),
        "--server.port", str(args.port),
    ]  # fmt: skip
    print(f"\nHSSK Dashboard: http://127.0.0.1:{args.port}\n", flush=True)
    os.chdir(REPO_ROOT)  # .streamlit/config.toml is read from the working directory
    os.environ["DATABASE_URL"] = url
    os.execv(sys.executable, command)
    return 0  # pragma: no cover (execv does not return)


def _seed_demo(engine) -> None:
    """Seed, then fill the worklists and the KPI facts, so every page has something to show."""
    from cleaning.scan import run_scan
    from kpis.refresh import refresh
    from seeds.city import seed_database

    print(f"First start: creating the demo database (scale {DEMO_SCALE}, ~87 000 residents)…", flush=True)
    report = seed_database(
        engine, scale=DEMO_SCALE, seed=DEMO_SEED, demo_users=True, demo_password=DEFAULT_DEMO_PASSWORD
    )
    print(report.summary(), flush=True)
    print("Running the data-cleaning scan…", flush=True)
    scan = run_scan(engine).as_dict()
    print(f"  {scan['findings']} findings in {scan['seconds']} s", flush=True)
    print("Computing the daily KPI facts…", flush=True)
    print(refresh(engine, full=True).summary(), flush=True)


def _compute_missing_kpi_facts(engine) -> None:
    """A database with residents but no KPI facts (restored, or upgraded by a migration that rebuilt the
    fact tables) would show empty KPI pages until someone ran ``kpis refresh``: compute them once now."""
    from data_access.kpi_facts import current_totals_day
    from kpis.refresh import refresh

    with engine.connect() as connection:
        computed = current_totals_day(connection) is not None
    if computed or database_status(engine)["residents"] == 0:
        return
    print("No KPI facts yet (new or upgraded database): computing them once…", flush=True)
    print(refresh(engine, full=True).summary(), flush=True)


def print_demo_logins() -> None:
    print(
        "\nDemo accounts (demo database only — never use these on real data):\n"
        f"  password for every demo account: {DEFAULT_DEMO_PASSWORD}\n"
        "  lanhdao          city leadership\n"
        "  quantri          city administrator\n"
        "  thanhtra         inspector (Ba Đình, Cầu Giấy, Hà Đông, Sơn Tây)\n"
        "  ttyt.001 …       district manager of district 001 (one per district code)\n"
        "  tyt.<code> …     commune health station user (one per station, e.g. from the Accounts page)",
        flush=True,
    )
