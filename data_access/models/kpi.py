"""KPI catalogue (targets and deadlines the administrator edits), compact daily facts, refresh state.

Facts are *daily increments* of named measures at the finest level (ward, or facility for the
facility-based measures): the value of a measure on any day is the cumulative sum of its increments up
to that day, so "as of" views and trends never rescan the source tables. Roll-ups to district, city and
the 2025 communes are computed on read (``kpis.rollup``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from data_access.models.base import Base
from data_access.types import UTCDateTime


class KpiDefinition(Base):
    """One KPI of the catalogue (``kpis/catalogue.toml``); ``target``/``deadline`` are admin-editable."""

    __tablename__ = "kpi_definition"

    id: Mapped[str] = mapped_column(String(48), primary_key=True)
    phase: Mapped[int] = mapped_column(Integer)
    name_vi: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    numerator_vi: Mapped[str] = mapped_column(Text)
    denominator_vi: Mapped[str] = mapped_column(Text)
    numerator_en: Mapped[str | None] = mapped_column(Text)
    denominator_en: Mapped[str | None] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    unit: Mapped[str] = mapped_column(String(16), default="percent")
    target: Mapped[float] = mapped_column(Float, default=1.0)
    deadline: Mapped[dt.date] = mapped_column(Date)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))


class KpiDailyFact(Base):
    """Net change of one measure at one finest-level unit on one day (rows with a zero change are omitted).

    ``facility_id`` is 0 for measures counted per ward (residents, records, queue items, events);
    ``district_id`` is denormalised so the shared scope filter applies without a join.
    """

    __tablename__ = "kpi_daily_fact"
    __table_args__ = (Index("ix_kpi_daily_fact_day", "day"),)

    measure: Mapped[str] = mapped_column(String(48), primary_key=True)
    ward_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    district_id: Mapped[int] = mapped_column(Integer, index=True)
    facility_type: Mapped[str] = mapped_column(String(20), default="")
    delta: Mapped[int] = mapped_column(BigInteger)


class KpiCurrentTotal(Base):
    """Each measure's value per finest unit on the last refresh's day (the sum of its increments so far).

    Pages mostly look at "today": they read these few thousand rows instead of summing the history; an
    earlier day subtracts the (index-ranged) increments after it.
    """

    __tablename__ = "kpi_current_total"

    measure: Mapped[str] = mapped_column(String(48), primary_key=True)
    ward_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    district_id: Mapped[int] = mapped_column(Integer)
    facility_type: Mapped[str] = mapped_column(String(20), default="")
    value: Mapped[int] = mapped_column(BigInteger)


class KpiRefreshState(Base):
    """Watermark per source table: the incremental refresh recomputes days from ``data_through`` on."""

    __tablename__ = "kpi_refresh_state"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    data_through: Mapped[dt.date] = mapped_column(Date)  # the "today" of the last refresh
    refreshed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    full_refreshed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    rows_written: Mapped[int] = mapped_column(BigInteger, default=0)
    seconds: Mapped[float | None] = mapped_column(Float)


class KpiRollup(Base):
    """Precomputed KPI numerators/denominators per org unit, written at the end of each refresh.

    The pages read these few tens of thousands of rows instead of the daily facts (``kpis.rollup_store``):

    ``kind = "status"``  every level, ``day`` = the refresh's day: the unit's figures and run-rate
    ``kind = "window"``  city and district, every day of the run-rate window ending on that day
    ``kind = "trend"``   city and district, weekly points back to the start plus every recent day

    ``district_id`` / ``ward_id`` locate the unit (its own id at its level, its parents' above) so the
    shared scope filter applies; both are NULL for the city and the 2025 communes.
    """

    __tablename__ = "kpi_rollup"

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    level: Mapped[str] = mapped_column(String(16), primary_key=True)
    kpi_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    district_id: Mapped[int | None] = mapped_column(Integer)
    ward_id: Mapped[int | None] = mapped_column(Integer)
    numerator: Mapped[int] = mapped_column(BigInteger)
    denominator: Mapped[int] = mapped_column(BigInteger)
    rate: Mapped[float | None] = mapped_column(Float)
