"""KPI catalogue (targets and deadlines the administrator edits), compact daily facts, refresh state.

Facts are *daily increments* of named measures at the finest level (ward, or facility for the
facility-based measures): the value of a measure on any day is the cumulative sum of its increments up
to that day, so "as of" views and trends never rescan the source tables. Roll-ups to district, city and
the 2025 communes are computed on read (``kpis.rollup``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, Date, Float, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from data_access.models.base import Base
from data_access.types import BigIntPK, UTCDateTime


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

    The key is (measure, day, ward, facility) and there is no other index: every read names its
    measures and a day range (the increments between two days, a run-rate window) or is a whole pass,
    a full refresh writes in key order (an append), a refresh of one source deletes a key range.
    Secondary indexes made the full refresh's write 4x slower. On SQLite the table is clustered on
    that key (WITHOUT ROWID): one B-tree instead of two.
    """

    __tablename__ = "kpi_daily_fact"
    __table_args__ = {"sqlite_with_rowid": False}

    measure: Mapped[str] = mapped_column(String(48), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    ward_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    district_id: Mapped[int] = mapped_column(Integer)
    facility_type: Mapped[str] = mapped_column(String(20), default="")
    delta: Mapped[int] = mapped_column(BigInteger)


class KpiDistrictFact(Base):
    """The daily facts summed per district and facility type: what city and district trends read.

    Kept in step with ``kpi_daily_fact`` by every refresh; ~20x fewer rows at city scale, so the
    trend of every KPI since July 2023 is one short pass instead of one over the ward-level facts.
    """

    __tablename__ = "kpi_district_fact"
    __table_args__ = {"sqlite_with_rowid": False}

    measure: Mapped[str] = mapped_column(String(48), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    district_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_type: Mapped[str] = mapped_column(String(20), primary_key=True, default="")
    delta: Mapped[int] = mapped_column(BigInteger)


class KpiMonthFact(Base):
    """The daily facts summed per calendar month (``month`` = its first day), per finest unit.

    Kept in step with ``kpi_daily_fact`` by every refresh (~25x fewer rows at city scale). A past "as
    of" day sums whole months from here and only the days at either end from the daily facts: 200
    days back is ~7 month rows per unit instead of ~200 daily ones.
    """

    __tablename__ = "kpi_month_fact"
    __table_args__ = {"sqlite_with_rowid": False}

    measure: Mapped[str] = mapped_column(String(48), primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    ward_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    district_id: Mapped[int] = mapped_column(Integer)
    facility_type: Mapped[str] = mapped_column(String(20), default="")
    delta: Mapped[int] = mapped_column(BigInteger)


class KpiMonthTotal(Base):
    """The value of each big source's measure (``kpi_facts.MONTH_TOTAL_MEASURES``) per finest unit at
    the end of every closed month (``month`` = its first day): the running sum of ``kpi_month_fact``.
    Zero values are left out.

    A past "as of" day starts from the nearest month end (or the current totals) and moves by the
    daily facts in between: at most half a month of them, however far back the day is. Kept in step
    with the facts by every refresh; ``kpi_refresh_state`` row ``month_totals`` records the last month
    stored (none: the table is not filled yet and is not read).
    """

    __tablename__ = "kpi_month_total"
    __table_args__ = {"sqlite_with_rowid": False}

    measure: Mapped[str] = mapped_column(String(48), primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    ward_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    district_id: Mapped[int] = mapped_column(Integer)
    facility_type: Mapped[str] = mapped_column(String(20), default="")
    value: Mapped[int] = mapped_column(BigInteger)


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


class KpiPopulationChange(Base):
    """Before/after images of resident ⟕ health_record rows, written by database triggers.

    Every insert, update (of a column a KPI reads) and delete on ``resident`` or ``health_record``
    appends the joined row's old image with ``sign`` -1 and its new image with +1 (merged residents
    have no image). The incremental refresh turns the images into increments exactly like the full
    refresh turns the tables into increments, adds them to the facts, and deletes the rows it used: its
    cost follows the day's changes, not the 8.7 M residents, and back-dated edits are exact too.
    Triggers are in migration 0006; bulk loads suspend them (``data_access.bulk.load_mode``).
    """

    __tablename__ = "kpi_population_change"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    sign: Mapped[int] = mapped_column(SmallInteger)
    resident_id: Mapped[int] = mapped_column(BigInteger)
    ward_id: Mapped[int] = mapped_column(Integer)
    district_id: Mapped[int] = mapped_column(Integer)
    resident_since: Mapped[dt.date | None] = mapped_column(Date)
    resident_until: Mapped[dt.date | None] = mapped_column(Date)
    insured: Mapped[bool] = mapped_column(Boolean)
    created_on: Mapped[dt.date | None] = mapped_column(Date)
    standardised_on: Mapped[dt.date | None] = mapped_column(Date)
    verified_on: Mapped[dt.date | None] = mapped_column(Date)  # only when the status is "verified"
    vneid_shared_on: Mapped[dt.date | None] = mapped_column(Date)
    bhyt_linked_on: Mapped[dt.date | None] = mapped_column(Date)
    vaccination_loaded_on: Mapped[dt.date | None] = mapped_column(Date)
    last_health_check_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)


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
