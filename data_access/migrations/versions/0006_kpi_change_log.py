"""KPI facts keyed by (measure, day) without secondary indexes, district-level facts for trends, and a
trigger-fed change log of resident ⟕ health_record

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 22:30:00

The facts are derived data: the table is recreated empty and the refresh watermarks are cleared, so
the next ``kpis refresh`` is a full one; until it runs, an upgraded database shows no KPI figures.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

LOG = "kpi_population_change"
RESIDENT_COLUMNS = (
    "ward_id",
    "district_id",
    "resident_since",
    "resident_until",
    "bhyt_card",
    "merged_into_id",
)
RECORD_COLUMNS = (
    "resident_id",
    "created_on",
    "standardised_on",
    "verified_on",
    "verification_status",
    "vneid_shared_on",
    "bhyt_linked_on",
    "vaccination_loaded_on",
    "last_health_check_on",
    "closed_on",
)
IMAGE_COLUMNS = (
    "sign, resident_id, ward_id, district_id, resident_since, resident_until, insured, created_on, "
    "standardised_on, verified_on, vneid_shared_on, bhyt_linked_on, vaccination_loaded_on, "
    "last_health_check_on, closed_on"
)
NO_RECORD = "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"


def _record_dates(h: str) -> str:
    return (
        f"{h}.created_on, {h}.standardised_on, "
        f"CASE WHEN {h}.verification_status = 'verified' THEN {h}.verified_on END, "
        f"{h}.vneid_shared_on, {h}.bhyt_linked_on, {h}.vaccination_loaded_on, "
        f"{h}.last_health_check_on, {h}.closed_on"
    )


def _resident(r: str) -> str:
    insured = f"({r}.bhyt_card IS NOT NULL AND {r}.bhyt_card <> '')"
    return f"{r}.id, {r}.ward_id, {r}.district_id, {r}.resident_since, {r}.resident_until, {insured}"


def _resident_image(sign: int, r: str) -> str:
    """The image of resident row ``r`` (OLD/NEW) joined with its current record."""
    return (
        f"INSERT INTO {LOG} ({IMAGE_COLUMNS}) "
        f"SELECT {sign}, {_resident(r)}, {_record_dates('h')} "
        f"FROM (SELECT 1 AS one) AS one LEFT JOIN health_record AS h ON h.resident_id = {r}.id "
        f"WHERE {r}.merged_into_id IS NULL;"
    )


def _record_image(sign: int, h: str | None, resident_id: str) -> str:
    """The image of the current resident ``resident_id`` joined with record row ``h`` (None: no record)."""
    dates = _record_dates(h) if h else NO_RECORD
    return (
        f"INSERT INTO {LOG} ({IMAGE_COLUMNS}) "
        f"SELECT {sign}, {_resident('r')}, {dates} "
        f"FROM resident AS r WHERE r.id = {resident_id} AND r.merged_into_id IS NULL;"
    )


def _record_update_body() -> list[str]:
    moved = "OLD.resident_id <> NEW.resident_id"
    return [
        _record_image(-1, "OLD", "OLD.resident_id"),
        _record_image(1, "NEW", "NEW.resident_id"),
        # A record moved to another resident: the old one is left without, the new one had none.
        _record_image(1, None, "OLD.resident_id").replace(";", f" AND {moved};"),
        _record_image(-1, None, "NEW.resident_id").replace(";", f" AND {moved};"),
    ]


BODIES = {
    ("resident", "INSERT"): [_resident_image(1, "NEW")],
    ("resident", "UPDATE"): [_resident_image(-1, "OLD"), _resident_image(1, "NEW")],
    ("resident", "DELETE"): [_resident_image(-1, "OLD")],
    ("health_record", "INSERT"): [
        _record_image(-1, None, "NEW.resident_id"),
        _record_image(1, "NEW", "NEW.resident_id"),
    ],
    ("health_record", "UPDATE"): _record_update_body(),
    ("health_record", "DELETE"): [
        _record_image(-1, "OLD", "OLD.resident_id"),
        _record_image(1, None, "OLD.resident_id"),
    ],
}


def _changed(table: str, distinct: str) -> str:
    columns = RESIDENT_COLUMNS if table == "resident" else RECORD_COLUMNS
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in columns)


def _name(table: str, event: str) -> str:
    return f"kpi_log_{table}_{event.lower()}"


def upgrade() -> None:
    op.drop_table("kpi_daily_fact")
    op.create_table(
        "kpi_daily_fact",
        sa.Column("measure", sa.String(length=48), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("facility_type", sa.String(length=20), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("measure", "day", "ward_id", "facility_id", name=op.f("pk_kpi_daily_fact")),
    )
    op.create_table(
        "kpi_district_fact",
        sa.Column("measure", sa.String(length=48), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("facility_type", sa.String(length=20), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "measure", "day", "district_id", "facility_type", name=op.f("pk_kpi_district_fact")
        ),
    )
    op.execute("DELETE FROM kpi_current_total")
    op.execute("DELETE FROM kpi_refresh_state")
    op.execute("DELETE FROM kpi_rollup")
    op.create_table(
        LOG,
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("sign", sa.SmallInteger(), nullable=False),
        sa.Column("resident_id", sa.BigInteger(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("resident_since", sa.Date(), nullable=True),
        sa.Column("resident_until", sa.Date(), nullable=True),
        sa.Column("insured", sa.Boolean(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=True),
        sa.Column("standardised_on", sa.Date(), nullable=True),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("vneid_shared_on", sa.Date(), nullable=True),
        sa.Column("bhyt_linked_on", sa.Date(), nullable=True),
        sa.Column("vaccination_loaded_on", sa.Date(), nullable=True),
        sa.Column("last_health_check_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_population_change")),
    )
    if op.get_bind().dialect.name == "postgresql":
        for (table, event), body in BODIES.items():
            name = _name(table, event)
            statements = "\n    ".join(body)
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n    {statements}\n    RETURN NULL;\nEND $$"
            )
            when = f" WHEN ({_changed(table, 'IS DISTINCT FROM')})" if event == "UPDATE" else ""
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when} EXECUTE FUNCTION {name}()"
            )
        return
    for (table, event), body in BODIES.items():
        when = f" WHEN {_changed(table, 'IS NOT')}" if event == "UPDATE" else ""
        statements = "\n  ".join(body)
        op.execute(
            f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} FOR EACH ROW{when}\n"
            f"BEGIN\n  {statements}\nEND"
        )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, event in BODIES:
        name = _name(table, event)
        op.execute(
            f"DROP TRIGGER IF EXISTS {name} ON {table}" if postgres else f"DROP TRIGGER IF EXISTS {name}"
        )
        if postgres:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_table(LOG)
    op.drop_table("kpi_district_fact")
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
    op.execute("DELETE FROM kpi_current_total")
    op.execute("DELETE FROM kpi_refresh_state")
    op.execute("DELETE FROM kpi_rollup")
