"""KPI test fixtures: a seeded city with its KPI facts refreshed (a private copy, module-scoped)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from data_access.engine import make_engine
from kpis.refresh import refresh
from tests.conftest import TEST_TODAY


@pytest.fixture(scope="module")
def kpi_seeded_engine(seeded_engine: Engine, tmp_path_factory, request) -> Iterator[Engine]:
    url = seeded_engine.url.render_as_string(hide_password=False)
    if seeded_engine.dialect.name == "sqlite":
        with seeded_engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        copy = tmp_path_factory.mktemp("kpi") / "seeded-kpi.db"
        shutil.copyfile(seeded_engine.url.database, copy)
        engine = make_engine(f"sqlite:///{copy}")
        refresh(engine, full=True, today=TEST_TODAY)
        yield engine
        engine.dispose()
        return
    seeded_engine.dispose()
    databases = request.getfixturevalue("pg_databases")
    engine = make_engine(databases.clone(url))
    refresh(engine, full=True, today=TEST_TODAY)
    yield engine
    engine.dispose()
    databases.drop(engine.url.render_as_string(hide_password=False))
