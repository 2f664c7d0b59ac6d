"""SQLite: store the KPI fact tables WITHOUT ROWID (clustered on their primary key)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 02:30:00

A rowid table with a composite primary key is two B-trees on SQLite (the rows, and the key's index):
every fact is written twice. Clustered on the key it is written once: the full refresh's fact write
is ~25 % faster and the tables take half the space (measured at scale 1.0: 7.8 M facts, 9.7 s → 7.5 s,
753 MB → 395 MB). The rows are copied, so no refresh is needed. PostgreSQL: nothing to do.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _daily_fact_columns() -> list[sa.Column]:
    return [
        sa.Column("measure", sa.String(length=48), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("facility_type", sa.String(length=20), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("measure", "day", "ward_id", "facility_id", name="pk_kpi_daily_fact"),
    ]


def _district_fact_columns() -> list[sa.Column]:
    return [
        sa.Column("measure", sa.String(length=48), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("facility_type", sa.String(length=20), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "measure", "day", "district_id", "facility_type", name="pk_kpi_district_fact"
        ),
    ]


TABLES = {"kpi_daily_fact": _daily_fact_columns, "kpi_district_fact": _district_fact_columns}


def _rebuild(with_rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, columns in TABLES.items():
        old = f"_{table}_old"
        op.rename_table(table, old)
        op.create_table(table, *columns(), sqlite_with_rowid=with_rowid)
        names = ", ".join(c.name for c in columns() if isinstance(c, sa.Column))
        op.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {old}")
        op.drop_table(old)


def upgrade() -> None:
    _rebuild(with_rowid=False)


def downgrade() -> None:
    _rebuild(with_rowid=True)
