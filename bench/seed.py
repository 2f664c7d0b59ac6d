"""Measure ``seed`` at a given scale on a given database.

    .venv/bin/python bench/seed.py --scale 1.0 --db sqlite:///var/bench.db
    .venv/bin/python bench/seed.py --scale 1.0 --db postgresql://postgres@127.0.0.1:5432/hssk_bench

Prints the seed's stage times, rows/s and peak memory, and a baseline measured in the same run on
the same database: the engine's bare load floor — the same resident and record rows written into
tables with no index, key or constraint. The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Column, MetaData, Table, text

from data_access.bulk import bulk_load
from data_access.engine import make_engine
from data_access.models import Base
from seeds.city import facility_frame, facility_input_frame, org_unit_frames, seed_database, ward_frame
from seeds.population import generate_city


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare_load_floor(engine, scale: float, seed: int, today: dt.date) -> tuple[float, int]:
    """Seconds to write the resident + record frames into bare copies of their tables."""
    org_units, _ = org_unit_frames()
    city = generate_city(
        ward_frame(org_units),
        facility_input_frame(facility_frame(org_units, seed)),
        scale=scale,
        seed=seed,
        today=today,
    )
    bare = MetaData()
    frames = {
        Table(
            f"bench_bare_{name}", bare, *(Column(c.name, c.type) for c in Base.metadata.tables[name].columns)
        ): frame
        for name, frame in (("resident", city.residents), ("health_record", city.health_records))
    }
    bare.drop_all(engine)
    bare.create_all(engine)
    started = time.perf_counter()
    with bulk_load(engine) as bulk:
        rows = sum(bulk.load(table, frame) for table, frame in frames.items())
    seconds = time.perf_counter() - started
    bare.drop_all(engine)
    return seconds, rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", required=True)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()

    engine = make_engine(args.db)
    today = dt.date.today()
    started = time.perf_counter()
    report = seed_database(
        engine, scale=args.scale, seed=args.seed, demo_password="bench-demo-pass", replace=True
    )
    seed_s = time.perf_counter() - started
    rss_after_seed = peak_rss_mb()
    with engine.connect() as connection:
        residents = connection.execute(text("SELECT COUNT(*) FROM resident")).scalar_one()

    floor_s, floor_rows = (
        (None, 0) if args.no_baseline else bare_load_floor(engine, args.scale, args.seed, today)
    )
    figures = {
        "bench": "seed",
        "db": engine.dialect.name,
        "scale": args.scale,
        "residents": residents,
        "rows": report.total_rows,
        "seed_s": round(seed_s, 2),
        "generate_s": round(report.seconds.get("generate", 0), 2),
        "load_s": round(report.seconds.get("load", 0), 2),
        "rows_per_s": round(report.total_rows / seed_s),
        "peak_rss_mb": round(rss_after_seed),
        "baseline_bare_load_s": None if floor_s is None else round(floor_s, 2),
        "baseline_rows": floor_rows,
        "load_vs_bare_floor_per_row": None
        if not floor_s
        else round((report.seconds["load"] / report.total_rows) / (floor_s / floor_rows), 2),
    }
    for key, value in figures.items():
        print(f"{key:>28}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
