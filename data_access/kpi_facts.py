"""KPI fact queries: the refresh of the small sources (rows → dated increments, in SQL) and scoped reads.

The refresh of one small source is ONE ``INSERT … SELECT`` whose SELECT reads the table once: every
row is crossed with a tiny key table (one key per interval edge) and ``CASE key`` picks the edge's day
and sign, then ``GROUP BY measure, ward, facility, day`` sums the increments — the database does all
the work and no source row travels to Python. Measure semantics: ``kpis/measures.py``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl
from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Join

from data_access.bulk import append_frame
from data_access.models import (
    Account,
    CleaningItem,
    Evaluation,
    Facility,
    KpiCurrentTotal,
    KpiDailyFact,
    KpiDistrictFact,
    KpiMonthFact,
    KpiMonthTotal,
    KpiRefreshState,
    OrgUnit,
    OrgUnitMapping,
)
from data_access.models.enums import CleaningStatus, EvaluationStatus, OrgLevel
from data_access.scope import Scope, scope_clause
from data_access.types import utcnow

LOCAL_TZ = "Asia/Ho_Chi_Minh"
F = KpiDailyFact


# ---------------------------------------------------------------------------------------------------
# Dialect helpers: the same date arithmetic on SQLite (ISO text dates) and PostgreSQL (date type)


class _Sql:
    def __init__(self, dialect_name: str) -> None:
        self.sqlite = dialect_name == "sqlite"

    def add_days(self, day, n: int):
        if self.sqlite:
            return type_coerce(func.date(day, f"{int(n):+d} days"), Date)
        return type_coerce(day + literal_column(str(int(n))), Date)

    def later(self, a, b):
        """max(a, b); NULL when either is missing ("not happened yet")."""
        greatest = func.max(a, b) if self.sqlite else func.greatest(a, b)
        return case((or_(a.is_(None), b.is_(None)), null()), else_=type_coerce(greatest, Date))

    def earlier_end(self, a, b):
        """min(a, b) of two interval ends where NULL means open-ended."""
        least = func.min(a, b) if self.sqlite else func.least(a, b)
        return case((a.is_(None), b), (b.is_(None), a), else_=type_coerce(least, Date))

    def month_start(self, day):
        if self.sqlite:
            return type_coerce(func.date(day, "start of month"), Date)
        return cast(func.date_trunc("month", day), Date)

    def local_date(self, ts):
        if self.sqlite:  # UTC stored naive; Vietnam has no DST
            return type_coerce(func.date(ts, "+7 hours"), Date)
        return cast(func.timezone(LOCAL_TZ, ts), Date)


class _CrossJoin(Join):
    """``source CROSS JOIN keys``: on SQLite this forces the source table to be the outer loop (read
    once), instead of the planner re-scanning it once per key."""

    inherit_cache = True


@compiles(_CrossJoin)
def _compile_cross_join(element, compiler, **kw):
    from_linter = kw.get("from_linter")
    if from_linter is not None:  # a deliberate cartesian product: tell the linter the two sides are joined
        from_linter.edges.update(
            itertools.product(_flatten(element.left._from_objects), element.right._from_objects)
        )
    kw["asfrom"] = True
    left = compiler.process(element.left, **kw)
    right = compiler.process(element.right, **kw)
    return f"{left} CROSS JOIN {right}"


def _flatten(froms):
    for item in froms:
        if isinstance(item, Join):
            yield from _flatten([item.left, item.right])
        else:
            yield item


def _date(value: dt.date):
    return literal(value, Date)


@dataclass(frozen=True)
class Interval:
    """The row counts for ``measure`` on days in [start, end); ``cond`` filters rows."""

    measure: str
    start: object
    end: object = None
    cond: object = None


@dataclass(frozen=True)
class Point:
    """The row adds ``weight`` to ``measure`` on ``day`` (and stays: cumulative)."""

    measure: str
    day: object
    weight: object = 1
    cond: object = None


@dataclass(frozen=True)
class SourceQuery:
    from_: object  # selectable / join
    where: tuple
    ward: object
    district: object
    facility: object
    facility_type: object
    edges: tuple[Interval | Point, ...]


def _edges(edges: Sequence[Interval | Point]) -> list[tuple[str, object, object]]:
    """(measure, day-or-NULL, delta) per key."""
    keys: list[tuple[str, object, object]] = []
    for edge in edges:
        if isinstance(edge, Point):
            ok = edge.day.is_not(None) if edge.cond is None else and_(edge.cond, edge.day.is_not(None))
            weight = literal(edge.weight, Integer) if isinstance(edge.weight, int) else edge.weight
            keys.append((edge.measure, case((ok, edge.day), else_=null()), weight))
            continue
        valid = [edge.start.is_not(None)]
        if edge.cond is not None:
            valid.append(edge.cond)
        if edge.end is not None:
            valid.append(or_(edge.end.is_(None), edge.start < edge.end))
        keys.append((edge.measure, case((and_(*valid), edge.start), else_=null()), literal(1, Integer)))
        if edge.end is not None:
            keys.append(
                (
                    edge.measure,
                    case((and_(*valid, edge.end.is_not(None)), edge.end), else_=null()),
                    literal(-1, Integer),
                )
            )
    return keys


def _increments_select(source: SourceQuery, since: dt.date | None):
    keys = _edges(source.edges)
    key_table = union_all(*[select(literal(i, Integer).label("k")) for i in range(len(keys))]).subquery(
        "kpi_keys"
    )
    k = key_table.c.k
    measure = case({i: literal(m, String) for i, (m, _, _) in enumerate(keys)}, value=k)
    day = case({i: d for i, (_, d, _) in enumerate(keys)}, value=k)
    delta = case({i: w for i, (_, _, w) in enumerate(keys)}, value=k)
    inner = (
        select(
            measure.label("measure"),
            source.ward.label("ward_id"),
            source.facility.label("facility_id"),
            type_coerce(day, Date).label("day"),
            source.district.label("district_id"),
            source.facility_type.label("facility_type"),
            delta.label("delta"),
        )
        .select_from(_CrossJoin(source.from_, key_table, true()))
        .where(*source.where)
        .subquery("kpi_edges")
    )
    conditions = [inner.c.day.is_not(None)]
    if since is not None:
        conditions.append(inner.c.day >= _date(since))
    total = func.sum(inner.c.delta)
    return (
        select(
            inner.c.measure,
            inner.c.ward_id,
            inner.c.facility_id,
            inner.c.day,
            inner.c.district_id,
            inner.c.facility_type,
            total,
        )
        .where(*conditions)
        .group_by(
            inner.c.measure,
            inner.c.ward_id,
            inner.c.facility_id,
            inner.c.day,
            inner.c.district_id,
            inner.c.facility_type,
        )
        .having(total != 0)
    )


_FACT_COLUMNS = ["measure", "ward_id", "facility_id", "day", "district_id", "facility_type", "delta"]


# ---------------------------------------------------------------------------------------------------
# Sources


def _facility(sql: _Sql, epoch: dt.date) -> SourceQuery:
    f = Facility
    return SourceQuery(
        from_=f.__table__,
        where=(),
        ward=f.ward_id,
        district=f.district_id,
        facility=f.id,
        facility_type=f.facility_type,
        edges=(
            Point("facility_registered", _date(epoch)),
            Point("facility_account_issued", f.account_issued_on),
            Point("facility_staff_trained", f.staff_trained_on),
            Point("facility_licensed", _date(epoch), cond=f.is_licensed),
            Point("facility_connected", f.first_data_sent_on, cond=f.is_licensed),
        ),
    )


def _cleaning(sql: _Sql) -> SourceQuery:
    c = CleaningItem
    closed = sql.local_date(c.closed_at)
    return SourceQuery(
        from_=c.__table__,
        where=(),
        ward=c.ward_id,
        district=c.district_id,
        facility=literal(0, Integer),
        facility_type=literal("", String),
        edges=(
            Interval(
                "cleaning_raised",
                sql.local_date(c.opened_at),
                case((c.status == CleaningStatus.DISMISSED.value, closed), else_=null()),
            ),
            Interval(
                "cleaning_resolved", case((c.status == CleaningStatus.RESOLVED.value, closed), else_=null())
            ),
        ),
    )


def _accounts(sql: _Sql) -> SourceQuery:
    a, f = Account, Facility
    issued, disabled = sql.local_date(a.created_at), sql.local_date(a.disabled_at)
    last_login = sql.local_date(a.last_login_at)
    return SourceQuery(
        from_=a.__table__.join(f.__table__, f.id == a.facility_id),
        where=(),
        ward=f.ward_id,
        district=f.district_id,
        facility=f.id,
        facility_type=f.facility_type,
        edges=(
            Interval("accounts_issued", issued, disabled),
            Interval(
                "accounts_used_30d",
                sql.later(last_login, issued),
                sql.earlier_end(sql.add_days(last_login, 30), disabled),
            ),
        ),
    )


def _source_queries(sql: _Sql, source: str, epoch: dt.date) -> list[SourceQuery]:
    """The small sources, aggregated in SQL (the big ones are in ``data_access.kpi_frames``)."""
    return {
        "facility": lambda: [_facility(sql, epoch)],
        "cleaning": lambda: [_cleaning(sql)],
        "account": lambda: [_accounts(sql)],
        "supervision": lambda: [],
    }[source]()


def _supervision_rows(connection: Connection, epoch: dt.date) -> list[dict]:
    """Wards due (each ward in force) and wards evaluated per quarter: a small table, shaped in Python."""
    ward = OrgUnit
    rows: list[dict] = [
        {
            "measure": "wards_due",
            "ward_id": ward_id,
            "facility_id": 0,
            "day": epoch,
            "district_id": district_id,
            "facility_type": "",
            "delta": 1,
        }
        for ward_id, district_id in connection.execute(
            select(ward.id, ward.parent_id).where(ward.level == OrgLevel.WARD.value, ward.valid_to.is_(None))
        )
    ]
    e, f, ou = Evaluation, Facility, OrgUnit
    ward_of = func.coalesce(f.ward_id, case((ou.level == OrgLevel.WARD.value, ou.id), else_=null()))
    district_of = func.coalesce(f.district_id, case((ou.level == OrgLevel.WARD.value, ou.parent_id)))
    evaluated = connection.execute(
        select(ward_of, district_of, e.evaluated_on)
        .select_from(e)
        .outerjoin(f, f.id == e.facility_id)
        .join(ou, ou.id == e.org_unit_id)
        .where(e.status.in_([EvaluationStatus.SUBMITTED.value, EvaluationStatus.CLOSED.value]))
        .group_by(ward_of, district_of, e.evaluated_on)
    ).all()
    first: dict[tuple[int, int, dt.date], dt.date] = {}
    for ward_id, district_id, day in evaluated:
        if ward_id is None or day is None:
            continue
        if isinstance(day, str):
            day = dt.date.fromisoformat(day)
        quarter = quarter_start(day)
        key = (ward_id, district_id, quarter)
        if key not in first or day < first[key]:
            first[key] = day
    increments: dict[tuple, int] = defaultdict(int)
    for (ward_id, district_id, quarter), day in first.items():
        increments[(ward_id, district_id, day)] += 1
        increments[(ward_id, district_id, next_quarter_start(quarter))] -= 1
    rows.extend(
        {
            "measure": "wards_supervised_quarter",
            "ward_id": ward_id,
            "facility_id": 0,
            "day": day,
            "district_id": district_id,
            "facility_type": "",
            "delta": delta,
        }
        for (ward_id, district_id, day), delta in increments.items()
        if delta
    )
    return rows


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def next_quarter_start(quarter: dt.date) -> dt.date:
    return (
        dt.date(quarter.year + 1, 1, 1)
        if quarter.month == 10
        else dt.date(quarter.year, quarter.month + 3, 1)
    )


def refresh_source(
    connection: Connection, source: str, measures: Iterable[str], since: dt.date | None, epoch: dt.date
) -> int:
    """Replace the increments of ``source`` (all days, or days >= ``since``) in the caller's transaction."""
    sql = _Sql(connection.dialect.name)
    measures = list(measures)
    stale = delete(F).where(F.measure.in_(measures))
    if since is not None:
        stale = stale.where(F.day >= _date(since))
    connection.execute(stale)
    if source == "supervision":
        rows = [row for row in _supervision_rows(connection, epoch) if since is None or row["day"] >= since]
        if rows:
            connection.execute(insert(F), rows)
        return len(rows)
    for query in _source_queries(sql, source, epoch):
        connection.execute(insert(F).from_select(_FACT_COLUMNS, _increments_select(query, since)))
    # Counted, not taken from the cursor: psycopg reports no row count for INSERT … SELECT here.
    written = select(func.count()).select_from(F).where(F.measure.in_(measures))
    if since is not None:
        written = written.where(F.day >= _date(since))
    return connection.execute(written).scalar_one()


def rebuild_district_facts(connection: Connection, measures: Sequence[str], since: dt.date | None) -> None:
    """kpi_district_fact := the facts of ``measures`` (days >= ``since``) summed per district and type."""
    D = KpiDistrictFact
    _resum(connection, D, D.day, measures, since, keys=(F.measure, F.day, F.district_id, F.facility_type))


def rebuild_month_facts(connection: Connection, measures: Sequence[str], since: dt.date | None) -> None:
    """kpi_month_fact := the facts of ``measures`` summed per month, for the months from ``since``'s on."""
    M = KpiMonthFact
    month = _Sql(connection.dialect.name).month_start(F.day)
    _resum(
        connection,
        M,
        M.month,
        measures,
        month_start(since) if since is not None else None,
        keys=(F.measure, month, F.ward_id, F.facility_id),
        carried=(F.district_id, F.facility_type),  # the same for every fact of a (ward, facility)
    )


def _resum(connection: Connection, summary, summary_day, measures, first_day, *, keys, carried=()) -> None:
    """Replace ``summary``'s rows of ``measures`` (``summary_day`` >= ``first_day``) by the daily facts
    dated from ``first_day`` on, summed by ``keys`` (the summary's key columns, in its column order);
    ``carried`` columns follow the keys (each constant within a key); zero sums are left out."""
    measures = list(measures)
    stale = delete(summary).where(summary.measure.in_(measures))
    conditions = [F.measure.in_(measures)]
    if first_day is not None:
        stale = stale.where(summary_day >= _date(first_day))
        conditions.append(F.day >= _date(first_day))
    connection.execute(stale)
    total = func.sum(F.delta)
    columns = [c.name for c in summary.__table__.columns]
    connection.execute(
        insert(summary).from_select(
            columns,
            select(*keys, *(func.min(c) for c in carried), total)
            .where(*conditions)
            .group_by(*keys)
            .having(total != 0),
        )
    )


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month_start(day: dt.date) -> dt.date:
    return dt.date(day.year + 1, 1, 1) if day.month == 12 else dt.date(day.year, day.month + 1, 1)


EARLIEST = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class MonthPlan:
    """How to sum the increments dated in (lo, hi]: the month sums of the months [first, end), plus
    the daily facts in the ``add`` ranges, minus those in the ``subtract`` ranges (each range (a, b])."""

    months: tuple[dt.date, dt.date] | None
    add: tuple[tuple[dt.date, dt.date], ...] = ()
    subtract: tuple[tuple[dt.date, dt.date], ...] = ()


def month_plan(lo: dt.date | None, hi: dt.date) -> MonthPlan:
    """The cheapest way to sum (lo, hi] (lo None: from the start) from month sums and daily facts.

    Months wholly inside come from their month sums. A month only partly inside takes whichever
    reads fewer days: its days inside from the daily facts, or its month sum less its days outside.
    So at most half a month of daily facts is read at each end.
    """
    one = dt.timedelta(days=1)
    first_day = EARLIEST if lo is None else lo + one
    if first_day > hi:
        return MonthPlan(None)
    head, tail = month_start(first_day), month_start(hi)
    first, end = head, next_month_start(tail)
    add: list[tuple[dt.date, dt.date]] = []
    subtract: list[tuple[dt.date, dt.date]] = []
    for month in sorted({head, tail}):
        last = next_month_start(month) - one
        inside_from, inside_to = max(first_day, month), min(hi, last)
        inside = (inside_to - inside_from).days + 1
        outside = (last - month).days + 1 - inside
        if outside == 0:
            continue
        if outside < inside:
            if inside_from > month:
                subtract.append((month - one, inside_from - one))
            if inside_to < last:
                subtract.append((inside_to, last))
        else:
            add.append((inside_from - one, inside_to))
            if month == head:
                first = next_month_start(month)
            if month == tail:
                end = month
    return MonthPlan((first, end) if first < end else None, tuple(add), tuple(subtract))


# ---------------------------------------------------------------------------------------------------
# Month-end totals (kpi_month_total): the running sum of the month sums, for every closed month


MONTH_TOTALS_STATE = "month_totals"  # kpi_refresh_state row: the last month kpi_month_total holds

# The big sources' measures (computed by ``kpi_frames``; ``kpis.measures`` gives their meaning).
POPULATION_MEASURES = (
    "residents",
    "residents_with_record",
    "residents_vaccination_loaded",
    "residents_health_check_12m",
    "records",
    "records_standardised",
    "records_verified",
    "records_vneid_shared",
    "records_insured",
    "records_insured_linked",
)
SUBMISSION_MEASURES = ("submissions_received", "submissions_accepted", "facility_reporting_30d")
ADMIN_EVENT_MEASURES = ("admin_events_received_90d", "admin_events_applied_7d")
# Their month-end totals are stored (the big sources write them). The small sources' few facts are
# summed from their current totals instead: the facility register's ~5 k facts alone would fill
# ~180 k month-end rows.
MONTH_TOTAL_MEASURES = frozenset(POPULATION_MEASURES + SUBMISSION_MEASURES + ADMIN_EVENT_MEASURES)


def month_end(month: dt.date) -> dt.date:
    return next_month_start(month) - dt.timedelta(days=1)


def month_end_by(day: dt.date) -> dt.date:
    """The last month end on or before ``day``."""
    return month_start(day + dt.timedelta(days=1)) - dt.timedelta(days=1)


def last_closed_month(today: dt.date) -> dt.date:
    """The month before ``today``'s: the last one whose end a refresh on ``today`` stores."""
    return month_start(month_start(today) - dt.timedelta(days=1))


@dataclass(frozen=True)
class MonthTotals:
    """What a refresh does to ``kpi_month_total``: ``stored`` is the last month it held before (None:
    never filled), ``through`` the last month it holds after. Any change of a fact dated on a day d
    changes the month totals from d's month through ``through``."""

    stored: dt.date | None
    through: dt.date

    @classmethod
    def for_refresh(cls, connection: Connection, today: dt.date) -> MonthTotals:
        stored = month_totals_through(connection)
        closed = last_closed_month(today)
        return cls(stored, max(stored, closed) if stored is not None else closed)

    @property
    def first_unstored(self) -> dt.date | None:
        """The first month the table does not hold yet (None: it holds none)."""
        return None if self.stored is None else next_month_start(self.stored)

    def first_to_rebuild(self, first_changed: dt.date | None) -> dt.date | None:
        """The first month to recompute when the facts changed from ``first_changed``'s month on (None:
        all of them): that month, or an earlier one the table does not hold yet (None: every month)."""
        if self.stored is None or first_changed is None:
            return None
        return min(month_start(first_changed), next_month_start(self.stored))


def month_totals_through(connection: Connection) -> dt.date | None:
    return _state_day(connection, MONTH_TOTALS_STATE)


def rebuild_month_totals(
    connection: Connection, measures: Sequence[str], first: dt.date | None, through: dt.date
) -> None:
    """kpi_month_total of ``measures`` for the months from ``first`` (None: all) through ``through``:
    the month before ``first``'s totals plus the running month sums, summed in polars (a statement
    per month cost ~1 s for the facility register's measures on PostgreSQL)."""
    T, M = KpiMonthTotal, KpiMonthFact
    measures = list(measures)
    stale = delete(T).where(T.measure.in_(measures))
    sums = select(*(M.__table__.c[name] for name in MONTH_SUM_COLUMNS)).where(
        M.measure.in_(measures), M.month <= _date(through)
    )
    parts = []
    if first is not None:
        stale = stale.where(T.month >= _date(first))
        sums = sums.where(M.month >= _date(first))
        before = select(*(T.__table__.c[name] for name in MONTH_SUM_COLUMNS[:-1]), T.value).where(
            T.measure.in_(measures), T.month == _date(month_start(first - dt.timedelta(days=1)))
        )
        parts.append(_frame(connection.execute(before), MONTH_SUM_SCHEMA))
    parts.append(_frame(connection.execute(sums), MONTH_SUM_SCHEMA))
    connection.execute(stale)
    totals = month_totals(pl.concat(parts), through)
    if first is not None:
        totals = totals.filter(pl.col("month") >= pl.lit(first, pl.Date))
    append_frame(connection, T.__tablename__, totals)


MONTH_SUM_SCHEMA = {
    "measure": pl.String,
    "month": pl.Date,
    "ward_id": pl.Int32,
    "facility_id": pl.Int32,
    "district_id": pl.Int32,
    "facility_type": pl.String,
    "delta": pl.Int64,
}
MONTH_SUM_COLUMNS = tuple(MONTH_SUM_SCHEMA)
MONTH_TOTAL_SCHEMA = {**{k: v for k, v in MONTH_SUM_SCHEMA.items() if k != "delta"}, "value": pl.Int64}


def month_totals(month_sums: pl.DataFrame, through: dt.date) -> pl.DataFrame:
    """Month-end values (``kpi_month_total``) of every month up to ``through`` from ALL the month sums
    (``by_month``) of some measures: each unit's running sum, zero values left out."""
    sums = month_sums.filter(pl.col("month") <= pl.lit(through, pl.Date))
    units = ["measure", "ward_id", "facility_id"]
    if sums.height == 0:
        return pl.DataFrame(schema=MONTH_TOTAL_SCHEMA)
    months = pl.date_range(sums["month"].min(), through, "1mo", eager=True).alias("month").to_frame()
    return (
        sums.select(*units, "district_id", "facility_type")
        .unique(subset=units)
        .join(months, how="cross")
        .join(sums.select(*units, "month", "delta"), on=[*units, "month"], how="left")
        .sort([*units, "month"])
        .with_columns(pl.col("delta").fill_null(0).cum_sum().over(units).alias("value"))
        .filter(pl.col("value") != 0)
        .select([pl.col(name).cast(dtype) for name, dtype in MONTH_TOTAL_SCHEMA.items()])
    )


CURRENT_STATE = "current_totals"  # kpi_refresh_state row recording the day of kpi_current_total


def rebuild_current_totals(connection: Connection, today: dt.date, measures: Sequence[str]) -> int:
    """kpi_current_total := the value of ``measures`` on ``today`` per finest unit (from their facts)."""
    measures = list(measures)
    connection.execute(delete(KpiCurrentTotal).where(KpiCurrentTotal.measure.in_(measures)))
    total = func.sum(F.delta)
    result = connection.execute(
        insert(KpiCurrentTotal).from_select(
            ["measure", "ward_id", "facility_id", "district_id", "facility_type", "value"],
            select(F.measure, F.ward_id, F.facility_id, F.district_id, F.facility_type, total)
            .where(F.day <= _date(today), F.measure.in_(measures))
            .group_by(F.measure, F.ward_id, F.facility_id, F.district_id, F.facility_type)
            .having(total != 0),
        )
    )
    return max(result.rowcount or 0, 0)


def current_totals_day(connection: Connection) -> dt.date | None:
    return _state_day(connection, CURRENT_STATE)


def _state_day(connection: Connection, source: str) -> dt.date | None:
    """``data_through`` of the ``kpi_refresh_state`` row ``source`` (None: no such row)."""
    table = KpiRefreshState.__table__
    day = connection.execute(select(table.c.data_through).where(table.c.source == source)).scalar()
    return dt.date.fromisoformat(day) if isinstance(day, str) else day


def refresh_states(connection: Connection) -> dict[str, dict]:
    table = KpiRefreshState.__table__
    return {row["source"]: dict(row) for row in connection.execute(select(table)).mappings()}


def save_refresh_state(
    connection: Connection, source: str, data_through: dt.date, rows: int, seconds: float, full: bool
) -> None:
    table = KpiRefreshState.__table__
    now = utcnow()
    previous = connection.execute(select(table.c.full_refreshed_at).where(table.c.source == source)).first()
    values = {
        "data_through": data_through,
        "refreshed_at": now,
        "rows_written": rows,
        "seconds": seconds,
        "full_refreshed_at": now if full else (previous[0] if previous else None),
    }
    if previous is None:
        connection.execute(table.insert().values(source=source, **values))
    else:
        connection.execute(table.update().where(table.c.source == source).values(**values))


# ---------------------------------------------------------------------------------------------------
# Reads (aggregates only, always inside the caller's scope)


def _frame(result, schema: dict[str, pl.DataType], chunk_rows: int = 20_000) -> pl.DataFrame:
    """A query result as a frame, built chunk by chunk: all rows as Python tuples at once cost the
    app ~3x the memory (170 k daily facts: +94 MB peak instead of +31 MB)."""
    parts = [pl.DataFrame(chunk, schema=schema, orient="row") for chunk in result.partitions(chunk_rows)]
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def _scoped(scope: Scope):
    return scope_clause(scope, ward_col=F.ward_id, district_col=F.district_id, facility_col=F.facility_id)


_TOTALS_SCHEMA = {
    "measure": pl.String,
    "ward_id": pl.Int64,
    "facility_id": pl.Int64,
    "district_id": pl.Int64,
    "facility_type": pl.String,
    "value": pl.Int64,
}


def measure_totals(
    engine: Engine, scope: Scope, as_of: dt.date, measures: Sequence[str] | None = None
) -> pl.DataFrame:
    """Each measure's value on ``as_of`` per finest unit (ward × facility) inside ``scope``."""
    keys = ("measure", "ward_id", "facility_id", "district_id", "facility_type")
    in_scope = {"ward_col": "ward_id", "district_col": "district_id", "facility_col": "facility_id"}
    frame = _totals_on(engine, scope, as_of, measures, F, keys, in_scope, _TOTALS_SCHEMA, months=KpiMonthFact)
    return frame.filter(pl.col("value") != 0)


def _totals_on(
    engine: Engine,
    scope: Scope,
    as_of: dt.date,
    measures: Sequence[str] | None,
    facts,
    keys: Sequence[str],
    scope_cols: dict[str, str],
    schema: dict[str, pl.DataType],
    months=None,
) -> pl.DataFrame:
    """Each measure's value on ``as_of`` per ``keys`` of the fact table ``facts`` (and of the stored
    totals), inside ``scope`` (``scope_cols`` names the columns ``scope_clause`` filters on).

    The stored totals of the nearest day that has them (``nearest_stored_totals``: the last refresh's
    day or a month end) moved by the increments between that day and ``as_of``; with none near, the
    sum of the increments up to it. The increments of whole months come from ``months`` (the same
    facts summed per month) when given.
    """

    def of(table, which) -> tuple[list, list]:
        columns = [getattr(table, k) for k in keys]
        conditions = [scope_clause(scope, **{arg: getattr(table, col) for arg, col in scope_cols.items()})]
        if measures is not None:
            conditions.append(table.measure.in_(list(measures)))
        if which is not None:
            conditions.append(which(table.measure))
        return columns, conditions

    def daily(lo: dt.date | None, hi: dt.date, sign: int, which):
        fact_keys, conditions = of(facts, which)
        conditions.append(facts.day <= _date(hi))
        if lo is not None:
            conditions.append(facts.day > _date(lo))
        return select(*fact_keys, (facts.delta * sign).label("v")).where(*conditions)

    def between(lo: dt.date | None, hi: dt.date, sign: int, which) -> list:
        """``sign`` × the increments dated in (lo, hi]: month sums from ``months`` where cheaper."""
        if months is None:
            return [daily(lo, hi, sign, which)]
        plan = month_plan(lo, hi)
        parts = [daily(a, b, sign, which) for a, b in plan.add]
        parts += [daily(a, b, -sign, which) for a, b in plan.subtract]
        if plan.months is not None:
            first, end = plan.months
            month_keys, month_conditions = of(months, which)
            parts.append(
                select(*month_keys, (months.delta * sign).label("v")).where(
                    *month_conditions, months.month >= _date(first), months.month < _date(end)
                )
            )
        return parts

    def moved(stored: StoredTotals | None, which) -> list:
        """The ``which`` measures' stored totals moved to ``as_of`` (none stored: summed from the start)."""
        if stored is None:
            return between(None, as_of, 1, which)
        table = KpiCurrentTotal if stored.month is None else KpiMonthTotal
        stored_keys, stored_conditions = of(table, which)
        if stored.month is not None:
            stored_conditions.append(table.month == _date(stored.month))
        parts = [select(*stored_keys, table.value.label("v")).where(*stored_conditions)]
        if as_of != stored.day:
            lo, hi = sorted((as_of, stored.day))
            parts += between(lo, hi, -1 if as_of < stored.day else 1, which)
        return parts

    with engine.connect() as connection:
        current_day, months_through = stored_totals_state(connection)
        stored = nearest_stored_totals(as_of, current_day, months_through)
        if stored is None or stored.month is None:
            parts = moved(stored, None)
        else:  # from a month end, and the measures without month-end totals from the current ones
            month_measures = sorted(MONTH_TOTAL_MEASURES)
            parts = moved(stored, lambda measure: measure.in_(month_measures))
            parts += moved(
                nearest_stored_totals(as_of, current_day, None),
                lambda measure: measure.not_in(month_measures),
            )
        both = union_all(*parts).subquery("totals")
        cols = [both.c[k] for k in keys]
        stmt = select(*cols, func.sum(both.c.v)).group_by(*cols)
        return _frame(connection.execute(stmt), schema)


@dataclass(frozen=True)
class StoredTotals:
    """A day whose totals are stored: the last refresh's (``kpi_current_total``, ``month`` None) or the
    end of ``month`` (``kpi_month_total``)."""

    day: dt.date
    month: dt.date | None = None


def stored_totals_state(connection: Connection) -> tuple[dt.date | None, dt.date | None]:
    """(the current totals' day, the last month whose month-end totals are stored)."""
    return current_totals_day(connection), month_totals_through(connection)


def stored_totals_days(
    first: dt.date, last: dt.date, current_day: dt.date | None, months_through: dt.date | None
) -> list[StoredTotals]:
    """The days in first..last whose totals are stored, latest first."""
    days = []
    if current_day is not None and first <= current_day <= last:
        days.append(StoredTotals(current_day))
    if months_through is not None:
        end = month_end_by(min(last, month_end(months_through)))
        while end >= first:
            days.append(StoredTotals(end, month_start(end)))
            end = month_start(end) - dt.timedelta(days=1)
    return sorted(days, key=lambda stored: stored.day, reverse=True)


def nearest_stored_totals(
    as_of: dt.date, current_day: dt.date | None, months_through: dt.date | None
) -> StoredTotals | None:
    """The stored totals nearest to ``as_of`` (the current ones on a tie); None when there are no
    month-end totals and the current ones are more than a year away (summing from the start is
    then cheaper)."""
    candidates = []
    if current_day is not None:
        candidates.append(StoredTotals(current_day))
    if months_through is not None:
        for end in (month_end_by(as_of), month_end(month_start(as_of))):
            if month_start(end) <= months_through:
                candidates.append(StoredTotals(end, month_start(end)))
    elif current_day is not None and abs((current_day - as_of).days) > 365:
        return None
    return min(candidates, key=lambda stored: abs((stored.day - as_of).days), default=None)


_DAILY_SCHEMA = {**_TOTALS_SCHEMA, "day": pl.Date}


def measure_daily(
    engine: Engine,
    scope: Scope,
    start: dt.date,
    end: dt.date,
    measures: Sequence[str] | None = None,
    *,
    district_ids: Sequence[int] | None = None,
    ward_ids: Sequence[int] | None = None,
) -> pl.DataFrame:
    """Increments per finest unit and day for start < day <= end (inside ``scope``)."""
    conditions = [_scoped(scope), F.day > _date(start), F.day <= _date(end)]
    if measures is not None:
        conditions.append(F.measure.in_(list(measures)))
    if district_ids is not None:
        conditions.append(F.district_id.in_(list(district_ids)))
    if ward_ids is not None:
        conditions.append(F.ward_id.in_(list(ward_ids)))
    with engine.connect() as connection:
        return _packed_daily(connection, conditions)


# Ward, facility and district ids below UNIT_BASE pack into one Int64 "unit" (63 bits):
# (district · UNIT_BASE + facility) · UNIT_BASE + ward. There are ~700 org units and ~660 facilities.
UNIT_BASE = 2**21


def unpacked_unit(unit: pl.Expr) -> list[pl.Expr]:
    """ward_id, facility_id and district_id from a packed ``unit`` (see ``UNIT_BASE``)."""
    return [
        (unit % UNIT_BASE).alias("ward_id"),
        (unit // UNIT_BASE % UNIT_BASE).alias("facility_id"),
        (unit // UNIT_BASE**2).alias("district_id"),
    ]


def _packed_daily(connection: Connection, conditions: list, facts=F) -> pl.DataFrame:
    """The daily facts (``facts``: ``kpi_daily_fact`` or ``kpi_district_fact``, whose rows are at
    ward 0, facility 0) matching ``conditions`` as a ``_DAILY_SCHEMA`` frame, transferred packed.

    A 28-day window at city scale is ~170 k rows, and building a Python tuple per row cost 0.5 s on
    SQLite. The database packs each (measure, day)'s rows into ONE string "unit:delta:type,…" instead
    (``unit`` = the three ids in one integer); polars unpacks them. Grouped in the primary key's order
    and with one number to format per id triple, SQLite packs a window in 0.06 s instead of 0.16 s
    (scale 1.0).
    """
    unit = cast(facts.district_id, BigInteger) * UNIT_BASE**2
    if facts is F:
        unit = unit + F.facility_id * UNIT_BASE + F.ward_id
    item = (
        cast(unit, String)
        .concat(":")
        .concat(cast(facts.delta, String))
        .concat(":")
        .concat(facts.facility_type)
    )
    aggregate = func.group_concat if connection.dialect.name == "sqlite" else func.string_agg
    stmt = (
        select(facts.measure, cast(facts.day, String), aggregate(item, ","))
        .where(*conditions)
        .group_by(facts.measure, facts.day)
    )
    groups = _frame(connection.execute(stmt), {"measure": pl.String, "day": pl.String, "packed": pl.String})
    fields = pl.col("packed").str.split_exact(":", 2)  # a struct of three strings: no list column
    return (
        groups.with_columns(pl.col("packed").str.split(","))
        .explode("packed")
        .select(
            "measure",
            *unpacked_unit(fields.struct[0].cast(pl.Int64)),
            fields.struct[2].alias("facility_type"),
            pl.col("day").str.to_date("%Y-%m-%d"),
            fields.struct[1].cast(pl.Int64).alias("value"),
        )
        .select([pl.col(name).cast(dtype) for name, dtype in _DAILY_SCHEMA.items()])
    )


def measure_series(
    engine: Engine,
    scope: Scope,
    measures: Sequence[str],
    *,
    district_ids: Sequence[int] | None = None,
    ward_ids: Sequence[int] | None = None,
    facility_types: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Daily increments summed over the selected units: (measure, day, delta) — for trend charts.

    Whole districts (or the city) with no ward chosen read the district-level facts: the same sums
    from ~20x fewer rows.
    """
    if scope.is_whole_districts and ward_ids is None:
        T = KpiDistrictFact
        conditions = [scope_clause(scope, district_col=T.district_id)]
    else:
        T = F
        conditions = [_scoped(scope)]
        if ward_ids is not None:
            conditions.append(T.ward_id.in_(list(ward_ids)))
    conditions.append(T.measure.in_(list(measures)))
    if district_ids is not None:
        conditions.append(T.district_id.in_(list(district_ids)))
    if facility_types:
        conditions.append(T.facility_type.in_(list(facility_types)))
    stmt = select(T.measure, T.day, func.sum(T.delta)).where(*conditions).group_by(T.measure, T.day)
    with engine.connect() as connection:
        frame = _frame(connection.execute(stmt), {"measure": pl.String, "day": pl.Date, "delta": pl.Int64})
    return frame.sort("day")


def district_totals(engine: Engine, scope: Scope, as_of: dt.date, measures: Sequence[str]) -> pl.DataFrame:
    """``measure_totals`` summed per district and facility type (ward_id = facility_id = 0), for a
    scope of whole districts: the city- and district-level roll-ups need no more, and the district
    facts between two days are ~20x fewer rows than the ward-level ones."""
    assert scope.is_whole_districts
    keys = ("measure", "district_id", "facility_type")
    schema = {"measure": pl.String, "district_id": pl.Int64, "facility_type": pl.String, "value": pl.Int64}
    frame = _totals_on(
        engine, scope, as_of, measures, KpiDistrictFact, keys, {"district_col": "district_id"}, schema
    )
    return _at_district_grain(frame.filter(pl.col("value") != 0), _TOTALS_SCHEMA)


def district_daily(
    engine: Engine, scope: Scope, start: dt.date | None, end: dt.date, measures: Sequence[str]
) -> pl.DataFrame:
    """``measure_daily`` at district grain (ward_id = facility_id = 0), for whole-district scopes;
    ``start`` None: from the first day."""
    assert scope.is_whole_districts
    D = KpiDistrictFact
    conditions = [
        scope_clause(scope, district_col=D.district_id),
        D.day <= _date(end),
        D.measure.in_(list(measures)),
    ]
    if start is not None:
        conditions.append(D.day > _date(start))
    with engine.connect() as connection:
        return _packed_daily(connection, conditions, D)


def _at_district_grain(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return frame.with_columns(
        pl.lit(0, pl.Int64).alias("ward_id"), pl.lit(0, pl.Int64).alias("facility_id")
    ).select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


def org_frames(engine: Engine) -> dict[str, pl.DataFrame]:
    """Reference data for roll-ups and maps: wards, districts, 2025 communes, default mapping, facilities.

    Org units and the facility register are public reference data (no personal data).
    """
    ou = OrgUnit
    with engine.connect() as connection:
        units = connection.execute(
            select(ou.id, ou.level, ou.code, ou.name, ou.short_name, ou.parent_id, ou.latitude, ou.longitude)
        ).all()
        mapping = connection.execute(
            select(OrgUnitMapping.legacy_unit_id, OrgUnitMapping.new_unit_id, OrgUnitMapping.is_default)
        ).all()
        facilities = connection.execute(
            select(Facility.id, Facility.code, Facility.name, Facility.facility_type, Facility.ward_id)
        ).all()
    unit_schema = {
        "id": pl.Int64,
        "level": pl.String,
        "code": pl.String,
        "name": pl.String,
        "short_name": pl.String,
        "parent_id": pl.Int64,
        "latitude": pl.Float64,
        "longitude": pl.Float64,
    }
    return {
        "units": pl.DataFrame(units, schema=unit_schema, orient="row"),
        "mapping": pl.DataFrame(
            mapping,
            schema={"legacy_unit_id": pl.Int64, "new_unit_id": pl.Int64, "is_default": pl.Boolean},
            orient="row",
        ),
        "facilities": pl.DataFrame(
            facilities,
            schema={
                "id": pl.Int64,
                "code": pl.String,
                "name": pl.String,
                "facility_type": pl.String,
                "ward_id": pl.Int64,
            },
            orient="row",
        ),
    }


def latest_fact_day(engine: Engine) -> dt.date | None:
    with engine.connect() as connection:
        states = connection.execute(select(func.max(KpiRefreshState.data_through))).scalar()
    if isinstance(states, str):
        states = dt.date.fromisoformat(states)
    return states
