"""Schema lifecycle: migrate any database (empty or older) to the current head with alembic."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def drop_everything(engine: Engine) -> None:
    """Destroy every table, trigger and function of the project (``seed --replace`` on a demo database).

    Row-level wiping is not an option: the audit log refuses DELETE and TRUNCATE by design.
    """
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            schema = connection.exec_driver_sql("SELECT current_schema()").scalar_one()
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        return
    database = engine.url.database
    engine.dispose()
    if database and database != ":memory:":
        for suffix in ("", "-wal", "-shm"):
            Path(database + suffix).unlink(missing_ok=True)


def upgrade_to_head(engine: Engine) -> None:
    command.upgrade(alembic_config(engine), "head")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def is_at_head(engine: Engine) -> bool:
    return current_revision(engine) == head_revision(engine)
