"""Migrations bring an empty database to head, and the models match what the migrations build."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from data_access.engine import make_engine
from data_access.models import Base
from data_access.schema import current_revision, drop_everything, head_revision, is_at_head, upgrade_to_head


def test_upgrade_empty_database_to_head(db_url: str) -> None:
    engine = make_engine(db_url)
    assert current_revision(engine) is None
    upgrade_to_head(engine)
    assert is_at_head(engine)
    assert current_revision(engine) == head_revision(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    engine.dispose()


def test_upgrade_is_idempotent(engine) -> None:
    upgrade_to_head(engine)
    assert is_at_head(engine)


def test_models_and_migrations_agree(engine) -> None:
    """A model change without a migration (or the reverse) fails here, on both backends."""
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_drop_everything_then_upgrade_gives_an_empty_schema(backend, db_url) -> None:
    engine = make_engine(db_url)
    upgrade_to_head(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO audit_log (at, action) VALUES (CURRENT_TIMESTAMP, 'before-reset')"
        )
    drop_everything(engine)
    assert current_revision(engine) is None
    upgrade_to_head(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM audit_log").scalar_one() == 0
    engine.dispose()


def test_every_migration_downgrades_to_base_and_back(engine) -> None:
    from alembic import command

    from data_access.schema import alembic_config

    command.downgrade(alembic_config(engine), "base")
    assert current_revision(engine) is None
    upgrade_to_head(engine)
    assert is_at_head(engine)
