"""Each measure's value at every month end (kpi_month_total)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 12:00:00

A past "as of" day was the current totals moved by every month sum and daily fact in between: 200 days
back read ~150 k rows at city scale to produce 15 k totals. It now starts from the nearest month end.
The table is created empty: the next refresh fills it, and until then reads do not use it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpi_month_total",
        sa.Column("measure", sa.String(length=48), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("facility_type", sa.String(length=20), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("measure", "month", "ward_id", "facility_id", name="pk_kpi_month_total"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("kpi_month_total")
    op.execute("DELETE FROM kpi_refresh_state WHERE source = 'month_totals'")
