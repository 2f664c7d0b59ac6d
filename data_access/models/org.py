"""The org-unit tree (effective-dated) and the facility register."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from data_access.models.base import Base
from data_access.types import code5, intpk, name_str


class OrgUnit(Base):
    """One node of the administrative tree.

    Legacy units (city → district → ward) and the 2025 commune-level units live side by side,
    distinguished by ``level``; codes are GSO codes and are unique only within a level (the 2025
    units reuse legacy ward codes). ``path`` is the materialised ancestry (``/01/001/00001/``) so a
    subtree is one indexed prefix match.
    """

    __tablename__ = "org_unit"
    __table_args__ = (UniqueConstraint("level", "code", name="uq_org_unit_level_code"),)

    id: Mapped[intpk]
    level: Mapped[str] = mapped_column(String(16), index=True)
    code: Mapped[code5]
    name: Mapped[name_str]  # "Phường Phúc Xá"
    short_name: Mapped[name_str]  # "Phúc Xá"
    unit_type: Mapped[str] = mapped_column(String(32))  # Quận / Huyện / Thị xã / Phường / Xã / Thị trấn
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    path: Mapped[str] = mapped_column(String(64), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # "lat_min,lon_min – lat_max,lon_max" as shipped by vietnamadminunits
    bounds: Mapped[str | None] = mapped_column(String(80))
    area_km2: Mapped[float | None] = mapped_column(Float)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)  # exclusive; None = still in force


class OrgUnitMapping(Base):
    """Legacy ward → 2025 commune-level unit. Many-to-many: some wards were split."""

    __tablename__ = "org_unit_mapping"

    legacy_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), primary_key=True)
    new_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), primary_key=True, index=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class Facility(Base):
    """A health facility with its phase-1 rollout milestones."""

    __tablename__ = "facility"
    __table_args__ = (Index("ix_facility_district_type", "district_id", "facility_type"),)

    id: Mapped[intpk]
    code: Mapped[code5] = mapped_column(String(5), unique=True)  # MA_CSKCB, ^\d{2}[0-9A-Z]{3}$
    name: Mapped[name_str]
    facility_type: Mapped[str] = mapped_column(String(20), index=True)
    is_public: Mapped[bool] = mapped_column(Boolean)
    is_licensed: Mapped[bool] = mapped_column(Boolean, default=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    account_issued_on: Mapped[dt.date | None] = mapped_column(Date)
    staff_trained_on: Mapped[dt.date | None] = mapped_column(Date)
    first_data_sent_on: Mapped[dt.date | None] = mapped_column(Date)


class FacilityDailySubmission(Base):
    """Visit submissions (QĐ 130 XML) a facility sent on one day."""

    __tablename__ = "facility_daily_submission"

    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True, index=True)
    received: Mapped[int] = mapped_column(Integer)
    accepted: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
