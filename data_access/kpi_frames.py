"""Refresh of the big KPI sources in polars: ONE narrow read per source table, aggregation in memory.

Why not ``INSERT … SELECT`` like the small sources (``kpi_facts``): on SQLite the resident ⟕ record join
plus a per-row fan-out over ~20 interval edges costs minutes at city scale, and the "pre-history"
(residents living in Hanoi since 1983) produced a fact row per ward for every day of forty years.
Here each source table is streamed once through ADBC (narrow integer/date columns only, in record
batches so string dates never pile up), the resident ⟕ record join is a polars hash join, and every
interval edge becomes a (measure, ward, facility, day) group-by on compact frames. Days before
``HISTORY_START`` are folded onto it: the facts are exact for every day from then on, which is all the
dashboard shows ("every day since July 2023"). Facts and current totals are written with ADBC bulk
ingest (COPY on PostgreSQL) in one transaction per source.

The semantics are those of ``kpis/measures.py`` — the same as the SQL of ``kpi_facts``.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryFile
from typing import IO, Generic, TypeVar

import polars as pl
from sqlalchemy import Connection, Engine, bindparam
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from data_access.bulk import append_frame, sqlite_storage
from data_access.kpi_facts import (
    UNIT_BASE,
    MonthTotals,
    month_totals,
    rebuild_month_facts,
    rebuild_month_totals,
    unpacked_unit,
)
from data_access.models import Base

T = TypeVar("T")

FACT_KEYS = ["measure", "ward_id", "facility_id", "district_id", "facility_type"]
FACT_ORDER = ["measure", "day", "ward_id", "facility_id"]  # kpi_daily_fact's primary key
FACT_SCHEMA = {
    "measure": pl.String,
    "ward_id": pl.Int32,
    "facility_id": pl.Int32,
    "day": pl.Date,
    "district_id": pl.Int32,
    "facility_type": pl.String,
    "delta": pl.Int64,
}
TOTAL_SCHEMA = {k: v for k, v in FACT_SCHEMA.items() if k not in ("day", "delta")} | {"value": pl.Int64}


def history_start(epoch: dt.date) -> dt.date:
    """The first day the facts are exact for: the day before the epoch carries all earlier history."""
    return epoch - dt.timedelta(days=1)


@dataclass(frozen=True)
class RefreshDays:
    """The days one refresh works with: the history's start, the day it refreshes for, the day of the
    current totals it moves (None: they are rebuilt) and what it does to the month-end totals."""

    epoch: dt.date
    today: dt.date
    totals_day: dt.date | None
    months: MonthTotals

    def as_json(self) -> dict:
        """For a child process (``from_json``)."""
        return {name: getattr(self, name) and getattr(self, name).isoformat() for name in _DAY_FIELDS} | {
            "months": [day and day.isoformat() for day in (self.months.stored, self.months.through)]
        }

    @classmethod
    def from_json(cls, data: dict) -> RefreshDays:
        def day(text: str | None) -> dt.date | None:
            return dt.date.fromisoformat(text) if text else None

        stored, through = data["months"]
        return cls(
            **{name: day(data[name]) for name in _DAY_FIELDS}, months=MonthTotals(day(stored), day(through))
        )


_DAY_FIELDS = ("epoch", "today", "totals_day")


# ---------------------------------------------------------------------------------------------------
# Two ways to talk to the database: ADBC for the whole-table reads and writes of a full refresh (Arrow
# batches, bulk ingest / COPY), SQLAlchemy for the small reads and writes of an incremental one (no
# child process, no second driver).


def adbc_connect(engine: Engine, autocommit: bool = False):
    url = engine.url
    if url.get_backend_name() == "sqlite":
        import adbc_driver_sqlite.dbapi as driver

        return driver.connect(url.database, autocommit=autocommit)
    import adbc_driver_postgresql.dbapi as driver

    return driver.connect(
        url.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=autocommit
    )


UNIX_JULIAN_DAY = 2440587.5  # SQLite's julianday('1970-01-01')

# How long a whole-table refresh waits for SQLite's write lock: the other refresh lane's write of
# millions of facts (seconds at city scale) or an app writer may hold it.
WRITE_WAIT_MS = 300_000


@dataclass(frozen=True)
class Query:
    sql: str
    dates: Sequence[str]
    schema: dict[str, pl.DataType]


class Reader:
    """Dialect-aware narrow reads and bulk writes inside one transaction (ADBC).

    With ``engine`` given, ``frames`` reads several tables at once on extra connections that see the
    same snapshot as this one (the machine's second core is otherwise idle during a full refresh).
    PostgreSQL shares the snapshot itself. SQLite cannot, so there ``hold_writers`` must be called
    before this transaction's first read: writers then wait until the extra readers have started.
    """

    def __init__(self, connection, sqlite: bool, engine: Engine | None = None) -> None:
        self.connection = connection
        self.sqlite = sqlite
        self.engine = engine
        self._guard = None

    def hold_writers(self) -> None:
        """SQLite: take the write lock (in a guard connection) so no commit lands until ``frames`` has
        fixed the extra readers' snapshots on the same last commit as this connection's."""
        if self.sqlite and self.engine is not None and self._guard is None:
            guard = adbc_connect(self.engine, autocommit=True)
            _run(guard, f"PRAGMA busy_timeout = {WRITE_WAIT_MS}")
            _run(guard, "BEGIN IMMEDIATE")
            self._guard = guard

    def release_writers(self) -> None:
        if self._guard is not None:
            guard, self._guard = self._guard, None
            try:
                _run(guard, "ROLLBACK")
            finally:
                guard.close()

    def date(self, column: str, alias: str | None = None) -> str:
        """``column`` (a date) selected as ``alias``. SQLite stores dates as ISO text; they are read as
        day numbers (days since 1970-01-01, as polars stores dates): 9 M records' eight dates come in
        7.5 s instead of 8.7 s as text, with 2 s less CPU (ADBC builds no strings, polars parses none).
        A value SQLite cannot read as a date is NULL, as it was when parsed here."""
        alias = alias or column.split(".")[-1]
        if not self.sqlite:
            return f"{column} AS {alias}"
        return f"CAST(julianday({column}) - {UNIX_JULIAN_DAY} AS INTEGER) AS {alias}"

    def lit_date(self, day: dt.date) -> str:
        return f"'{day.isoformat()}'" if self.sqlite else f"DATE '{day.isoformat()}'"

    def frame(self, sql: str, dates: Sequence[str], schema: dict[str, pl.DataType]) -> pl.DataFrame:
        return _adbc_frame(self.connection, Query(sql, dates, schema), sqlite=self.sqlite)

    def frames(self, queries: Sequence[Query]) -> list[pl.DataFrame]:
        """The queries' results, all from this transaction's snapshot."""
        if self.engine is None or len(queries) < 2 or (self.sqlite and self._guard is None):
            return [self.frame(q.sql, q.dates, q.schema) for q in queries]
        return _snapshot_frames(self, queries)

    def execute(self, sql: str) -> None:
        _run(self.connection, sql)

    def ingest(self, table: str, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        cursor = self.connection.cursor()
        try:
            cursor.adbc_ingest(
                table, (sqlite_storage(frame) if self.sqlite else frame).to_arrow(), mode="append"
            )
        finally:
            cursor.close()


class SqlReader(Reader):
    """The same interface over a SQLAlchemy connection (the caller's transaction): for small volumes."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection, connection.dialect.name == "sqlite")

    def frame(self, sql: str, dates: Sequence[str], schema: dict[str, pl.DataType]) -> pl.DataFrame:
        result = self.connection.exec_driver_sql(sql)
        names = list(result.keys())
        rows = result.all()
        if not rows:
            return pl.DataFrame(schema=schema)
        raw = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
        return _typed(raw, dates, schema)

    def execute(self, sql: str) -> None:
        self.connection.exec_driver_sql(sql)

    def ingest(self, table: str, frame: pl.DataFrame) -> None:
        append_frame(self.connection, table, frame)


# The ADBC SQLite driver's default of 1,024 rows per batch makes the per-batch conversion cost more
# than the read itself (9 M records: 13.4 s; with 131,072 rows per batch: 6.6 s).
SQLITE_BATCH_ROWS = 131_072


def _adbc_frame(
    connection, query: Query, started: Callable[[], None] | None = None, *, sqlite: bool
) -> pl.DataFrame:
    """One query read in Arrow batches; ``started`` is called once the first batch is in (from then
    on the read's snapshot is fixed)."""
    cursor = connection.cursor()
    try:
        if sqlite:
            cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(SQLITE_BATCH_ROWS)})
        cursor.execute(query.sql)
        parts = []
        for batch in cursor.fetch_record_batch():
            if started is not None and not parts:
                started()
            part = pl.from_arrow(batch)
            if isinstance(part, pl.Series):  # pragma: no cover - a one-column batch
                part = part.to_frame()
            parts.append(_typed(part, query.dates, query.schema))
    finally:
        cursor.close()
    if not parts:
        return pl.DataFrame(schema=query.schema)
    return pl.concat(parts, how="vertical")


def _snapshot_frames(reader: Reader, queries: Sequence[Query]) -> list[pl.DataFrame]:
    """Each query on its own connection, in its own thread, all seeing ``reader``'s snapshot.

    PostgreSQL: the REPEATABLE READ snapshot is exported and imported by the readers. SQLite (WAL):
    ``reader.hold_writers`` keeps every commit out; once each reader has its first batch (its snapshot
    is then fixed, on the same last commit as ``reader``'s) the writers are let go.
    """
    import threading
    from concurrent.futures import ThreadPoolExecutor

    engine = reader.engine
    assert engine is not None
    snapshot = None
    if not reader.sqlite:
        snapshot = reader.frame("SELECT pg_export_snapshot() AS id", (), {"id": pl.String})["id"][0]
    first_batches = [threading.Event() for _ in queries]

    def read(query: Query, first_batch: threading.Event) -> pl.DataFrame:
        try:
            connection = adbc_connect(engine)
            try:
                if snapshot is not None:
                    _run(connection, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    _run(connection, f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                return _adbc_frame(connection, query, first_batch.set, sqlite=reader.sqlite)
            finally:
                connection.rollback()
                connection.close()
        finally:
            first_batch.set()  # an empty result or an error: nothing left to wait for

    with ThreadPoolExecutor(max_workers=len(queries)) as pool:
        futures = [pool.submit(read, q, first) for q, first in zip(queries, first_batches, strict=True)]
        if reader.sqlite:
            for first in first_batches:
                first.wait()
            reader.release_writers()
        return [f.result() for f in futures]


def _run(connection, sql: str) -> None:
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def _typed(part: pl.DataFrame, dates: Sequence[str], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    columns = []
    for name, dtype in schema.items():
        col = pl.col(name)
        if name in dates and part.schema[name].is_integer():  # day numbers (``Reader.date``)
            columns.append(col.cast(pl.Int32).cast(pl.Date).alias(name))
        elif name in dates and part.schema[name] == pl.Null:
            columns.append(pl.lit(None, pl.Date).alias(name))
        else:
            columns.append(col.cast(dtype, strict=False).alias(name))
    return part.select(columns)


# ---------------------------------------------------------------------------------------------------
# Interval edges → increments


def later(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """max(a, b); NULL when either is missing ("not happened yet")."""
    return pl.when(a.is_null() | b.is_null()).then(None).otherwise(pl.max_horizontal(a, b))


def earlier_end(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """min(a, b) of two interval ends where NULL means open-ended."""
    return pl.when(a.is_null()).then(b).when(b.is_null()).then(a).otherwise(pl.min_horizontal(a, b))


@dataclass(frozen=True)
class Edge:
    """``measure`` counts the row on days in [start, end) (``end`` None = open); ``cond`` filters rows.

    With ``weight`` set it is a point: the row adds ``weight`` on ``start`` and it stays.
    """

    measure: str
    start: pl.Expr
    end: pl.Expr | None = None
    cond: pl.Expr | None = None
    weight: pl.Expr | None = None


def measure_increments(
    rows: pl.LazyFrame,
    edges: Sequence[Edge],
    since: dt.date | None,
    first_day: dt.date,
    sign: pl.Expr | None = None,
) -> Iterator[pl.DataFrame]:
    """(measure, ward, facility, day, district, type, delta) summed per key, zero sums dropped: one
    frame per measure that has any, in key order (measures by name, then day, ward, facility), so
    that a writer can store each measure while the next one is computed (``all_parts``: all in one
    frame).

    ``rows`` has ward_id, district_id and whatever the edges read, plus facility_id and facility_type
    for facility-level rows (without them every row counts at ward level: facility 0, type "").
    ``sign`` (+1/-1 per row) turns before/after images of changed rows into the change of the facts.
    """
    ward_level = "facility_id" not in rows.collect_schema().names()
    if ward_level:
        rows = rows.with_columns(pl.lit(0, pl.Int32).alias("facility_id"))
    # One integer group key instead of three (and no constant type string): the population's ~20
    # group-bys over 9 M rows take half the time.
    keys = ["unit"] if ward_level else ["unit", "facility_type"]
    rows = rows.with_columns(_packed_unit(rows))
    for measure in sorted({edge.measure for edge in edges}):
        parts = [
            part
            for edge in edges
            if edge.measure == measure
            for part in _edge_increments(rows, edge, keys, since, first_day, sign)
        ]
        facts = (
            pl.concat(parts, how="vertical_relaxed")
            .group_by([*keys, "day"])
            .agg(pl.col("delta").sum())
            .filter(pl.col("delta") != 0)
            .with_columns(pl.lit(measure, pl.String).alias("measure"), *_unpacked_unit(ward_level))
            .select([pl.col(name).cast(dtype) for name, dtype in FACT_SCHEMA.items()])
            .sort(["day", "ward_id", "facility_id"])
            .collect()
        )
        if facts.height:
            yield facts


def _edge_increments(
    rows: pl.LazyFrame,
    edge: Edge,
    keys: list[str],
    since: dt.date | None,
    first_day: dt.date,
    sign: pl.Expr | None,
) -> list[pl.LazyFrame]:
    """The (keys, day, delta) sums of one edge: its start and, for an interval, its end."""
    valid = edge.start.is_not_null()
    if edge.cond is not None:
        valid = valid & edge.cond.fill_null(False)
    if edge.end is not None:
        valid = valid & (edge.end.is_null() | (edge.start < edge.end)).fill_null(False)
    sides = [(edge.start, edge.weight if edge.weight is not None else pl.lit(1, pl.Int64), valid)]
    if edge.end is not None:
        sides.append((edge.end, pl.lit(-1, pl.Int64), valid & edge.end.is_not_null()))
    parts = []
    for day, delta, ok in sides:
        day = pl.max_horizontal(day, pl.lit(first_day, pl.Date))  # pre-history folds onto day one
        delta = delta.cast(pl.Int64) if sign is None else delta.cast(pl.Int64) * sign.cast(pl.Int64)
        part = rows.filter(ok).select(*keys, day.alias("day"), delta.alias("delta"))
        if since is not None:
            part = part.filter(pl.col("day") >= pl.lit(since, pl.Date))
        parts.append(part.group_by([*keys, "day"]).agg(pl.col("delta").sum()))
    return parts


def _packed_unit(rows: pl.LazyFrame) -> pl.Expr:
    """The packed ``unit`` column (``UNIT_BASE``); ids out of range are refused here rather than mixed
    up silently."""
    ids = ("ward_id", "facility_id", "district_id")
    bounds = rows.select(
        *(pl.col(name).min().alias(f"min_{name}") for name in ids),
        *(pl.col(name).max().alias(f"max_{name}") for name in ids),
    ).collect()
    for name in ids:
        low, high = bounds[f"min_{name}"][0], bounds[f"max_{name}"][0]
        if low is not None and (low < 0 or high >= UNIT_BASE):
            raise ValueError(f"{name} outside 0..{UNIT_BASE - 1}: {low}..{high}")
    as_int = [pl.col(name).cast(pl.Int64) for name in ids]
    return ((as_int[2] * UNIT_BASE + as_int[1]) * UNIT_BASE + as_int[0]).alias("unit")


def _unpacked_unit(ward_level: bool) -> list[pl.Expr]:
    columns = unpacked_unit(pl.col("unit"))
    return [*columns, pl.lit("", pl.String).alias("facility_type")] if ward_level else columns


# ---------------------------------------------------------------------------------------------------
# Sources


RECORD_DATES = ("created", "standardised", "verified", "vneid", "linked", "vaccination", "checked", "closed")
# ``kpi_population_change`` stores the same image under the tables' own column names.
LOG_COLUMNS = {
    "resident_since": "s",
    "resident_until": "u",
    "created_on": "created",
    "standardised_on": "standardised",
    "verified_on": "verified",
    "vneid_shared_on": "vneid",
    "bhyt_linked_on": "linked",
    "vaccination_loaded_on": "vaccination",
    "last_health_check_on": "checked",
    "closed_on": "closed",
}
POPULATION_LOG = "kpi_population_change"


def population_edges() -> tuple[Edge, ...]:
    """resident ⟕ health_record rows (columns s, u, insured and RECORD_DATES) → the measures' intervals."""
    c = pl.col
    s, u, created, closed = c("s"), c("u"), c("created"), c("closed")
    check_end = c("checked") + pl.duration(days=365)
    return (
        Edge("residents", s, u),
        Edge("residents_with_record", later(s, created), u),
        Edge("residents_vaccination_loaded", later(s, c("vaccination")), u),
        Edge("residents_health_check_12m", later(s, c("checked")), earlier_end(u, check_end)),
        Edge("records", created, closed),
        Edge("records_standardised", later(created, c("standardised")), closed),
        Edge("records_verified", later(created, c("verified")), closed),
        Edge("records_vneid_shared", later(created, c("vneid")), closed),
        Edge("records_insured", created, closed, c("insured")),
        Edge("records_insured_linked", later(created, c("linked")), closed, c("insured")),
    )


def population(reader: Reader, since: dt.date | None, epoch: dt.date) -> Iterator[pl.DataFrame]:
    return measure_increments(population_rows(reader), population_edges(), since, history_start(epoch))


def population_rows(reader: Reader) -> pl.LazyFrame:
    """resident ⟕ health_record (merged resident rows excluded); both tables are read concurrently,
    each in ``READ_RANGES`` id ranges."""
    d = reader.date
    verified = "CASE WHEN verification_status = 'verified' THEN verified_on END"
    record_dates = (
        "created_on", "standardised_on", verified, "vneid_shared_on", "bhyt_linked_on",
        "vaccination_loaded_on", "last_health_check_on", "closed_on",
    )  # fmt: skip
    resident_schema = {
        "id": pl.Int64,
        "ward_id": pl.Int32,
        "district_id": pl.Int32,
        "s": pl.Date,
        "u": pl.Date,
        "insured": pl.Boolean,
    }
    residents = [
        Query(
            "SELECT id, ward_id, district_id, "
            f"{d('resident_since', 's')}, {d('resident_until', 'u')}, "
            "CASE WHEN bhyt_card IS NOT NULL AND bhyt_card <> '' THEN 1 ELSE 0 END AS insured "
            f"FROM resident WHERE coalesce(merged_into_id, 0) = 0 AND {in_range}",
            ("s", "u"),
            resident_schema,
        )
        for in_range in _id_ranges(reader, "resident")
    ]
    records = [
        Query(
            "SELECT resident_id AS id, "
            + ", ".join(d(col, alias) for col, alias in zip(record_dates, RECORD_DATES, strict=True))
            + f" FROM health_record WHERE {in_range}",
            RECORD_DATES,
            {"id": pl.Int64, **{c: pl.Date for c in RECORD_DATES}},
        )
        for in_range in _id_ranges(reader, "health_record")
    ]
    frames = reader.frames([*residents, *records])
    # Joined once, eagerly: a lazy join under the ~20 edge group-bys is evaluated once per edge. Read
    # in rowid order, both are usually sorted by resident id: then polars merges instead of hashing.
    resident_rows, record_rows = (
        _sorted_flag(pl.concat(parts), "id") for parts in (frames[: len(residents)], frames[len(residents) :])
    )
    del frames
    return resident_rows.join(record_rows, on="id", how="left").lazy()


# Each big table is read as this many id ranges at once, one connection each: the two cores are then
# busy to the end of the read. SQLite, city scale: resident and health_record in 6.9 s instead of 9.1 s.
READ_RANGES = 2


def _id_ranges(reader: Reader, table: str) -> list[str]:
    """``READ_RANGES`` conditions on ``table.id`` that together hold every row (the last range is
    open-ended), each about as many ids wide."""
    bounds = reader.frame(  # two subqueries: SQLite reads min() or max() alone from the index's ends
        f"SELECT (SELECT min(id) FROM {table}) AS low, (SELECT max(id) FROM {table}) AS high",
        (),
        {"low": pl.Int64, "high": pl.Int64},
    ).row(0)
    if bounds[0] is None:
        return ["1 = 1"]
    low, high = bounds
    cuts = [low - 1 + (high - low + 1) * k // READ_RANGES for k in range(1, READ_RANGES)]
    edges = [None, *sorted(set(cuts)), None]
    return [
        " AND ".join(([f"id > {lo}"] if lo is not None else []) + ([f"id <= {hi}"] if hi is not None else []))
        or "1 = 1"
        for lo, hi in itertools.pairwise(edges)
    ]


def _sorted_flag(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """``frame`` with ``column`` flagged as sorted when it is (checked: one pass over the column)."""
    return frame.with_columns(pl.col(column).set_sorted()) if frame[column].is_sorted() else frame


def population_changes(reader: Reader, through_id: int, epoch: dt.date) -> pl.DataFrame:
    """The change of the population facts recorded by the triggers in log rows up to ``through_id``."""
    d = reader.date
    images = reader.frame(
        "SELECT sign, ward_id, district_id, "
        + ", ".join(d(column, alias) for column, alias in LOG_COLUMNS.items())
        + ", CASE WHEN insured THEN 1 ELSE 0 END AS insured "
        + f"FROM {POPULATION_LOG} WHERE id <= {int(through_id)}",
        ("s", "u", *RECORD_DATES),
        {
            "sign": pl.Int64,
            "ward_id": pl.Int32,
            "district_id": pl.Int32,
            **{alias: pl.Date for alias in LOG_COLUMNS.values()},
            "insured": pl.Boolean,
        },
    )
    edges = population_edges()
    return all_parts(
        measure_increments(images.lazy(), edges, None, history_start(epoch), sign=pl.col("sign"))
    )


def _facilities(reader: Reader) -> pl.DataFrame:
    return reader.frame(
        "SELECT id AS facility_id, ward_id, district_id, facility_type, "
        "CASE WHEN is_licensed THEN 1 ELSE 0 END AS licensed, "
        f"{reader.date('first_data_sent_on', 'first_sent')} "
        "FROM facility",
        ("first_sent",),
        {
            "facility_id": pl.Int32,
            "ward_id": pl.Int32,
            "district_id": pl.Int32,
            "facility_type": pl.String,
            "licensed": pl.Boolean,
            "first_sent": pl.Date,
        },
    )


# Reporting runs look 30 days back and ahead: reading one more day than that before ``since`` is
# exact for every output day >= since (an older previous submission is > 30 days away either way).
RUN_DAYS = 30


def submission(reader: Reader, since: dt.date | None, epoch: dt.date) -> Iterator[pl.DataFrame]:
    """facility_daily_submission (one row per facility per day, kept per facility — not exploded)."""
    where = ""
    if since is not None:
        where = f" WHERE day >= {reader.lit_date(since - dt.timedelta(days=RUN_DAYS + 1))}"
    days = reader.frame(
        f"SELECT facility_id, {reader.date('day')}, received, accepted FROM facility_daily_submission{where}",
        ("day",),
        {"facility_id": pl.Int32, "day": pl.Date, "received": pl.Int64, "accepted": pl.Int64},
    )
    rows = days.join(_facilities(reader), on="facility_id", how="inner").lazy()  # joined once
    c = pl.col
    counts = measure_increments(
        rows,
        (
            Edge("submissions_received", c("day"), weight=c("received")),
            Edge("submissions_accepted", c("day"), weight=c("accepted")),
        ),
        since,
        history_start(epoch),
    )
    reporting = (
        rows.filter(
            (c("received") > 0)
            & c("licensed")
            & c("first_sent").is_not_null()
            & (c("day") >= c("first_sent"))
        )
        .sort(["facility_id", "day"])
        .with_columns(
            c("day").shift(1).over("facility_id").alias("prev_day"),
            c("day").shift(-1).over("facility_id").alias("next_day"),
        )
        .collect()  # read by two edges: computed once
        .lazy()
    )
    window = pl.duration(days=RUN_DAYS)
    runs = measure_increments(
        reporting,
        (
            Edge(
                "facility_reporting_30d",
                c("day"),
                weight=pl.lit(1),
                cond=c("prev_day").is_null() | (c("day") > c("prev_day") + window),
            ),
            Edge(
                "facility_reporting_30d",
                c("day") + window,
                weight=pl.lit(-1),
                cond=c("next_day").is_null() | (c("next_day") > c("day") + window),
            ),
        ),
        since,
        history_start(epoch),
    )
    return _in_measure_order(counts, runs)


def admin_event(reader: Reader, since: dt.date | None, epoch: dt.date) -> Iterator[pl.DataFrame]:
    d = reader.date
    # An event's increments end 90 days after it was received: older events change no day >= since.
    where = f" WHERE received_on >= {reader.lit_date(since - dt.timedelta(days=90))}" if since else ""
    events = reader.frame(
        f"SELECT ward_id, district_id, {d('received_on', 'received')}, {d('applied_on', 'applied')} "
        f"FROM admin_change_event{where}",
        ("received", "applied"),
        {"ward_id": pl.Int32, "district_id": pl.Int32, "received": pl.Date, "applied": pl.Date},
    )
    c = pl.col
    window_end = c("received") + pl.duration(days=90)
    edges = (
        Edge("admin_events_received_90d", c("received"), window_end),
        Edge(
            "admin_events_applied_7d",
            later(c("applied"), c("received")),
            window_end,
            c("applied").is_not_null() & (c("applied") <= c("received") + pl.duration(days=7)),
        ),
    )
    return measure_increments(events.lazy(), edges, since, history_start(epoch))


def _in_measure_order(*sources: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    """The parts of several ``measure_increments`` (no measure in two of them) in measure order."""
    return heapq.merge(*sources, key=lambda part: part["measure"][0])


def all_parts(parts: Iterator[pl.DataFrame]) -> pl.DataFrame:
    """The parts of ``measure_increments`` in one frame."""
    return pl.concat([pl.DataFrame(schema=FACT_SCHEMA), *parts])


# Sources that read several tables at once (``Reader.frames``). The others read in one transaction on
# one connection and need not hold the writers off: on SQLite the other refresh lane may be writing.
CONCURRENT_READS = ("population",)

# Each reads its table(s) when called and returns its increments in key order (``FACT_ORDER``), in
# parts a writer can store one by one: one measure at a time, computed as the parts are taken.
FRAME_SOURCES: dict[str, Callable[[Reader, dt.date | None, dt.date], Iterator[pl.DataFrame]]] = {
    "population": population,
    "submission": submission,
    "admin_event": admin_event,
}


# ---------------------------------------------------------------------------------------------------
# Write: facts and current totals of one source, in one transaction


def _in_list(values: Sequence[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _fact_sums(reader: Reader, in_measures: str, first: dt.date, last: dt.date) -> pl.DataFrame:
    """The increments of the measures dated first..last (inclusive), summed per finest unit."""
    day = reader.lit_date
    return reader.frame(
        "SELECT measure, ward_id, facility_id, district_id, facility_type, "
        "CAST(sum(delta) AS BIGINT) AS value "
        f"FROM kpi_daily_fact WHERE day >= {day(first)} AND day <= {day(last)} "
        f"AND measure IN ({in_measures}) "
        "GROUP BY measure, ward_id, facility_id, district_id, facility_type",
        (),
        TOTAL_SCHEMA,
    )


def _summed_through(facts: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """Increments dated up to ``today`` summed per finest unit: their share of today's totals."""
    return (
        facts.filter(pl.col("day") <= pl.lit(today, pl.Date))
        .group_by(FACT_KEYS)
        .agg(pl.col("delta").sum().alias("value"))
        .select([pl.col(k).cast(v) for k, v in TOTAL_SCHEMA.items()])
    )


def _summed_totals(parts: list[pl.DataFrame]) -> pl.DataFrame:
    return (
        pl.concat(parts, how="vertical_relaxed")
        .group_by(FACT_KEYS)
        .agg(pl.col("value").sum())
        .filter(pl.col("value") != 0)
    )


def replace_source_facts(
    reader: Reader,
    measures: Sequence[str],
    new: pl.DataFrame,
    since: dt.date,
    days: RefreshDays,
) -> None:
    """Replace the increments of ``measures`` dated from ``since`` on by ``new``; move the totals.

    The totals move from ``totals_day`` to ``today`` without rescanning the facts: old totals minus the
    replaced increments (days since..totals_day) plus the new ones (days since..today). Without a
    ``totals_day`` the caller rebuilds them.
    """
    today, totals_day, months = days.today, days.totals_day, days.months
    in_measures = _in_list(measures)
    stale = f"DELETE FROM kpi_daily_fact WHERE measure IN ({in_measures}) AND day >= {reader.lit_date(since)}"
    if totals_day is not None:
        old_totals = reader.frame(
            f"SELECT measure, ward_id, facility_id, district_id, facility_type, value "
            f"FROM kpi_current_total WHERE measure IN ({in_measures})",
            (),
            TOTAL_SCHEMA,
        )
        removed = _fact_sums(reader, in_measures, since, totals_day)
        removed = removed.with_columns(-pl.col("value"))
        totals = _summed_totals([old_totals, removed, _summed_through(new, today)])
    reader.execute(stale)
    reader.execute(stale.replace("kpi_daily_fact", "kpi_district_fact"))
    reader.ingest("kpi_daily_fact", in_key_order(new, FACT_ORDER))
    reader.ingest("kpi_district_fact", in_key_order(by_district(new), DISTRICT_KEYS))
    rebuild_month_facts(reader.connection, measures, since)  # its first month also holds earlier days
    rebuild_month_totals(reader.connection, measures, months.first_to_rebuild(since), months.through)
    if totals_day is not None:
        reader.execute(f"DELETE FROM kpi_current_total WHERE measure IN ({in_measures})")
        reader.ingest("kpi_current_total", totals)


def replace_all_facts(
    reader: Reader,
    measures: Sequence[str],
    parts: Iterator[pl.DataFrame],
    today: dt.date,
    months_through: dt.date,
) -> int:
    """Replace every increment of ``measures`` by ``parts`` and rebuild their district and month sums,
    month-end totals (through ``months_through``) and current totals. Returns the number of
    increments written.

    ``parts`` are in key order (``FACT_ORDER``), each part and one after the other. Each part and its
    sums are computed in a worker thread while the previous part is written: a database write is
    single-threaded (city scale, SQLite: 4.7 M population facts take ~5 s to write), so the
    machine's other core computes meanwhile. Every table receives its rows in its key's order: its
    B-tree appends instead of splitting pages at random.
    """
    in_measures = _in_list(measures)
    written = 0
    with ComputedAhead(_with_sums(parts, today, months_through)) as ahead:  # computed from now on
        for table in SUMMED_TABLES:
            reader.execute(f"DELETE FROM {table} WHERE measure IN ({in_measures})")  # may wait for the lock
        for tables in ahead:
            for table, frame in zip(SUMMED_TABLES, tables, strict=True):
                reader.ingest(table, frame)
            written += tables[0].height
    return written


# The tables a full refresh fills from each part of increments, in ``_with_sums``' order.
SUMMED_TABLES = (
    "kpi_daily_fact",
    "kpi_district_fact",
    "kpi_month_fact",
    "kpi_month_total",
    "kpi_current_total",
)


def _with_sums(
    parts: Iterator[pl.DataFrame], today: dt.date, months_through: dt.date
) -> Iterator[tuple[pl.DataFrame, ...]]:
    for facts in parts:
        month_sums = in_key_order(by_month(facts), MONTH_KEYS)
        yield (
            facts,
            in_key_order(by_district(facts), DISTRICT_KEYS),
            month_sums,
            in_key_order(month_totals(month_sums, months_through), MONTH_KEYS),
            _summed_through(facts, today).filter(pl.col("value") != 0),
        )


class ComputedAhead(Generic[T]):
    """Iterates over ``items`` computing the next one in a worker thread while the caller handles the
    current one; the first one is started at once. Use as a context manager (it owns the thread)."""

    def __init__(self, items: Iterator[T]) -> None:
        self._items = items
        self._worker = ThreadPoolExecutor(max_workers=1)
        self._pending = self._worker.submit(next, items, None)

    def __iter__(self) -> Iterator[T]:
        while (item := self._pending.result()) is not None:
            self._pending = self._worker.submit(next, self._items, None)
            yield item

    def __enter__(self) -> ComputedAhead[T]:
        return self

    def __exit__(self, *exc) -> None:
        self._worker.shutdown(cancel_futures=True)


def in_key_order(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """``frame`` sorted by ``keys`` (the first being ``measure``). The measure sorts as an Enum of its
    values in text order: the same order, at the cost of an integer key instead of a string one."""
    names = sorted(frame["measure"].unique().to_list())
    return frame.sort([pl.col("measure").cast(pl.Enum(names)), *keys[1:]])


def refresh_frame_source(
    engine: Engine,
    source: str,
    measures: Sequence[str],
    since: dt.date | None,
    days: RefreshDays,
) -> int:
    """Recompute ``source``'s increments from its table: all days (ADBC), or days >= ``since``.

    A full refresh of the population also empties the trigger log up to the last change its read
    includes: on PostgreSQL the whole refresh is one REPEATABLE READ transaction (the log rows it
    deletes are exactly those its snapshot saw); on SQLite, whose writers are serial so log ids grow
    in commit order, the read and the write are separate transactions and later changes stay logged.
    """
    if since is not None:  # a few days of a table: in this process, in one SQLAlchemy transaction
        with engine.begin() as connection:
            reader = SqlReader(connection)
            new = all_parts(FRAME_SOURCES[source](reader, since, days.epoch))
            replace_source_facts(reader, measures, new, since, days)
        return new.height
    sqlite = engine.dialect.name == "sqlite"
    connection = adbc_connect(engine)
    reader = Reader(connection, sqlite, engine)
    try:
        if not sqlite:
            reader.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        if source in CONCURRENT_READS:
            reader.hold_writers()  # SQLite: until the concurrent reads have their snapshot
        through = _log_high_water(reader) if source == "population" else None
        parts = FRAME_SOURCES[source](reader, None, days.epoch)
        reader.release_writers()
        if sqlite:
            connection.commit()  # end the read; take the write lock only now, waiting for other writers
            reader.execute(f"PRAGMA busy_timeout = {WRITE_WAIT_MS}")
        written = replace_all_facts(reader, measures, parts, days.today, days.months.through)
        if through is not None:
            reader.execute(f"DELETE FROM {POPULATION_LOG} WHERE id <= {through}")
        connection.commit()
        return written
    finally:
        reader.release_writers()
        connection.close()


def _log_high_water(reader: Reader) -> int:
    frame = reader.frame(f"SELECT coalesce(max(id), 0) AS id FROM {POPULATION_LOG}", (), {"id": pl.Int64})
    return int(frame["id"][0])


def apply_population_changes(engine: Engine, measures: Sequence[str], days: RefreshDays) -> int:
    """Incremental refresh of the population: the trigger log's images → additions to facts and totals.

    Exact for any change (back-dated ones too) and its cost follows the number of changed rows. The
    totals move from ``totals_day`` to ``today`` by the facts between the two days (a key range).
    Returns the number of log rows applied.
    """
    epoch, today, totals_day, months = days.epoch, days.today, days.totals_day, days.months
    assert totals_day is not None
    in_measures = _in_list(measures)
    connection = engine.connect()
    if engine.dialect.name == "postgresql":  # delete exactly the log rows the snapshot saw
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
    with connection, connection.begin():
        reader = SqlReader(connection)
        through = _log_high_water(reader)
        changes = population_changes(reader, through, epoch) if through else pl.DataFrame(schema=FACT_SCHEMA)
        lo, hi = sorted((totals_day, today))
        moved = _fact_sums(reader, in_measures, lo + dt.timedelta(days=1), hi)
        if today < totals_day:
            moved = moved.with_columns(-pl.col("value"))
        add_to(connection, "kpi_daily_fact", FACT_ORDER, "delta", changes)
        add_to(connection, "kpi_district_fact", DISTRICT_KEYS, "delta", by_district(changes))
        month_changes = by_month(changes)
        add_to(connection, "kpi_month_fact", MONTH_KEYS, "delta", month_changes)
        if months.stored is not None:  # a change moves its month's end and every later one stored
            moved_ends = month_totals(month_changes, months.stored)
            add_to(connection, "kpi_month_total", MONTH_KEYS, "value", moved_ends)
        rebuild_month_totals(connection, measures, months.first_unstored, months.through)
        add_to(
            connection,
            "kpi_current_total",
            ["measure", "ward_id", "facility_id"],
            "value",
            _summed_totals([moved, _summed_through(changes, today)]),
        )
        if through:
            reader.execute(f"DELETE FROM {POPULATION_LOG} WHERE id <= {through}")
    return through


DISTRICT_KEYS = ["measure", "day", "district_id", "facility_type"]


def by_district(facts: pl.DataFrame) -> pl.DataFrame:
    """Ward/facility-level increments summed per district and facility type (``kpi_district_fact``)."""
    return (
        facts.group_by(DISTRICT_KEYS)
        .agg(pl.col("delta").sum())
        .filter(pl.col("delta") != 0)
        .select(*DISTRICT_KEYS, "delta")
    )


MONTH_KEYS = ["measure", "month", "ward_id", "facility_id"]


def by_month(facts: pl.DataFrame) -> pl.DataFrame:
    """Increments summed per calendar month and finest unit (``kpi_month_fact``)."""
    return (
        facts.group_by(
            pl.col("measure"), pl.col("day").dt.truncate("1mo").alias("month"), "ward_id", "facility_id"
        )
        .agg(pl.col("district_id").first(), pl.col("facility_type").first(), pl.col("delta").sum())
        .filter(pl.col("delta") != 0)
        .select(*MONTH_KEYS, "district_id", "facility_type", "delta")
    )


def add_to(connection: Connection, table_name: str, keys: list[str], value: str, frame: pl.DataFrame) -> None:
    """table[key].value += frame's value for every key (new keys inserted), then drop the zero rows."""
    if frame.height == 0:
        return
    table = Base.metadata.tables[table_name]
    insert = sqlite_insert if connection.dialect.name == "sqlite" else postgresql_insert
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=keys, set_={value: table.c[value] + stmt.excluded[value]}
    )
    rows = frame.to_dicts()
    connection.execute(stmt, rows)
    zero = table.delete().where(*(table.c[k] == bindparam(f"k_{k}") for k in keys), table.c[value] == 0)
    connection.execute(zero, [{f"k_{k}": row[k] for k in keys} for row in rows])


Job = tuple[str, Sequence[str], dt.date | None]  # (source, its measures, since)

# A whole-table refresh of the population (resident ⟕ health_record) takes about as long as all the
# other big sources together: it runs in a lane of its own beside them. Measured at city scale
# (SQLite): these two lanes 25.2-29.1 s; admin events in the population's lane 29.6-36.2 s (they wait
# for the population's write); three lanes 28.2-28.9 s (more contention during the population read).
LANES = (("population",), ("submission", "admin_event"))


def refresh_frame_sources(
    engine: Engine,
    jobs: Sequence[Job],
    days: RefreshDays,
) -> dict[str, tuple[int, float]]:
    """``refresh_frame_source`` for each job → {source: (rows, seconds)}.

    On SQLite the whole-table jobs run in child processes, one per lane (``LANES``), all at once
    (one process for all: 25.4-26.4 s instead of 24.3-24.5 s in an earlier version; starting the
    second lane only once the population's increments were computed: 26-31 s). The ADBC driver
    links its own copy of SQLite; two SQLite libraries in one process cannot see each other's POSIX
    locks, so the ADBC connection's close may checkpoint and truncate the WAL under the app's open
    pysqlite connections ("database disk image is malformed" — seen in the tests). Across processes
    the locks work, and the lanes' writes take SQLite's write lock in turn. On PostgreSQL the jobs
    run here, one after another: the same lanes took longer (39.6 s against 35.6 s), the server's
    work on the two cores being the limit.
    """
    if engine.dialect.name != "sqlite":
        return _timed_refreshes(engine, jobs, days)
    whole = [job for job in jobs if job[2] is None]
    since_jobs = [job for job in jobs if job[2] is not None]
    results = _timed_refreshes(engine, since_jobs, days)
    lanes = [lane for lane in _lanes(whole) if lane]
    # The children write to files: a full pipe would block a child, maybe while it holds the SQLite
    # write lock that the other lane waits for.
    with ExitStack() as files:
        outputs = [
            (files.enter_context(TemporaryFile("w+")), files.enter_context(TemporaryFile("w+")))
            for _ in lanes
        ]
        children = [
            _start_child(engine, lane, days, output) for lane, output in zip(lanes, outputs, strict=True)
        ]
        for child in children:  # every lane ends before a failure is raised: no write left running
            child.wait()
        for lane, child, output in zip(lanes, children, outputs, strict=True):
            results |= _child_results(child, lane, output)
    return results


def _lanes(jobs: Sequence[Job]) -> list[list[Job]]:
    """The jobs in ``LANES`` (in their order there); a source not named there joins the last lane."""
    named = {source for lane in LANES for source in lane}
    lanes = [[job for source in lane for job in jobs if job[0] == source] for lane in LANES]
    lanes[-1] += [job for job in jobs if job[0] not in named]
    return lanes


def _timed_refreshes(engine: Engine, jobs: Sequence[Job], days: RefreshDays) -> dict[str, tuple[int, float]]:
    results = {}
    for source, measures, since in jobs:
        started = time.perf_counter()
        rows = refresh_frame_source(engine, source, measures, since, days)
        results[source] = (rows, time.perf_counter() - started)
    return results


def _start_child(
    engine: Engine,
    jobs: Sequence[Job],
    days: RefreshDays,
    output: tuple[IO[str], IO[str]],
) -> subprocess.Popen:
    args = {
        "url": engine.url.render_as_string(hide_password=False),
        "jobs": [[source, list(measures)] for source, measures, _ in jobs],
        "days": days.as_json(),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "data_access.kpi_frames", json.dumps(args)],
        cwd=Path(__file__).resolve().parents[1],
        stdout=output[0],
        stderr=output[1],
        text=True,
    )


def _child_results(
    child: subprocess.Popen, jobs: Sequence[Job], output: tuple[IO[str], IO[str]]
) -> dict[str, tuple[int, float]]:
    stdout, stderr = output
    stdout.seek(0)
    stderr.seek(0)
    if child.returncode != 0:
        names = ", ".join(source for source, _, _ in jobs)
        raise RuntimeError(f"KPI refresh of {names} failed:\n{stderr.read()[-3000:]}")
    done = json.loads(stdout.read().strip().splitlines()[-1])
    return {source: (rows, seconds) for source, (rows, seconds) in done.items()}


def _main(argv: Sequence[str]) -> None:
    from data_access.engine import make_engine

    args = json.loads(argv[0])
    engine = make_engine(args["url"])
    jobs = [(source, measures, None) for source, measures in args["jobs"]]
    done = _timed_refreshes(engine, jobs, RefreshDays.from_json(args["days"]))
    print(json.dumps(done))


if __name__ == "__main__":
    _main(sys.argv[1:])
