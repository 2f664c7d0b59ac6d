"""Shared fixtures: every database test runs on SQLite AND on the real PostgreSQL server.

Each PostgreSQL database is created fresh, under a name unique to this run, and dropped at the
end, so concurrent runs never collide. ``HSSK_TEST_BACKENDS=sqlite`` narrows a local run; CI runs
both (``.ci/run`` does not set it).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from data_access.engine import make_engine
from data_access.schema import upgrade_to_head

PG_ADMIN_URL = os.environ.get("HSSK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = [b for b in os.environ.get("HSSK_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
RUN_ID = uuid.uuid4().hex[:8]
TEST_TODAY = dt.date(2026, 11, 25)
_counter = itertools.count()
TERMINATE_OTHER_SESSIONS = text(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "postgresql" in callspec.id.split("-"):
            item.add_marker(pytest.mark.postgres)


class PgDatabases:
    """Creates throw-away databases on the PostgreSQL server and drops them afterwards."""

    def __init__(self, admin_url: str) -> None:
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []

    def create(self) -> str:
        name = f"hssk_test_{RUN_ID}_{next(_counter)}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def clone(self, template_url: str) -> str:
        """A new database copied from ``template_url`` (which must have no open connections)."""
        name = f"hssk_test_{RUN_ID}_{next(_counter)}"
        template = make_url(template_url).database
        with self.admin.connect() as connection:
            # Engines cached by the app under test (st.cache_resource) may still hold pooled
            # connections to the template; they reconnect on their next use (pool_pre_ping).
            connection.execute(TERMINATE_OTHER_SESSIONS, {"db": template})
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        self.created.append(name)
        return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if name in self.created:
            self.created.remove(name)

    def drop_all(self) -> None:
        for name in list(self.created):
            self.drop(make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False))
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[PgDatabases]:
    databases = PgDatabases(PG_ADMIN_URL)
    yield databases
    databases.drop_all()


def _new_database_url(backend: str, tmp_path_factory: pytest.TempPathFactory, request) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'hssk.db'}"
    return request.getfixturevalue("pg_databases").create()


def _dispose(engine: Engine, backend: str, request) -> None:
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    if backend == "postgresql":
        request.getfixturevalue("pg_databases").drop(url)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def db_url(backend: str, tmp_path_factory, request) -> str:
    """A fresh, EMPTY database (no schema) on each backend."""
    return _new_database_url(backend, tmp_path_factory, request)


@pytest.fixture
def engine(backend: str, db_url: str, request) -> Iterator[Engine]:
    """A fresh database migrated to head, no data."""
    engine = make_engine(db_url)
    upgrade_to_head(engine)
    yield engine
    _dispose(engine, backend, request)


SEEDED_SCALE = 0.002  # ~17 k residents: every ward populated, seeds in seconds
SEEDED_SEED = 7
DEMO_PASSWORD = "Test-Demo-Pass-1"


@pytest.fixture(scope="session", params=BACKENDS)
def seeded_engine(request, tmp_path_factory) -> Iterator[Engine]:
    """One small seeded city per backend, shared by the whole session: treat it as READ-ONLY.

    Tests that write must use ``engine`` (fresh) or undo their own changes.
    """
    from seeds.city import seed_database

    backend = request.param
    engine = make_engine(_new_database_url(backend, tmp_path_factory, request))
    seed_database(
        engine,
        scale=SEEDED_SCALE,
        seed=SEEDED_SEED,
        demo_users=True,
        demo_password=DEMO_PASSWORD,
        progress=False,
        today=TEST_TODAY,
    )
    yield engine
    _dispose(engine, backend, request)


@pytest.fixture
def writable_seeded_engine(seeded_engine: Engine, tmp_path, request) -> Iterator[Engine]:
    """A private copy of the seeded city that a test may change freely."""
    import shutil

    url = seeded_engine.url.render_as_string(hide_password=False)
    if seeded_engine.dialect.name == "sqlite":
        with seeded_engine.connect() as connection:  # fold the WAL into the main file before copying
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        copy = tmp_path / "seeded-copy.db"
        shutil.copyfile(seeded_engine.url.database, copy)
        engine = make_engine(f"sqlite:///{copy}")
        yield engine
        engine.dispose()
        return
    seeded_engine.dispose()  # a template database must have no open connections
    databases = request.getfixturevalue("pg_databases")
    engine = make_engine(databases.clone(url))
    yield engine
    engine.dispose()
    databases.drop(engine.url.render_as_string(hide_password=False))
