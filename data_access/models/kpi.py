"""KPI catalogue (targets and deadlines the administrator edits) and compact daily facts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from data_access.models.base import Base
from data_access.types import UTCDateTime


class KpiDefinition(Base):
    __tablename__ = "kpi_definition"

    id: Mapped[str] = mapped_column(String(48), primary_key=True)
    phase: Mapped[int] = mapped_column(Integer)
    name_vi: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    numerator_vi: Mapped[str] = mapped_column(Text)
    denominator_vi: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(16), default="percent")
    target: Mapped[float] = mapped_column(Float, default=1.0)
    deadline: Mapped[dt.date] = mapped_column(Date)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class KpiDailyFact(Base):
    """Numerator and denominator of one KPI at the finest level (ward or facility) on one day.

    Roll-ups to district, city and the 2025 units are computed on read.
    """

    __tablename__ = "kpi_daily_fact"

    kpi_id: Mapped[str] = mapped_column(ForeignKey("kpi_definition.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), primary_key=True)
    facility_type: Mapped[str] = mapped_column(String(20), primary_key=True, default="")
    numerator: Mapped[float] = mapped_column(Float)
    denominator: Mapped[float] = mapped_column(Float)
