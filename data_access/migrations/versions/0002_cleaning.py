"""data-cleaning worklists: rule texts in English, standardisation flag, item closing info, merges

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 18:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import data_access.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cleaning_rule", schema=None) as batch_op:
        batch_op.add_column(sa.Column("explanation_en", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("suggested_fix_en", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("standardisation", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("updated_at", data_access.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("updated_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_cleaning_rule_updated_by_id_account"), "account", ["updated_by_id"], ["id"]
        )
    with op.batch_alter_table("cleaning_rule", schema=None) as batch_op:
        batch_op.alter_column("standardisation", server_default=None)

    with op.batch_alter_table("cleaning_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("last_seen_at", data_access.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cleaning_item_closed_by_id_account"), "account", ["closed_by_id"], ["id"]
        )
        batch_op.drop_index(batch_op.f("ix_cleaning_item_assigned_facility_id"))
        batch_op.create_index(
            "ix_cleaning_item_facility_status", ["assigned_facility_id", "status"], unique=False
        )

    with op.batch_alter_table("resident", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("merged_into_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_resident_merged_into_id_resident"), "resident", ["merged_into_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_resident_merged_into_id"), ["merged_into_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("resident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_merged_into_id"))
        batch_op.drop_constraint(batch_op.f("fk_resident_merged_into_id_resident"), type_="foreignkey")
        batch_op.drop_column("merged_into_id")

    with op.batch_alter_table("cleaning_item", schema=None) as batch_op:
        batch_op.drop_index("ix_cleaning_item_facility_status")
        batch_op.create_index(
            batch_op.f("ix_cleaning_item_assigned_facility_id"), ["assigned_facility_id"], unique=False
        )
        batch_op.drop_constraint(batch_op.f("fk_cleaning_item_closed_by_id_account"), type_="foreignkey")
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("closed_by_id")

    with op.batch_alter_table("cleaning_rule", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cleaning_rule_updated_by_id_account"), type_="foreignkey")
        batch_op.drop_column("updated_by_id")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("standardisation")
        batch_op.drop_column("suggested_fix_en")
        batch_op.drop_column("explanation_en")
