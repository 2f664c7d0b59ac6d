"""The scan: run every enabled rule over the city one district at a time and sync the queue.

* Bounded memory: one district's residents (≈ 290 k at full scale) are in memory at a time.
* Idempotent: an item's ``fingerprint`` is rule + subject; a rescan updates, never duplicates.
* Closes items whose data was fixed (``resolution = "auto_fixed"``) and reopens an auto- or
  hand-resolved item whose problem came back; a dismissed item (incl. "not a duplicate") stays closed.
* Feeds P1_RECORDS_STANDARDISED: ``health_record.standardised_on`` is set (scan day) for records
  with no open item of a ``standardisation`` rule and cleared for records with one.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
from sqlalchemy import Connection, Engine, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.orm import aliased

from cleaning.address import resolve_addresses
from cleaning.detect import detect_row_rules
from cleaning.duplicates import PAIR_SCHEMA, neighbour_pairs, score_pairs
from cleaning.rules import DUPLICATE_RULE, ROW_RULES, Rule, ensure_rules
from data_access.models import (
    AdminChangeEvent,
    CleaningItem,
    CleaningItemEvent,
    Facility,
    HealthRecord,
    OrgUnit,
    Resident,
)
from data_access.models.enums import CleaningStatus, OrgLevel
from data_access.types import utcnow

RESIDENT_SCHEMA: dict[str, pl.DataType] = {
    "resident_id": pl.Int64,
    "cccd": pl.String,
    "full_name": pl.String,
    "sex": pl.String,
    "date_of_birth": pl.Date,
    "bhxh_code": pl.String,
    "bhyt_card": pl.String,
    "ward_id": pl.Int64,
    "district_id": pl.Int64,
    "ward_code": pl.String,
    "address_text": pl.String,
    "resident_since": pl.Date,
    "resident_until": pl.Date,
    "deceased_on": pl.Date,
    "record_status": pl.String,
    "record_created_on": pl.Date,
    "verification_status": pl.String,
    "mismatch_field": pl.String,
    "mismatch_reason": pl.String,
    "facility_code": pl.String,
    "death_on": pl.Date,
    "move_out_on": pl.Date,
    "move_in_on": pl.Date,
}
AUTO_FIXED = "auto_fixed"
ITEM_COLUMNS = (
    "fingerprint",
    "rule_id",
    "resident_id",
    "other_resident_id",
    "ward_id",
    "district_id",
    "priority",
    "score",
    "details",
)


@dataclass
class DistrictResult:
    district_id: int
    district_name: str
    residents: int = 0
    findings: int = 0
    opened: int = 0
    reopened: int = 0
    updated: int = 0
    closed: int = 0
    seconds: float = 0.0


@dataclass
class ScanReport:
    districts: list[DistrictResult] = field(default_factory=list)
    by_rule: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def total(self, name: str) -> int:
        return sum(getattr(d, name) for d in self.districts)

    def as_dict(self) -> dict:
        return {
            "districts": len(self.districts),
            "residents": self.total("residents"),
            "findings": self.total("findings"),
            "opened": self.total("opened"),
            "reopened": self.total("reopened"),
            "updated": self.total("updated"),
            "closed": self.total("closed"),
            "by_rule": dict(sorted(self.by_rule.items())),
            "seconds": round(self.seconds, 2),
        }


def fingerprint(rule_id: str, resident_id: int, other_resident_id: int | None = None) -> str:
    if other_resident_id is None:
        return f"{rule_id}:{resident_id}"
    low, high = sorted((resident_id, other_resident_id))
    return f"{rule_id}:{low}:{high}"


# ---------------------------------------------------------------------------------------------- reading


def resident_query(district_id: int | None = None, resident_ids: list[int] | None = None):
    ward = aliased(OrgUnit)
    query = (
        select(
            Resident.id.label("resident_id"),
            Resident.cccd,
            Resident.full_name,
            Resident.sex,
            Resident.date_of_birth,
            Resident.bhxh_code,
            Resident.bhyt_card,
            Resident.ward_id,
            Resident.district_id,
            ward.code.label("ward_code"),
            Resident.address_text,
            Resident.resident_since,
            Resident.resident_until,
            Resident.deceased_on,
            HealthRecord.status.label("record_status"),
            HealthRecord.created_on.label("record_created_on"),
            HealthRecord.verification_status,
            HealthRecord.mismatch_field,
            HealthRecord.mismatch_reason,
            Facility.code.label("facility_code"),
        )
        .join(ward, ward.id == Resident.ward_id)
        .outerjoin(HealthRecord, HealthRecord.resident_id == Resident.id)
        .outerjoin(Facility, Facility.id == HealthRecord.facility_id)
        .where(Resident.merged_into_id.is_(None))
    )
    if district_id is not None:
        query = query.where(Resident.district_id == district_id)
    if resident_ids is not None:
        query = query.where(Resident.id.in_(resident_ids))
    return query


def load_residents(
    connection: Connection,
    today: dt.date,
    district_id: int | None = None,
    resident_ids: list[int] | None = None,
) -> pl.DataFrame:
    """Residents (not merged away) with record, facility code and police-event dates, typed."""
    base_columns = [c for c in RESIDENT_SCHEMA if c not in ("death_on", "move_out_on", "move_in_on")]
    frame = fetch_frame(
        connection, resident_query(district_id, resident_ids), {c: RESIDENT_SCHEMA[c] for c in base_columns}
    )
    events = _event_dates(connection, today, district_id, resident_ids)
    return frame.join(events, on="resident_id", how="left").select(
        [pl.col(c).cast(t) for c, t in RESIDENT_SCHEMA.items()]
    )


def fetch_frame(connection: Connection, query, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Run ``query`` through the DB-API driver and type the columns in polars.

    SQLAlchemy's per-value result processing (dates parsed from text on SQLite, Row objects) costs
    several seconds per 300 k rows; the scan only reads ints, short text and dates, so the query is
    rendered with its (integer/date) parameters inlined and dates are parsed vectorised.
    """
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    if connection.dialect.name == "postgresql":
        return _copy_frame(connection, sql, schema)
    rows = connection.exec_driver_sql(sql).fetchall()
    textual_dates = connection.dialect.name == "sqlite"
    raw_schema = {c: (pl.String if t == pl.Date and textual_dates else t) for c, t in schema.items()}
    frame = pl.DataFrame(rows, schema=raw_schema, orient="row")
    if textual_dates:
        frame = frame.with_columns(
            pl.col(c).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
            for c, t in schema.items()
            if t == pl.Date
        )
    return frame


def _copy_frame(connection: Connection, sql: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """PostgreSQL: ``COPY (query) TO STDOUT`` as CSV, parsed by polars — ~10× faster than fetching
    300 k rows as Python tuples. NULL is an unquoted empty field, an empty string a quoted one."""
    raw = connection.connection.driver_connection  # psycopg, inside the caller's transaction
    with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
        data = b"".join(bytes(chunk) for chunk in copy)
    if not data:
        return pl.DataFrame(schema=schema)
    return pl.read_csv(
        io.BytesIO(data),
        has_header=False,
        new_columns=list(schema),
        schema=schema,
    )


def _event_dates(connection, today, district_id, resident_ids) -> pl.DataFrame:
    query = (
        select(
            AdminChangeEvent.resident_id, AdminChangeEvent.event_type, func.max(AdminChangeEvent.occurred_on)
        )
        .join(Resident, Resident.id == AdminChangeEvent.resident_id)
        .where(
            AdminChangeEvent.event_type.in_(("death", "move_out", "move_in")),
            AdminChangeEvent.occurred_on <= today,
        )
        .group_by(AdminChangeEvent.resident_id, AdminChangeEvent.event_type)
    )
    if district_id is not None:
        query = query.where(Resident.district_id == district_id)
    if resident_ids is not None:
        query = query.where(Resident.id.in_(resident_ids))
    long = fetch_frame(connection, query, {"resident_id": pl.Int64, "event_type": pl.String, "on": pl.Date})
    wide = {"resident_id": pl.Int64, "death_on": pl.Date, "move_out_on": pl.Date, "move_in_on": pl.Date}
    if long.height == 0:
        return pl.DataFrame(schema=wide)
    pivot = long.pivot(on="event_type", index="resident_id", values="on").rename(
        {"death": "death_on", "move_out": "move_out_on", "move_in": "move_in_on"}, strict=False
    )
    for name, dtype in wide.items():
        if name not in pivot.columns:
            pivot = pivot.with_columns(pl.lit(None, dtype=dtype).alias(name))
    return pivot.select(list(wide))


def load_wards(connection: Connection) -> pl.DataFrame:
    rows = connection.execute(
        select(OrgUnit.id, OrgUnit.parent_id, OrgUnit.latitude, OrgUnit.longitude, OrgUnit.code).where(
            OrgUnit.level == OrgLevel.WARD
        )
    ).all()
    return pl.DataFrame(
        rows,
        schema={
            "id": pl.Int64,
            "district_id": pl.Int64,
            "latitude": pl.Float64,
            "longitude": pl.Float64,
            "code": pl.String,
        },
        orient="row",
    )


def shared_cccd_residents(connection: Connection) -> pl.DataFrame:
    """(resident_id, cccd) of every resident (not merged away) whose CCCD another one also has.

    One group-by over the city per scan, instead of a self-join per district (which PostgreSQL may
    plan badly right after a bulk load, before statistics exist). Small: a few per thousand residents.
    """
    usable = (Resident.merged_into_id.is_(None), Resident.cccd.is_not(None), Resident.cccd != "")
    shared = select(Resident.cccd).where(*usable).group_by(Resident.cccd).having(func.count() > 1)
    query = select(Resident.id.label("resident_id"), Resident.cccd).where(*usable, Resident.cccd.in_(shared))
    return fetch_frame(connection, query, {"resident_id": pl.Int64, "cccd": pl.String})


def same_cccd_pairs(shared: pl.DataFrame, district_ids: set[int] | list[int]) -> pl.DataFrame:
    """(a, b), a < b, sharing a CCCD, where ``a`` is one of ``district_ids``' residents (b anywhere)."""
    left = shared.rename({"resident_id": "a"})
    right = shared.rename({"resident_id": "b"})
    return (
        left.filter(pl.col("a").is_in(list(district_ids)))
        .join(right, on="cccd")
        .filter(pl.col("a") < pl.col("b"))
        .select("a", "b")
    )


# ---------------------------------------------------------------------------------------------- detecting


def district_findings(
    connection: Connection,
    district_id: int,
    rules: dict[str, Rule],
    today: dt.date,
    neighbours: set[tuple[int, int]],
    shared: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, int]:
    """All findings of one district as rows ready for ``cleaning_item`` (``ITEM_COLUMNS``)."""
    frame = load_residents(connection, today, district_id=district_id)
    frame = resolve_addresses(frame)
    rows = detect_row_rules(frame, rules, today).join(
        frame.select("resident_id", "ward_id", "district_id"), on="resident_id"
    )
    severity = {rule_id: rule.severity for rule_id, rule in rules.items()}
    items = rows.select(
        pl.format("{}:{}", "rule_id", "resident_id").alias("fingerprint"),
        "rule_id",
        "resident_id",
        pl.lit(None, dtype=pl.Int64).alias("other_resident_id"),
        "ward_id",
        "district_id",
        pl.col("rule_id").replace_strict(severity, return_dtype=pl.Int32).alias("priority"),
        pl.lit(None, dtype=pl.Float64).alias("score"),
        "details",
    )
    duplicate_rule = rules.get(DUPLICATE_RULE)
    if duplicate_rule is not None and duplicate_rule.enabled:
        if shared is None:
            shared = shared_cccd_residents(connection)
        pairs = _duplicate_pairs(connection, frame, duplicate_rule, today, neighbours, shared)
        dup_items = pairs.join(
            frame.select("resident_id", "ward_id", "district_id"), on="resident_id"
        ).select(
            pl.format("duplicate:{}:{}", "resident_id", "other_resident_id").alias("fingerprint"),
            pl.lit(DUPLICATE_RULE).alias("rule_id"),
            "resident_id",
            "other_resident_id",
            "ward_id",
            "district_id",
            pl.lit(duplicate_rule.severity, dtype=pl.Int32).alias("priority"),
            "score",
            "details",
        )
        items = pl.concat([items, dup_items])
    return items, frame.height


def _duplicate_pairs(connection, frame, rule: Rule, today, neighbours, shared: pl.DataFrame) -> pl.DataFrame:
    in_district = set(frame.get_column("resident_id").to_list())
    same = same_cccd_pairs(shared, in_district)
    outside = sorted(set(same.get_column("b").to_list()) - in_district)
    people = frame.select("resident_id", "cccd", "bhxh_code", "full_name", "sex", "date_of_birth", "ward_id")
    if outside:
        extra = load_residents(connection, today, resident_ids=outside).select(people.columns)
        people = pl.concat([people, extra])
    pairs = score_pairs(people, neighbours, float(rule.param("threshold", 0.85)), same)
    # An item belongs to the district of its lower resident id: each pair is raised exactly once.
    return pairs.filter(pl.col("resident_id").is_in(in_district)).cast(PAIR_SCHEMA)


# ---------------------------------------------------------------------------------------------- syncing


def sync_district(
    connection: Connection, district_id: int, found: pl.DataFrame, rule_ids: list[str], now: dt.datetime
) -> tuple[int, int, int, int]:
    """Make the district's items of ``rule_ids`` match ``found``: (opened, reopened, updated, closed)."""
    table = CleaningItem.__table__
    existing = pl.DataFrame(
        connection.execute(
            select(
                table.c.id,
                table.c.fingerprint,
                table.c.status,
                table.c.details,
                table.c.score,
                table.c.version,
            ).where(table.c.district_id == district_id, table.c.rule_id.in_(rule_ids))
        ).all(),
        schema={
            "id": pl.Int64,
            "fingerprint": pl.String,
            "status": pl.String,
            "old_details": pl.Object,
            "old_score": pl.Float64,
            "version": pl.Int64,
        },
        orient="row",
    )
    found = found.unique("fingerprint", keep="first")
    merged = found.join(existing, on="fingerprint", how="full", coalesce=True)

    new = merged.filter(pl.col("id").is_null())
    if new.height:
        _insert_items(connection, new.select(ITEM_COLUMNS), now)

    seen = merged.filter(pl.col("id").is_not_null() & pl.col("rule_id").is_not_null())
    reopen = seen.filter(pl.col("status") == CleaningStatus.RESOLVED)
    if reopen.height:
        _bulk_update(
            connection,
            reopen,
            {
                "status": CleaningStatus.OPEN.value,
                "closed_at": None,
                "closed_by_id": None,
                "resolution": None,
                "last_seen_at": now,
            },
            with_details=True,
        )
        _events(connection, reopen["id"].to_list(), "reopened", now)

    still_open = seen.filter(pl.col("status") == CleaningStatus.OPEN)
    changed_ids = [
        row["id"]
        for row in still_open.select("id", "details", "old_details", "score", "old_score").iter_rows(
            named=True
        )
        if _details_changed(row)
    ]
    if changed_ids:
        _bulk_update(
            connection,
            still_open.filter(pl.col("id").is_in(changed_ids)),
            {"last_seen_at": now},
            with_details=True,
        )

    gone = merged.filter(pl.col("rule_id").is_null() & (pl.col("status") == CleaningStatus.OPEN))
    if gone.height:
        _bulk_update(
            connection,
            gone,
            {"status": CleaningStatus.RESOLVED.value, "closed_at": now, "resolution": AUTO_FIXED},
        )
        _events(connection, gone["id"].to_list(), "auto_closed", now)
    return new.height, reopen.height, len(changed_ids), gone.height


def _details_changed(row: dict) -> bool:
    old = row["old_details"]
    new = json.loads(row["details"]) if row["details"] else None
    if isinstance(old, str):
        old = json.loads(old)
    if old != new:
        return True
    old_score, score = row["old_score"], row["score"]
    return (old_score is None) != (score is None) or (score is not None and abs(old_score - score) > 1e-6)


def _insert_items(connection: Connection, rows: pl.DataFrame, now: dt.datetime) -> None:
    """New items: ``COPY … FROM STDIN`` on PostgreSQL (tens of thousands per district on a first
    scan), SQLAlchemy executemany on SQLite. Either way inside the district's transaction."""
    if connection.dialect.name == "postgresql":
        frame = rows.with_columns(
            status=pl.lit(CleaningStatus.OPEN.value),
            opened_at=pl.lit(now).cast(pl.Datetime("us", "UTC")),
            last_seen_at=pl.lit(now).cast(pl.Datetime("us", "UTC")),
            version=pl.lit(1, dtype=pl.Int32),
        )
        columns = ", ".join(frame.columns)
        raw = connection.connection.driver_connection
        statement = f"COPY cleaning_item ({columns}) FROM STDIN (FORMAT csv)"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            copy.write(
                frame.write_csv(include_header=False, datetime_format="%Y-%m-%dT%H:%M:%S%.f%z").encode()
            )
        return
    records = [
        {
            **row,
            "details": json.loads(row["details"]) if row["details"] else None,
            "status": CleaningStatus.OPEN.value,
            "opened_at": now,
            "last_seen_at": now,
            "version": 1,
        }
        for row in rows.iter_rows(named=True)
    ]
    for start in range(0, len(records), 5000):
        connection.execute(insert(CleaningItem.__table__), records[start : start + 5000])


def _bulk_update(
    connection: Connection, rows: pl.DataFrame, values: dict, with_details: bool = False
) -> None:
    """Update items by id with an optimistic version check (a concurrent user action wins)."""
    table = CleaningItem.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("_id"), table.c.version == bindparam("_version"))
        .values(**{k: bindparam(f"_v_{k}") for k in values}, version=table.c.version + 1)
    )
    if with_details:
        statement = statement.values(details=bindparam("_details"), score=bindparam("_score"))
    params = []
    for row in rows.iter_rows(named=True):
        param = {"_id": row["id"], "_version": row["version"], **{f"_v_{k}": v for k, v in values.items()}}
        if with_details:
            param["_details"] = json.loads(row["details"]) if row["details"] else None
            param["_score"] = row["score"]
        params.append(param)
    for start in range(0, len(params), 5000):
        connection.execute(statement, params[start : start + 5000])


def _events(connection: Connection, item_ids: list[int], action: str, now: dt.datetime) -> None:
    rows = [{"item_id": item_id, "action": action, "at": now, "actor_id": None} for item_id in item_ids]
    for start in range(0, len(rows), 5000):
        connection.execute(insert(CleaningItemEvent.__table__), rows[start : start + 5000])


def update_standardised(
    connection: Connection, district_id: int, rule_ids: list[str], today: dt.date
) -> None:
    """Set/clear ``health_record.standardised_on`` from the open items of standardisation rules."""
    if not rule_ids:
        return
    open_item = exists().where(
        CleaningItem.resident_id == HealthRecord.resident_id,
        CleaningItem.status == CleaningStatus.OPEN,
        CleaningItem.rule_id.in_(rule_ids),
    )
    connection.execute(
        update(HealthRecord)
        .where(HealthRecord.district_id == district_id, HealthRecord.standardised_on.is_not(None), open_item)
        .values(standardised_on=None)
    )
    connection.execute(
        update(HealthRecord)
        .where(HealthRecord.district_id == district_id, HealthRecord.standardised_on.is_(None), ~open_item)
        .values(standardised_on=today)
    )


def standardised_clause():
    """SQL condition "this health record passes the standardisation rules" (for KPI queries)."""
    return HealthRecord.standardised_on.is_not(None)


# ---------------------------------------------------------------------------------------------- driver


def districts_to_scan(connection: Connection, district_code: str | None) -> list[tuple[int, str]]:
    query = select(OrgUnit.id, OrgUnit.name).where(OrgUnit.level == OrgLevel.DISTRICT).order_by(OrgUnit.code)
    if district_code is not None:
        query = query.where(or_(OrgUnit.code == district_code, OrgUnit.code == district_code.zfill(3)))
    return [tuple(row) for row in connection.execute(query)]


ProgressFn = Callable[[int, int, DistrictResult], None]
SCANNED_TABLES = ("resident", "health_record", "admin_change_event", "cleaning_item")


def ensure_statistics(engine: Engine) -> list[str]:
    """PostgreSQL: ANALYZE the scanned tables that were never analysed (e.g. right after a bulk load).

    Without statistics the planner picks nested loops for the per-district reads and the standardised
    updates (seconds per district at full scale); one sampled ANALYZE costs a few seconds.
    """
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as connection:
        never = [
            name
            for (name,) in connection.exec_driver_sql(
                "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%(names)s) "
                "AND last_analyze IS NULL AND last_autoanalyze IS NULL",
                {"names": list(SCANNED_TABLES)},
            )
        ]
    if never:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"ANALYZE {', '.join(never)}")
    return never


def run_scan(
    engine: Engine,
    district_code: str | None = None,
    today: dt.date | None = None,
    progress: ProgressFn | None = None,
    update_standardised_on: bool = True,
) -> ScanReport:
    """Scan the city (or one district). Each district commits on its own: a crash loses one district."""
    started = time.perf_counter()
    today = today or dt.date.today()
    rules = ensure_rules(engine)
    ensure_statistics(engine)
    scanned = [r for r in (*ROW_RULES, DUPLICATE_RULE) if r in rules and rules[r].enabled]
    standardisation = [r for r in scanned if rules[r].standardisation]
    report = ScanReport(by_rule=dict.fromkeys(scanned, 0))
    with engine.connect() as connection:
        districts = districts_to_scan(connection, district_code)
        neighbours_km = (
            float(rules[DUPLICATE_RULE].param("neighbour_km", 2.5)) if DUPLICATE_RULE in rules else 2.5
        )
        neighbours = neighbour_pairs(load_wards(connection), max_km=neighbours_km)
        shared = shared_cccd_residents(connection)
    if district_code is not None and not districts:
        raise LookupError(f"no district with code {district_code!r}")
    for index, (district_id, district_name) in enumerate(districts, start=1):
        district_started = time.perf_counter()
        result = DistrictResult(district_id, district_name)
        with engine.begin() as connection:
            found, result.residents = district_findings(
                connection, district_id, rules, today, neighbours, shared
            )
            now = utcnow()
            result.opened, result.reopened, result.updated, result.closed = sync_district(
                connection, district_id, found, scanned, now
            )
            if update_standardised_on:
                update_standardised(connection, district_id, standardisation, today)
        result.findings = found.height
        for rule_id, count in found.group_by("rule_id").len().iter_rows():
            report.by_rule[rule_id] = report.by_rule.get(rule_id, 0) + count
        result.seconds = time.perf_counter() - district_started
        report.districts.append(result)
        if progress:
            progress(index, len(districts), result)
    report.seconds = time.perf_counter() - started
    return report
