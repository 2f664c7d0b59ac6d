"""kpis refresh, kpis show."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from dashboard.commands.common import CliError, engine_from_args, require_schema

LEVELS = ("city", "district", "ward", "commune_2025")


def register(subparsers: argparse._SubParsersAction) -> None:
    kpis = subparsers.add_parser("kpis", help="KPI facts: refresh and show")
    sub = kpis.add_subparsers(dest="kpis_command", required=True)

    refresh = sub.add_parser("refresh", help="bring the daily KPI facts up to date (incremental by default)")
    refresh.add_argument("--full", action="store_true", help="recompute every day from scratch")
    refresh.add_argument("--since", type=_date, help="also recompute days from this date (YYYY-MM-DD)")
    refresh.add_argument("--today", type=_date, help="data date of this refresh (default: today)")
    refresh.add_argument("--json", action="store_true", help="machine-readable report")
    refresh.set_defaults(handler=run_refresh)

    show = sub.add_parser("show", help="KPI values, status and forecast per org unit")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.add_argument("--level", choices=LEVELS, default="city")
    show.add_argument("--code", help="only the unit with this GSO code")
    show.add_argument("--kpi", help="only this KPI id")
    show.add_argument("--as-of", dest="as_of", type=_date, help="YYYY-MM-DD (default: last refresh)")
    show.set_defaults(handler=run_show)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}") from error


def run_refresh(args: argparse.Namespace) -> int:
    from kpis.refresh import refresh

    engine = engine_from_args(args)
    require_schema(engine)
    report = refresh(engine, full=args.full, today=args.today, since=args.since)
    if args.json:
        print(
            json.dumps(
                {
                    "today": report.today.isoformat(),
                    "full": report.full,
                    "seconds": round(report.seconds, 3),
                    "sources": {
                        name: {**info, "since": info["since"].isoformat() if info["since"] else None}
                        for name, info in report.sources.items()
                    },
                }
            )
        )
    else:
        print(report.summary())
    return 0


def show_rows(engine, level: str, as_of: dt.date | None, code: str | None, kpi: str | None) -> list[dict]:
    """What ``kpis show`` prints: the operator sees the whole city (aggregates only)."""
    from data_access.scope import CITY_SCOPE
    from kpis.api import as_of_default, kpi_table

    as_of = as_of or as_of_default(engine)
    table = kpi_table(engine, CITY_SCOPE, as_of, level)
    if code:
        table = table.filter(table["code"] == code)
        if table.is_empty():
            raise CliError(f"no {level} with code {code!r} (or no KPI facts: run `kpis refresh`)")
    if kpi:
        table = table.filter(table["kpi_id"] == kpi)
        if table.is_empty():
            raise CliError(f"unknown KPI {kpi!r}")
    rows = []
    for row in table.iter_rows(named=True):
        rows.append(
            {
                "kpi_id": row["kpi_id"],
                "level": row["level"],
                "code": row["code"],
                "name": row["name"],
                "numerator": row["numerator"],
                "denominator": row["denominator"],
                "value": None if row["value"] is None else round(row["value"], 6),
                "target": row["target"],
                "deadline": row["deadline"].isoformat(),
                "status": row["status"],
                "projected_date": row["projected_date"].isoformat() if row["projected_date"] else None,
                "days_late": row["days_late"],
                "days_overdue": row["days_overdue"],
                "rate_per_day": None if row["rate"] is None else round(row["rate"], 6),
                "rate_needed_per_day": None if row["rate_needed"] is None else round(row["rate_needed"], 6),
                "as_of": as_of.isoformat(),
            }
        )
    return rows


def run_show(args: argparse.Namespace) -> int:
    engine = engine_from_args(args)
    require_schema(engine)
    rows = show_rows(engine, args.level, args.as_of, args.code, args.kpi)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for row in rows:
        value = "–" if row["value"] is None else f"{row['value'] * 100:6.2f} %"
        print(
            f"{row['kpi_id']:26s} {row['code']:>5s} {row['numerator']:>10,d} / {row['denominator']:>10,d}"
            f"  {value}  {row['status'] or '–':9s} → {row['projected_date'] or '–'}"
        )
    return 0
