"""The full KPI refresh reads resident and health_record concurrently: both reads must see exactly the
snapshot of the refresh's own transaction (else the trigger log it empties would not match its read)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
import time

import polars as pl
import pytest
from sqlalchemy import text

from data_access.kpi_facts import MonthTotals
from data_access.kpi_frames import (
    UNIT_BASE,
    ComputedAhead,
    Edge,
    Query,
    Reader,
    RefreshDays,
    SqlReader,
    _in_measure_order,
    adbc_connect,
    all_parts,
    measure_increments,
    refresh_frame_sources,
)
from kpis.measures import EPOCH, SOURCES


def all_increments(*args) -> pl.DataFrame:
    return all_parts(measure_increments(*args))


COUNT = Query("SELECT count(*) AS n FROM probe", (), {"n": pl.Int64})


def _writer(engine) -> subprocess.Popen:
    """Another process commits one row (SQLite locks only work across processes)."""
    url = engine.url.render_as_string(hide_password=False)
    code = (
        "import sys; from sqlalchemy import create_engine, text\n"
        "url = sys.argv[1]\n"
        "engine = create_engine(url, connect_args={'timeout': 60} if 'sqlite' in url else {})\n"
        "with engine.begin() as c: c.execute(text('INSERT INTO probe VALUES (2)'))\n"
    )
    return subprocess.Popen([sys.executable, "-c", code, url])


def test_concurrent_reads_see_the_refresh_snapshot_not_later_commits(engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE probe (x INTEGER)"))
        connection.execute(text("INSERT INTO probe VALUES (1)"))
    sqlite = engine.dialect.name == "sqlite"
    connection = adbc_connect(engine)
    reader = Reader(connection, sqlite, engine)
    writer = None
    try:
        if not sqlite:
            reader.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        reader.hold_writers()
        assert reader.frame(COUNT.sql, (), COUNT.schema)["n"][0] == 1  # the refresh's snapshot starts here
        writer = _writer(engine)
        if sqlite:  # held off until the concurrent readers have their snapshot
            time.sleep(1.5)
            assert writer.poll() is None
        else:  # PostgreSQL lets it commit; the exported snapshot hides it
            assert writer.wait(timeout=60) == 0
        counts = [frame["n"][0] for frame in reader.frames([COUNT, COUNT])]
        assert counts == [1, 1]
        assert writer.wait(timeout=60) == 0  # writers were let go
    finally:
        reader.release_writers()
        connection.rollback()
        connection.close()
        if writer is not None and writer.poll() is None:
            writer.kill()
    with engine.connect() as check:
        assert check.execute(text("SELECT count(*) FROM probe")).scalar() == 2


def test_a_failing_refresh_lane_is_reported_after_every_lane_has_ended(engine) -> None:
    """SQLite runs the whole-table sources in two child processes at once: a failure in one names its
    sources, and is raised only once the other lane's write has ended too."""
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL refreshes the sources in this process, one after another")
    with engine.begin() as connection:  # a trigger-log row the population lane empties when it ends
        connection.execute(
            text(
                "INSERT INTO kpi_population_change (sign, resident_id, ward_id, district_id, insured) "
                "VALUES (1, 1, 1, 1, false)"
            )
        )
    jobs = [("population", SOURCES["population"], None), ("no_such_source", ("x",), None)]
    with pytest.raises(RuntimeError, match="KPI refresh of no_such_source failed") as failure:
        days = RefreshDays(EPOCH, dt.date(2025, 1, 1), None, MonthTotals(None, dt.date(2024, 12, 1)))
        refresh_frame_sources(engine, jobs, days)
    assert "population" not in str(failure.value).splitlines()[0]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM kpi_population_change")).scalar() == 0


def test_increments_keep_ids_up_to_the_packing_limit_and_refuse_larger_ones() -> None:
    """The group key packs ward, facility and district into one integer: every id up to the limit
    comes back as it was, ward-level rows get facility 0 and type "", and a larger id is refused."""
    top = UNIT_BASE - 1
    day = dt.date(2024, 3, 1)
    rows = pl.DataFrame(
        {
            "ward_id": [1, top, top],
            "facility_id": [top, 0, 0],
            "district_id": [top, 2, 2],
            "facility_type": ["TYT", "", ""],
            "on": [day, day, day + dt.timedelta(days=1)],
        },
        schema_overrides={"ward_id": pl.Int32, "facility_id": pl.Int32, "district_id": pl.Int32},
    )
    edge = (Edge("m", pl.col("on")),)
    columns = ["ward_id", "facility_id", "district_id", "facility_type", "day", "delta"]
    facts = all_increments(rows.lazy(), edge, None, dt.date(2023, 7, 1))
    assert sorted(facts.select(columns).rows()) == [
        (1, top, top, "TYT", day, 1),
        (top, 0, 2, "", day, 1),
        (top, 0, 2, "", day + dt.timedelta(days=1), 1),
    ]
    ward_level = all_increments(
        rows.drop("facility_id", "facility_type").lazy(), edge, None, dt.date(2023, 7, 1)
    )
    assert sorted(ward_level.select("ward_id", "facility_id", "district_id", "facility_type").rows()) == [
        (1, 0, top, ""),
        (top, 0, 2, ""),
        (top, 0, 2, ""),
    ]
    with pytest.raises(ValueError, match="ward_id outside"):
        all_increments(
            rows.with_columns(pl.lit(UNIT_BASE, pl.Int32).alias("ward_id")).lazy(), edge, None, day
        )


def test_only_a_truly_sorted_key_is_flagged_for_the_merge_join() -> None:
    from data_access.kpi_frames import _sorted_flag

    residents = pl.DataFrame({"id": [1, 2, 3, 4], "ward_id": [10, 10, 11, 12]})
    records = pl.DataFrame({"id": [3, 1, 4], "created": [30, 10, 40]})  # inserted out of resident order
    assert _sorted_flag(records, "id")["id"].flags["SORTED_ASC"] is False
    assert _sorted_flag(residents, "id")["id"].flags["SORTED_ASC"] is True
    for ordered in (records, records.sort("id")):
        joined = _sorted_flag(residents, "id").join(_sorted_flag(ordered, "id"), on="id", how="left")
        assert joined.sort("id")["created"].to_list() == [10, None, 30, 40]


DAYS = [dt.date(1960, 3, 1), dt.date(1970, 1, 1), dt.date(2024, 2, 29), None, dt.date(2026, 12, 31)]


def test_dates_read_whole_table_or_in_a_transaction_come_back_as_the_same_days(engine, monkeypatch) -> None:
    """SQLite dates travel as day numbers (``Reader.date``): before 1970, leap days, NULL and a
    batch boundary must all come back as the stored day; PostgreSQL reads its own date type."""
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE dated (n INTEGER PRIMARY KEY, day DATE)"))
        connection.execute(text("INSERT INTO dated VALUES (0, NULL)"))
        connection.execute(
            text("INSERT INTO dated VALUES (:n, :day)"), [{"n": n + 1, "day": d} for n, d in enumerate(DAYS)]
        )
    sqlite = engine.dialect.name == "sqlite"

    def read(reader: Reader) -> list:
        frame = reader.frame(
            f"SELECT n, {reader.date('day')} FROM dated ORDER BY n", ("day",), {"n": pl.Int64, "day": pl.Date}
        )
        assert frame.schema["day"] == pl.Date
        return frame["day"].to_list()

    monkeypatch.setattr("data_access.kpi_frames.SQLITE_BATCH_ROWS", 1)  # the first batch: NULL alone
    connection = adbc_connect(engine)
    try:
        assert read(Reader(connection, sqlite)) == [None, *DAYS]
    finally:
        connection.close()
    with engine.connect() as connection:
        assert read(SqlReader(connection)) == [None, *DAYS]
    if sqlite:  # a value SQLite cannot read as a date is missing, not a wrong day
        with engine.begin() as connection:
            connection.execute(text("UPDATE dated SET day = 'not a date' WHERE n = 0"))
        with engine.connect() as connection:
            assert read(SqlReader(connection)) == [None, *DAYS]


def test_measure_parts_come_in_the_fact_tables_key_order_and_sum_like_all_at_once() -> None:
    """The full refresh writes the parts as they come: one measure each, measures by name, each part
    sorted by day, ward, facility (the primary key), and together the same facts as ``increments``."""
    rng = range(400)
    rows = pl.DataFrame(
        {
            "ward_id": [7 - i % 7 for i in rng],
            "facility_id": [i % 3 for i in rng],
            "district_id": [1] * len(rng),
            "facility_type": ["TYT"] * len(rng),
            "s": [dt.date(2024, 1, 1) + dt.timedelta(days=(i * 37) % 90) for i in rng],
            "u": [dt.date(2024, 6, 1) - dt.timedelta(days=(i * 11) % 50) if i % 4 else None for i in rng],
        },
        schema_overrides={"ward_id": pl.Int32, "facility_id": pl.Int32, "district_id": pl.Int32},
    )
    c = pl.col
    edges = (Edge("zeta", c("s")), Edge("alpha", c("s"), c("u")), Edge("zeta", c("u"), cond=c("ward_id") > 3))
    first = dt.date(2023, 7, 1)
    parts = list(measure_increments(rows.lazy(), edges, None, first))
    assert [part["measure"].unique().to_list() for part in parts] == [["alpha"], ["zeta"]]
    for part in parts:
        keys = part.select("day", "ward_id", "facility_id")
        assert keys.rows() == sorted(keys.rows()) and part.height > 10
    together = pl.concat(parts)
    assert together.sort(together.columns).equals(
        all_increments(rows.lazy(), edges, None, first).sort(together.columns)
    )
    alpha = parts[0]  # opened on s, closed on u: the net count is the rows still open
    assert alpha["delta"].sum() == rows.filter(c("u").is_null()).height
    # Two sets of edges over different rows (as the submission source has) merge in measure order.
    later = rows.lazy().filter(c("ward_id") > 5)
    merged = _in_measure_order(
        measure_increments(rows.lazy(), (edges[0], Edge("omega", c("s"))), None, first),
        measure_increments(later, (edges[1], Edge("beta", c("u"))), None, first),
    )
    assert [part["measure"][0] for part in merged] == ["alpha", "beta", "omega", "zeta"]


def test_computed_ahead_yields_every_item_in_order_computes_the_next_meanwhile_and_raises_errors() -> None:
    handed_out, started = threading.Event(), threading.Event()
    made_in: list[str] = []

    def items():
        started.set()
        for n in range(3):
            made_in.append(threading.current_thread().name)
            if n == 1:  # computed while the caller still holds item 0
                assert handed_out.wait(5)
            yield n

    seen = []
    with ComputedAhead(items()) as ahead:
        assert started.wait(5)  # the first item is computed before it is asked for
        for item in ahead:
            seen.append(item)
            handed_out.set()
    assert seen == [0, 1, 2]
    assert threading.current_thread().name not in made_in

    def failing():
        yield 1
        raise RuntimeError("part 2 failed")

    with pytest.raises(RuntimeError, match="part 2 failed"), ComputedAhead(failing()) as ahead:
        list(ahead)


def test_a_refresh_lane_gets_its_days_whole() -> None:
    """A child process receives the refresh's days as JSON: every day, and None where there is none."""
    for days in (
        RefreshDays(
            EPOCH,
            dt.date(2025, 1, 1),
            dt.date(2024, 12, 31),
            MonthTotals(dt.date(2024, 11, 1), dt.date(2024, 12, 1)),
        ),
        RefreshDays(EPOCH, dt.date(2025, 1, 1), None, MonthTotals(None, dt.date(2024, 12, 1))),
    ):
        assert RefreshDays.from_json(json.loads(json.dumps(days.as_json()))) == days
