"""The full KPI refresh reads resident and health_record concurrently: both reads must see exactly the
snapshot of the refresh's own transaction (else the trigger log it empties would not match its read)."""

from __future__ import annotations

import subprocess
import sys
import time

import polars as pl
from sqlalchemy import text

from data_access.kpi_frames import Query, Reader, adbc_connect

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
