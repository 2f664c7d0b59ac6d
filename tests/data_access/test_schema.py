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


def test_kpi_facts_are_clustered_on_sqlite_and_survive_the_migration(engine) -> None:
    """0007 rebuilds the fact tables WITHOUT ROWID on SQLite, keeping their rows (PostgreSQL: no-op)."""
    from alembic import command

    from data_access.schema import alembic_config

    command.downgrade(alembic_config(engine), "0006")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO kpi_daily_fact (measure, day, ward_id, facility_id, district_id, facility_type,"
            " delta) VALUES ('records', '2024-01-02', 5, 0, 1, '', 3)"
        )
    upgrade_to_head(engine)
    with engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT measure, ward_id, delta FROM kpi_daily_fact").one()
        assert tuple(row) == ("records", 5, 3)
        month = connection.exec_driver_sql("SELECT measure, month, ward_id, delta FROM kpi_month_fact").one()
        assert (month[0], str(month[1]), month[2], month[3]) == ("records", "2024-01-01", 5, 3)  # by 0008
        if engine.dialect.name == "sqlite":
            for table in ("kpi_daily_fact", "kpi_district_fact", "kpi_month_fact"):
                sql = connection.exec_driver_sql(
                    f"SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{table}'"
                ).scalar_one()
                assert "WITHOUT ROWID" in sql.upper(), table
