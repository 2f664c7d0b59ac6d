"""Alembic environment. The engine is handed in by ``data_access.schema`` (never read from an ini)."""

from __future__ import annotations

from alembic import context

from data_access.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs table rebuilds for ALTER
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
