"""Seeding is deterministic and engine-independent: same seed → the same rows, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from sqlalchemy import Date, Engine, Integer, func, select

from data_access.engine import make_engine
from data_access.models import Base
from data_access.status import database_status
from seeds.city import seed_database
from tests.conftest import BACKENDS, TEST_TODAY

SCALE = 0.001
# bcrypt salts the demo password hash at random: the one column that legitimately differs per run.
VOLATILE_COLUMNS = {("account", "password_hash")}
ROW_HASH_LIMIT = 200_000


def table_fingerprints(engine: Engine) -> dict[str, tuple]:
    """Per table: row count and a hash of every row — or, for the few very large tables (daily
    submissions: ~1 M rows at any scale), sums per numeric column and date ranges, computed in SQL."""
    fingerprints = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if (table.name, c.name) not in VOLATILE_COLUMNS]
            count = connection.scalar(select(func.count()).select_from(table))
            if count > ROW_HASH_LIMIT:
                fingerprints[table.name] = (count, *connection.execute(select(*_aggregates(columns))).one())
                continue
            rows = connection.execute(select(*columns).order_by(*table.primary_key.columns)).all()
            digest = hashlib.sha256()
            for row in rows:
                digest.update(json.dumps([_normal(v) for v in row], ensure_ascii=False).encode())
            fingerprints[table.name] = (count, digest.hexdigest())
    return fingerprints


def _aggregates(columns) -> list:
    aggregates = []
    for column in columns:
        if isinstance(column.type, Integer):
            aggregates += [func.sum(column), func.sum(column * column)]
        elif isinstance(column.type, Date):
            aggregates += [func.min(column), func.max(column), func.count(column)]
    return aggregates


def _normal(value: object) -> object:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def _seeded(url: str) -> Engine:
    engine = make_engine(url)
    seed_database(
        engine, scale=SCALE, seed=11, demo_password="Seed-Test-Pass-1", progress=False, today=TEST_TODAY
    )
    return engine


@pytest.mark.slow
def test_same_seed_gives_identical_data(tmp_path) -> None:
    first = _seeded(f"sqlite:///{tmp_path / 'a.db'}")
    second = _seeded(f"sqlite:///{tmp_path / 'b.db'}")
    first_prints, second_prints = table_fingerprints(first), table_fingerprints(second)
    assert first_prints["resident"][0] > 8_000
    assert first_prints == second_prints


@pytest.mark.slow
def test_another_seed_gives_another_city(tmp_path) -> None:
    first = _seeded(f"sqlite:///{tmp_path / 'a.db'}")
    other = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    seed_database(other, scale=SCALE, seed=12, demo_users=False, progress=False, today=TEST_TODAY)
    assert table_fingerprints(first)["resident"] != table_fingerprints(other)["resident"]
    assert table_fingerprints(other)["account"][0] == 0  # --no-demo-users


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.skipif("postgresql" not in BACKENDS, reason="PostgreSQL excluded by HSSK_TEST_BACKENDS")
def test_sqlite_and_postgresql_hold_the_same_city(tmp_path, pg_databases) -> None:
    sqlite = _seeded(f"sqlite:///{tmp_path / 'a.db'}")
    postgres = _seeded(pg_databases.create())
    assert database_status(sqlite, TEST_TODAY) == database_status(postgres, TEST_TODAY)
    assert table_fingerprints(sqlite) == table_fingerprints(postgres)
    postgres.dispose()


def test_replace_wipes_and_reseeds(writable_seeded_engine) -> None:
    before = database_status(writable_seeded_engine, TEST_TODAY)
    seed_database(
        writable_seeded_engine,
        scale=SCALE,
        seed=3,
        demo_users=False,
        progress=False,
        today=TEST_TODAY,
        replace=True,
    )
    after = database_status(writable_seeded_engine, TEST_TODAY)
    assert after["accounts"] == 0 and after["org_units"] == before["org_units"]
    assert after["residents"] < before["residents"]
