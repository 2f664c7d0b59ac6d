"""cleaning scan / stats / sync-rules."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from dashboard.commands.common import CliError, engine_from_args, require_schema


def register(subparsers: argparse._SubParsersAction) -> None:
    cleaning = subparsers.add_parser("cleaning", help="data-cleaning worklists: scan, stats, rules")
    commands = cleaning.add_subparsers(dest="cleaning_command", required=True)

    scan = commands.add_parser("scan", help="run the cleaning rules and duplicate matching, update the queue")
    scan.add_argument("--district", metavar="CODE", help="only this district (GSO code, e.g. 001)")
    scan.add_argument("--today", type=dt.date.fromisoformat, help="scan as of this date (YYYY-MM-DD)")
    scan.add_argument("--no-standardise", action="store_true", help="leave standardised_on alone")
    scan.add_argument("--quiet", action="store_true", help="no per-district progress lines")
    scan.add_argument("--json", action="store_true", help="print the summary as JSON")
    scan.set_defaults(handler=run_scan_command)

    stats = commands.add_parser("stats", help="open / resolved / dismissed items per rule and district")
    stats.add_argument("--json", action="store_true", help="machine-readable output")
    stats.set_defaults(handler=run_stats)

    sync = commands.add_parser("sync-rules", help="load rules added to cleaning/rules.toml into the database")
    sync.add_argument("--overwrite", action="store_true", help="also reset edited rules to the file")
    sync.set_defaults(handler=run_sync_rules)


def run_scan_command(args: argparse.Namespace) -> int:
    from cleaning.scan import run_scan

    engine = engine_from_args(args)
    require_schema(engine)

    def progress(index: int, total: int, result) -> None:
        print(
            f"[{index}/{total}] {result.district_name}: {result.residents} người, "
            f"{result.findings} phát hiện, +{result.opened} mới, {result.reopened} mở lại, "
            f"{result.closed} đã tự đóng "
            f"({result.seconds:.1f} s)",
            file=sys.stderr,
            flush=True,
        )

    try:
        report = run_scan(
            engine,
            district_code=args.district,
            today=args.today,
            progress=None if args.quiet else progress,
            update_standardised_on=not args.no_standardise,
        )
    except LookupError as error:
        raise CliError(str(error)) from error
    summary = report.as_dict()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(
            f"scanned {summary['districts']} districts, {summary['residents']} residents "
            f"in {summary['seconds']} s: {summary['findings']} findings, {summary['opened']} opened, "
            f"{summary['reopened']} reopened, "
            f"{summary['closed']} closed"
        )
    return 0


def run_stats(args: argparse.Namespace) -> int:
    from data_access.cleaning import status_counts
    from data_access.engine import session_factory

    engine = engine_from_args(args)
    require_schema(engine)
    with session_factory(engine)() as session:
        rows = status_counts(session, None)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    print(f"{'district':<28} {'rule':<24} {'open':>8} {'resolved':>9} {'dismissed':>10}")
    for row in rows:
        print(
            f"{row['district_name']:<28} {row['rule_id']:<24} {row['open']:>8} {row['resolved']:>9} "
            f"{row['dismissed']:>10}"
        )
    return 0


def run_sync_rules(args: argparse.Namespace) -> int:
    from cleaning.rules import sync_rules

    engine = engine_from_args(args)
    require_schema(engine)
    with engine.begin() as connection:
        changed = sync_rules(connection, overwrite=args.overwrite)
    print(f"{len(changed)} rules written: {', '.join(changed) or '-'}")
    return 0
