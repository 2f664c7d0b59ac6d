"""KPI facts summed per month (kpi_month_fact), filled from the daily facts

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 05:00:00

A past "as of" day moved from the current totals by every daily fact in between: 200 days back read
~1.3 M facts at city scale. Whole months now come from this table (327 k rows for 7.8 M facts), only
the days at either end from the daily facts. Filled here from the daily facts, so no refresh is needed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "kpi_month_fact",
        sa.Column("measure", sa.String(length=48), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("facility_type", sa.String(length=20), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("measure", "month", "ward_id", "facility_id", name="pk_kpi_month_fact"),
        sqlite_with_rowid=False,
    )
    month = "date(day, 'start of month')" if sqlite else "CAST(date_trunc('month', day) AS date)"
    op.execute(
        "INSERT INTO kpi_month_fact (measure, month, ward_id, facility_id, district_id, facility_type, delta) "
        f"SELECT measure, {month}, ward_id, facility_id, min(district_id), min(facility_type), sum(delta) "
        f"FROM kpi_daily_fact GROUP BY measure, {month}, ward_id, facility_id HAVING sum(delta) <> 0"
    )


def downgrade() -> None:
    op.drop_table("kpi_month_fact")
