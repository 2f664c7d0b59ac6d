"""KPI roll-up: precomputed numerators/denominators per org unit for the pages

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 19:10:00

Chained after 0002 (the head when this was written), so the history stays linear.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpi_rollup",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("kpi_id", sa.String(length=48), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("ward_id", sa.Integer(), nullable=True),
        sa.Column("numerator", sa.BigInteger(), nullable=False),
        sa.Column("denominator", sa.BigInteger(), nullable=False),
        sa.Column("rate", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("kind", "level", "kpi_id", "unit_id", "day", name=op.f("pk_kpi_rollup")),
    )


def downgrade() -> None:
    op.drop_table("kpi_rollup")
