"""KPI engine: catalogue columns, daily increments per measure at the finest level, refresh watermarks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 18:20:00

Chained after 0004 (cleaning), the head when this was written, so the history stays linear.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import data_access.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kpi_definition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("numerator_en", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("denominator_en", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("sort_order", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("updated_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_kpi_definition_updated_by_id_account"), "account", ["updated_by_id"], ["id"]
        )
    with op.batch_alter_table("kpi_definition", schema=None) as batch_op:
        batch_op.alter_column("sort_order", server_default=None)

    # The first-cut fact table (one row per KPI x ward x day) is replaced by daily increments per measure.
    op.drop_table("kpi_daily_fact")
    op.create_table(
        "kpi_daily_fact",
        sa.Column("measure", sa.String(length=48), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("facility_type", sa.String(length=20), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("measure", "ward_id", "facility_id", "day", name=op.f("pk_kpi_daily_fact")),
    )
    with op.batch_alter_table("kpi_daily_fact", schema=None) as batch_op:
        batch_op.create_index("ix_kpi_daily_fact_day", ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_kpi_daily_fact_district_id"), ["district_id"], unique=False)

    op.create_table(
        "kpi_current_total",
        sa.Column("measure", sa.String(length=48), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("facility_type", sa.String(length=20), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("measure", "ward_id", "facility_id", name=op.f("pk_kpi_current_total")),
    )
    op.create_table(
        "kpi_refresh_state",
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("data_through", sa.Date(), nullable=False),
        sa.Column("refreshed_at", data_access.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("full_refreshed_at", data_access.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rows_written", sa.BigInteger(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_kpi_refresh_state")),
    )


def downgrade() -> None:
    op.drop_table("kpi_refresh_state")
    op.drop_table("kpi_current_total")
    op.drop_table("kpi_daily_fact")
    op.create_table(
        "kpi_daily_fact",
        sa.Column("kpi_id", sa.String(length=48), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("facility_type", sa.String(length=20), nullable=False),
        sa.Column("numerator", sa.Float(), nullable=False),
        sa.Column("denominator", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kpi_id"], ["kpi_definition.id"], name=op.f("fk_kpi_daily_fact_kpi_id_kpi_definition")
        ),
        sa.ForeignKeyConstraint(
            ["ward_id"], ["org_unit.id"], name=op.f("fk_kpi_daily_fact_ward_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("kpi_id", "day", "ward_id", "facility_type", name=op.f("pk_kpi_daily_fact")),
    )
    with op.batch_alter_table("kpi_definition", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_kpi_definition_updated_by_id_account"), type_="foreignkey")
        batch_op.drop_column("updated_by_id")
        batch_op.drop_column("sort_order")
        batch_op.drop_column("denominator_en")
        batch_op.drop_column("numerator_en")
