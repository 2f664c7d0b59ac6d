"""Precision and recall of the cleaning scan against the seed's ground-truth labels, plus scan time.

    python bench/cleaning_quality.py --scale 0.01 [--db URL] [--seed 7] [--reuse]

Seeds a database (a fresh SQLite file under var/bench unless --db is given; with --reuse an already
seeded database is used as is), runs the same scan as ``python -m dashboard cleaning scan`` and
compares its open items with ``truth_defect`` / ``truth_duplicate``. This is the only code that reads
the ground-truth tables. The last output line is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from cleaning.rules import DUPLICATE_RULE, ROW_RULES  # noqa: E402
from cleaning.scan import run_scan  # noqa: E402
from data_access.engine import make_engine  # noqa: E402
from data_access.models import CleaningItem, Resident, TruthDefect, TruthDuplicate  # noqa: E402
from data_access.models.enums import CleaningStatus  # noqa: E402


def _ratio(hit: int, total: int) -> float | None:
    return round(hit / total, 4) if total else None


def evaluate(engine) -> tuple[dict, dict, dict]:
    with engine.connect() as connection:
        merged_away = {
            r for (r,) in connection.execute(select(Resident.id).where(Resident.merged_into_id.is_not(None)))
        }
        truth = {
            (rule, resident)
            for resident, rule in connection.execute(select(TruthDefect.resident_id, TruthDefect.defect))
            if resident not in merged_away
        }
        found = set(
            (rule, resident)
            for rule, resident in connection.execute(
                select(CleaningItem.rule_id, CleaningItem.resident_id).where(
                    CleaningItem.status == CleaningStatus.OPEN, CleaningItem.rule_id != DUPLICATE_RULE
                )
            )
        )
        truth_pairs = {
            (min(a, b), max(a, b)): variation
            for a, b, variation in connection.execute(
                select(TruthDuplicate.resident_id, TruthDuplicate.other_resident_id, TruthDuplicate.variation)
            )
        }
        found_pairs = {
            (min(a, b), max(a, b))
            for a, b in connection.execute(
                select(CleaningItem.resident_id, CleaningItem.other_resident_id).where(
                    CleaningItem.status == CleaningStatus.OPEN, CleaningItem.rule_id == DUPLICATE_RULE
                )
            )
        }
        residents = connection.scalar(select(func.count()).select_from(Resident))
    rules = {}
    for rule in sorted({*ROW_RULES, *(r for r, _ in truth)}):
        t = {x for x in truth if x[0] == rule}
        f = {x for x in found if x[0] == rule}
        if not t and not f:
            continue
        rules[rule] = {
            "precision": _ratio(len(t & f), len(f)),
            "recall": _ratio(len(t & f), len(t)),
            "truth": len(t),
            "found": len(f),
        }
    hits = found_pairs & set(truth_pairs)
    by_variation = {}
    for variation in sorted(set(truth_pairs.values())):
        pairs = {p for p, v in truth_pairs.items() if v == variation}
        by_variation[variation] = {
            "recall": _ratio(len(pairs & found_pairs), len(pairs)),
            "truth": len(pairs),
        }
    duplicates = {
        "precision": _ratio(len(hits), len(found_pairs)),
        "recall": _ratio(len(hits), len(truth_pairs)),
        "truth": len(truth_pairs),
        "found": len(found_pairs),
    }
    return rules, {**duplicates, "by_variation": by_variation}, {"residents": residents}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file under var/bench)")
    parser.add_argument("--reuse", action="store_true", help="the database is already seeded: do not seed")
    parser.add_argument("--today", type=dt.date.fromisoformat, help="as-of date for seed and scan")
    args = parser.parse_args(argv)

    url = args.db
    if url is None:
        path = ROOT / "var" / "bench" / f"cleaning-{args.scale}-{args.seed}.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    engine = make_engine(url)
    today = args.today or dt.date.today()
    if not args.reuse:
        from seeds.city import seed_database

        started = time.perf_counter()
        seed_database(engine, scale=args.scale, seed=args.seed, demo_users=False, progress=False, today=today)
        print(f"seeded scale {args.scale} in {time.perf_counter() - started:.1f} s", flush=True)

    def progress(index, total, result):
        line = f"  [{index}/{total}] {result.district_name}: {result.findings} findings"
        print(f"{line} ({result.seconds:.1f} s)", flush=True)

    report = run_scan(engine, today=today, progress=progress)
    scan_s = round(report.seconds, 2)
    rules, duplicates, info = evaluate(engine)
    print(f"\nresidents {info['residents']}, scan {scan_s} s")
    print(f"{'rule':<24} {'precision':>9} {'recall':>7} {'truth':>7} {'found':>7}")
    for rule, m in rules.items():
        print(
            f"{rule:<24} {m['precision'] or 0:>9.3f} {m['recall'] or 0:>7.3f} {m['truth']:>7} {m['found']:>7}"
        )
    print(f"{'duplicates':<24} {duplicates['precision'] or 0:>9.3f} {duplicates['recall'] or 0:>7.3f} "
          f"{duplicates['truth']:>7} {duplicates['found']:>7}")  # fmt: skip
    for variation, m in duplicates["by_variation"].items():
        print(f"  {variation:<22} {'':>9} {m['recall'] or 0:>7.3f} {m['truth']:>7}")
    result = {
        "rules": {r: {"precision": m["precision"], "recall": m["recall"]} for r, m in rules.items()},
        "duplicates": {"precision": duplicates["precision"], "recall": duplicates["recall"]},
        "scan_s": scan_s,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
