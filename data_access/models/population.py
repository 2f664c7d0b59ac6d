"""Residents, their health records, vaccinations and police administrative change events.

``ward_id``/``district_id`` are denormalised onto every large table: scope filters and KPI
aggregation then touch one table with an index, never a join over millions of rows.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from data_access.models.base import Base
from data_access.types import BigIntPK, bigintpk, created_at


class Resident(Base):
    """A person living or working stably in Hà Nội (or who did, until ``resident_until``).

    Identifier columns are wider than the valid formats on purpose: real data holds malformed values
    and the cleaning rules must be able to see them.
    """

    __tablename__ = "resident"
    __table_args__ = (
        Index("ix_resident_district_ward", "district_id", "ward_id"),
        Index("ix_resident_ward_period", "ward_id", "resident_since", "resident_until"),
    )

    id: Mapped[bigintpk]
    cccd: Mapped[str | None] = mapped_column(String(20), index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    sex: Mapped[str] = mapped_column(String(1))  # Sex
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    bhxh_code: Mapped[str | None] = mapped_column(String(20))
    bhyt_card: Mapped[str | None] = mapped_column(String(20))
    residence_type: Mapped[str] = mapped_column(String(12))  # ResidenceType
    ward_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    district_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    address_text: Mapped[str | None] = mapped_column(String(255))
    resident_since: Mapped[dt.date] = mapped_column(Date)
    resident_until: Mapped[dt.date | None] = mapped_column(Date)  # exclusive: moved out or died
    deceased_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[created_at]
    # Set when a cleaning merge folded this row into another resident (undo clears it); such rows are
    # kept for history and excluded from scans and counts.
    merged_into_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("resident.id"), index=True)


class HealthRecord(Base):
    """The electronic health record (HSSKĐT) of one resident and its rollout status dates."""

    __tablename__ = "health_record"
    __table_args__ = (Index("ix_health_record_district_ward", "district_id", "ward_id"),)

    id: Mapped[bigintpk]
    resident_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("resident.id"), unique=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    district_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"))  # managing station
    status: Mapped[str] = mapped_column(String(10), default="active")  # RecordStatus
    created_on: Mapped[dt.date] = mapped_column(Date)
    standardised_on: Mapped[dt.date | None] = mapped_column(Date)
    verification_status: Mapped[str] = mapped_column(String(10), default="pending")
    verified_on: Mapped[dt.date | None] = mapped_column(Date)
    mismatch_field: Mapped[str | None] = mapped_column(String(32))  # which field differs from CSDLQG
    mismatch_reason: Mapped[str | None] = mapped_column(String(255))
    vneid_shared_on: Mapped[dt.date | None] = mapped_column(Date)
    bhyt_linked_on: Mapped[dt.date | None] = mapped_column(Date)
    vaccination_loaded_on: Mapped[dt.date | None] = mapped_column(Date)
    last_visit_on: Mapped[dt.date | None] = mapped_column(Date)
    last_health_check_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)


class Vaccination(Base):
    """One dose from the national immunisation information system."""

    __tablename__ = "vaccination"

    id: Mapped[bigintpk]
    resident_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("resident.id"), index=True)
    vaccine_code: Mapped[str] = mapped_column(String(16))
    dose_number: Mapped[int] = mapped_column(SmallInteger)
    vaccinated_on: Mapped[dt.date] = mapped_column(Date)
    lot: Mapped[str | None] = mapped_column(String(20))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"))


class AdminChangeEvent(Base):
    """An administrative change reported by the police (Bộ Công an) and when it was applied."""

    __tablename__ = "admin_change_event"
    __table_args__ = (Index("ix_admin_change_event_ward_received", "ward_id", "received_on"),)

    id: Mapped[bigintpk]
    event_type: Mapped[str] = mapped_column(String(12))  # AdminEventType
    resident_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("resident.id"), index=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    district_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    received_on: Mapped[dt.date] = mapped_column(Date)
    applied_on: Mapped[dt.date | None] = mapped_column(Date)
    details: Mapped[dict | None] = mapped_column(JSON)
