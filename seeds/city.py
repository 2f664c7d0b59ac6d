"""``seed_database``: reference data + the synthetic city + demo accounts, in one transaction.

Everything is derived from ``seed`` (and ``today``), so the same arguments give identical data on
SQLite and PostgreSQL. A database that already holds data is replaced only when asked to.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import polars as pl
from sqlalchemy import Engine
from tqdm import tqdm

from data_access.bulk import BulkLoad, bulk_load, load_mode
from data_access.models import Base
from data_access.schema import drop_everything, upgrade_to_head
from seeds.demo_users import demo_account_frames
from seeds.facilities import hanoi_facilities
from seeds.population import generate_city
from seeds.reference import hanoi_mapping, hanoi_units

LEGACY_VALID_FROM = dt.date(2008, 8, 1)  # Hà Tây merged into Hà Nội: the legacy tree starts here
REFORM_DATE = dt.date(2025, 7, 1)  # Resolution 1656/NQ-UBTVQH15: 126 commune-level units

# Large tables whose indexes/foreign keys are rebuilt once after loading (see data_access.bulk.load_mode).
BULK_TABLES = [
    "resident",
    "health_record",
    "vaccination",
    "admin_change_event",
    "facility_daily_submission",
    "truth_defect",
    "truth_duplicate",
]


class DatabaseNotEmptyError(RuntimeError):
    pass


@dataclass
class SeedReport:
    scale: float
    seed: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    demo_logins: list[str] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    def summary(self) -> str:
        lines = [
            f"seeded scale {self.scale} (seed {self.seed}): {self.total_rows:,} rows "
            f"in {self.total_seconds:.1f} s",
            *(f"  {table}: {count:,}" for table, count in self.rows.items()),
        ]
        return "\n".join(lines)


def seed_database(
    engine: Engine,
    *,
    scale: float,
    seed: int,
    demo_users: bool = True,
    demo_password: str | None = None,
    progress: bool = True,
    today: dt.date | None = None,
    replace: bool = False,
) -> SeedReport:
    today = today or dt.date.today()
    report = SeedReport(scale=scale, seed=seed)
    if replace:
        drop_everything(engine)
    upgrade_to_head(engine)

    with _stage(report, "generate"):
        org_units, mapping = org_unit_frames()
        facilities = facility_frame(org_units, seed)
        city = generate_city(
            ward_frame(org_units), facility_input_frame(facilities), scale=scale, seed=seed, today=today
        )
        facilities = facilities.drop("account_issued_on", "staff_trained_on", "first_data_sent_on").join(
            city.facility_milestones.rename({"facility_id": "id"}), on="id", how="left"
        )

    accounts, scopes = (
        demo_account_frames(org_units, facilities, demo_password or "", seed=seed, today=today)
        if demo_users
        else (pl.DataFrame(), pl.DataFrame())
    )
    if demo_users and not demo_password:
        raise ValueError("demo_password is required when demo users are created")

    plan = [
        ("org_unit", org_units),
        ("org_unit_mapping", mapping),
        ("facility", facilities),
        ("resident", city.residents),
        ("health_record", city.health_records),
        ("vaccination", city.vaccinations),
        ("admin_change_event", city.admin_events),
        ("facility_daily_submission", city.submissions),
        ("truth_defect", city.truth_defects),
        ("truth_duplicate", city.truth_duplicates),
        ("account", accounts),
        ("account_scope", scopes),
    ]
    total = sum(frame.height for _, frame in plan)
    _ensure_empty(engine)
    bar = tqdm(total=total, unit="rows", unit_scale=True, disable=not progress, desc="seed")
    with _stage(report, "load"), bar, bulk_load(engine) as bulk:
        with load_mode(bulk, BULK_TABLES):
            for table, frame in plan:
                bar.set_postfix_str(table)
                report.rows[table] = bulk.load(table, frame, on_rows=bar.update)
        _reset_sequences(bulk, [table for table, _ in plan])
    with _stage(report, "analyze"), engine.begin() as connection:
        # Fresh planner statistics: without them PostgreSQL plans the first scans over millions of
        # rows as if the tables were empty (the cleaning scan ran 3× slower).
        connection.exec_driver_sql("ANALYZE")
    report.demo_logins = accounts["username"].to_list() if demo_users else []
    return report


def _ensure_empty(engine: Engine) -> None:
    with engine.connect() as connection:
        has_data = connection.exec_driver_sql(
            "SELECT EXISTS (SELECT 1 FROM org_unit) OR EXISTS (SELECT 1 FROM resident)"
        ).scalar()
    if has_data:
        raise DatabaseNotEmptyError("the database already holds data; pass --replace to wipe it first")


def _reset_sequences(bulk: BulkLoad, tables: list[str]) -> None:
    """Explicit ids were loaded: move PostgreSQL's sequences past them so later inserts work."""
    if bulk.dialect_name != "postgresql":
        return
    for table in tables:
        if "id" not in Base.metadata.tables[table].columns:
            continue
        bulk.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false) '
            f"WHERE pg_get_serial_sequence('{table}', 'id') IS NOT NULL"
        )


@contextmanager
def _stage(report: SeedReport, name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    report.seconds[name] = time.perf_counter() - started


def org_unit_frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The org-unit tree with deterministic ids (1..N in the reference order) and the mapping."""
    units = hanoi_units()
    ids = {(u.level, u.code): i for i, u in enumerate(units, start=1)}
    parent_level = {"district": "city", "ward": "district", "commune_2025": "city"}
    rows = []
    for unit in units:
        parent_key = (parent_level.get(unit.level), unit.parent_code)
        parent_id = ids.get(parent_key) if unit.parent_code else None
        rows.append(
            {
                "id": ids[(unit.level, unit.code)],
                "level": unit.level,
                "code": unit.code,
                "name": unit.name,
                "short_name": unit.short_name,
                "unit_type": unit.unit_type,
                "parent_id": parent_id,
                "path": _path(unit, units),
                "latitude": unit.latitude,
                "longitude": unit.longitude,
                "bounds": unit.bounds,
                "area_km2": unit.area_km2,
                "valid_from": REFORM_DATE if unit.level == "commune_2025" else LEGACY_VALID_FROM,
                "valid_to": REFORM_DATE if unit.level in ("district", "ward") else None,
            }
        )
    org_units = pl.DataFrame(rows, infer_schema_length=None)
    mapping = pl.DataFrame(
        [
            {
                "legacy_unit_id": ids[("ward", m.legacy_ward_code)],
                "new_unit_id": ids[("commune_2025", m.commune_code)],
                "is_default": m.is_default,
            }
            for m in hanoi_mapping()
        ]
    )
    return org_units, mapping


def _path(unit, units) -> str:
    """Materialised ancestry: /01/, /01/001/, /01/001/00001/, and /01/2025/00004/ for new units."""
    if unit.level == "city":
        return f"/{unit.code}/"
    if unit.level == "district":
        return f"/{unit.parent_code}/{unit.code}/"
    if unit.level == "ward":
        return f"/01/{unit.parent_code}/{unit.code}/"
    return f"/01/2025/{unit.code}/"


def facility_frame(org_units: pl.DataFrame, seed: int) -> pl.DataFrame:
    ward_ids = dict(org_units.filter(pl.col("level") == "ward").select("code", "id").iter_rows())
    district_ids = dict(org_units.filter(pl.col("level") == "district").select("code", "id").iter_rows())
    rows = [
        {
            "id": i,
            "code": f.code,
            "name": f.name,
            "facility_type": f.facility_type,
            "is_public": f.is_public,
            "is_licensed": True,
            "ward_id": ward_ids[f.ward_code],
            "district_id": district_ids[f.district_code],
            "latitude": f.latitude,
            "longitude": f.longitude,
            "account_issued_on": None,
            "staff_trained_on": None,
            "first_data_sent_on": None,
        }
        for i, f in enumerate(hanoi_facilities(seed), start=1)
    ]
    return pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.col("account_issued_on", "staff_trained_on", "first_data_sent_on").cast(pl.Date)
    )


def ward_frame(org_units: pl.DataFrame) -> pl.DataFrame:
    """The generator's view of the legacy wards (see seeds.population.generate_city)."""
    districts = org_units.filter(pl.col("level") == "district").select(
        pl.col("id").alias("district_id"),
        pl.col("code").alias("district_code"),
        pl.col("name").alias("district_name"),
        pl.col("short_name").alias("district_short"),
        pl.col("unit_type").alias("district_type"),
    )
    wards = org_units.filter(pl.col("level") == "ward").select(
        pl.col("id").alias("ward_id"),
        pl.col("code").alias("ward_code"),
        pl.col("name").alias("ward_name"),
        pl.col("short_name").alias("ward_short"),
        pl.col("unit_type").alias("ward_type"),
        pl.col("parent_id").alias("district_id"),
    )
    return (
        wards.join(districts, on="district_id", how="left")
        .with_columns(is_urban=pl.col("district_type") == "Quận")
        .sort("ward_id")
    )


def facility_input_frame(facilities: pl.DataFrame) -> pl.DataFrame:
    return facilities.select(
        pl.col("id").alias("facility_id"), "code", "facility_type", "is_public", "ward_id", "district_id"
    )
