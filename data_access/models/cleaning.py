"""Data-cleaning rules, queue items and their history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from data_access.models.base import Base
from data_access.types import BigIntPK, UTCDateTime, bigintpk, created_at


class CleaningRule(Base):
    __tablename__ = "cleaning_rule"

    id: Mapped[str] = mapped_column(String(48), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    explanation_vi: Mapped[str] = mapped_column(Text)
    suggested_fix_vi: Mapped[str] = mapped_column(Text)
    explanation_en: Mapped[str | None] = mapped_column(Text)
    suggested_fix_en: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[int] = mapped_column(Integer, default=2)  # 1 = highest priority
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # True: an open item of this rule means the record is not "standardised" (P1_RECORDS_STANDARDISED)
    standardisation: Mapped[bool] = mapped_column(Boolean, default=False)
    params: Mapped[dict | None] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))


class CleaningItem(Base):
    """One suspect record (or pair of residents) raised by a rule.

    ``fingerprint`` (rule + subject) is unique so a rescan never duplicates an item; ``version``
    gives optimistic locking when two people act on the same item.
    """

    __tablename__ = "cleaning_item"
    __table_args__ = (
        Index("ix_cleaning_item_district_status", "district_id", "status", "rule_id"),
        Index("ix_cleaning_item_facility_status", "assigned_facility_id", "status"),
    )

    id: Mapped[bigintpk]
    fingerprint: Mapped[str] = mapped_column(String(96), unique=True)
    rule_id: Mapped[str] = mapped_column(ForeignKey("cleaning_rule.id"))
    resident_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("resident.id"), index=True)
    other_resident_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("resident.id"))
    ward_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    status: Mapped[str] = mapped_column(String(10), default="open")  # CleaningStatus
    priority: Mapped[int] = mapped_column(Integer, default=2)
    score: Mapped[float | None] = mapped_column(Float)
    details: Mapped[dict | None] = mapped_column(JSON)  # field-level explanation
    assigned_facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    opened_at: Mapped[created_at]
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolution: Mapped[str | None] = mapped_column(String(255))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # last scan that raised it
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class CleaningItemEvent(Base):
    """History of an item: assignment, fix (with before/after values), merge, undo, comment."""

    __tablename__ = "cleaning_item_event"

    id: Mapped[bigintpk]
    item_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("cleaning_item.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    at: Mapped[created_at]
    action: Mapped[str] = mapped_column(String(24))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
