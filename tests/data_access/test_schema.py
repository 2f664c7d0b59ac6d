"""Migrations bring an empty database to head, and the models match what the migrations build."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from data_access.engine import make_engine
from data_access.models import Base
from data_access.schema import current_revision, head_revision, is_at_head, upgrade_to_head


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
