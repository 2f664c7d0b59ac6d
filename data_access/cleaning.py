"""Scoped reads of the data-cleaning queue. Every function that returns items or people takes the
``Principal`` and filters in SQL (deny by default: roles that do not act on people see nothing)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from data_access.models import CleaningItem, CleaningItemEvent, CleaningRule, Facility, OrgUnit, Resident
from data_access.models.enums import CleaningStatus, Role
from data_access.scope import Principal, scope_clause

QUEUE_ROLES = frozenset({Role.CITY_ADMIN, Role.DISTRICT_MANAGER, Role.FACILITY_USER})
ASSIGNER_ROLES = frozenset({Role.CITY_ADMIN, Role.DISTRICT_MANAGER})
UNASSIGNED = -1  # QueueFilter.assigned_facility_id value meaning "not assigned to any station"


def item_scope(principal: Principal) -> ColumnElement[bool]:
    """Items a principal may see: district/ward scope by the item's place, facility scope by assignment."""
    if principal.role not in QUEUE_ROLES:
        return false()
    return scope_clause(
        principal.scope,
        ward_col=CleaningItem.ward_id,
        district_col=CleaningItem.district_id,
        facility_col=CleaningItem.assigned_facility_id,
    )


@dataclass(frozen=True)
class QueueFilter:
    rule_ids: tuple[str, ...] = ()
    district_ids: tuple[int, ...] = ()
    ward_ids: tuple[int, ...] = ()
    statuses: tuple[str, ...] = (CleaningStatus.OPEN.value,)
    assigned_facility_id: int | None = None  # UNASSIGNED for "no station yet"
    min_age_days: int | None = None
    max_age_days: int | None = None
    sort: str = "priority"  # "priority" | "age"
    limit: int = 500
    offset: int = 0


def _filtered(query, flt: QueueFilter, now: dt.datetime):
    if flt.rule_ids:
        query = query.where(CleaningItem.rule_id.in_(flt.rule_ids))
    if flt.district_ids:
        query = query.where(CleaningItem.district_id.in_(flt.district_ids))
    if flt.ward_ids:
        query = query.where(CleaningItem.ward_id.in_(flt.ward_ids))
    if flt.statuses:
        query = query.where(CleaningItem.status.in_(flt.statuses))
    if flt.assigned_facility_id == UNASSIGNED:
        query = query.where(CleaningItem.assigned_facility_id.is_(None))
    elif flt.assigned_facility_id is not None:
        query = query.where(CleaningItem.assigned_facility_id == flt.assigned_facility_id)
    if flt.min_age_days is not None:
        query = query.where(CleaningItem.opened_at <= now - dt.timedelta(days=flt.min_age_days))
    if flt.max_age_days is not None:
        query = query.where(CleaningItem.opened_at >= now - dt.timedelta(days=flt.max_age_days))
    return query


def list_items(session: Session, principal: Principal, flt: QueueFilter, now: dt.datetime) -> list[dict]:
    """One page of queue rows (no personal data: ids, rule, place, station, status, age)."""
    ward = aliased(OrgUnit)
    district = aliased(OrgUnit)
    query = (
        select(
            CleaningItem.id,
            CleaningItem.rule_id,
            CleaningRule.name_vi.label("rule_name_vi"),
            CleaningRule.name_en.label("rule_name_en"),
            CleaningItem.resident_id,
            CleaningItem.other_resident_id,
            CleaningItem.district_id,
            district.name.label("district_name"),
            CleaningItem.ward_id,
            ward.name.label("ward_name"),
            CleaningItem.assigned_facility_id,
            Facility.name.label("facility_name"),
            CleaningItem.status,
            CleaningItem.priority,
            CleaningItem.score,
            CleaningItem.opened_at,
            CleaningItem.closed_at,
            CleaningItem.resolution,
            CleaningItem.version,
        )
        .join(CleaningRule, CleaningRule.id == CleaningItem.rule_id)
        .join(ward, ward.id == CleaningItem.ward_id)
        .join(district, district.id == CleaningItem.district_id)
        .outerjoin(Facility, Facility.id == CleaningItem.assigned_facility_id)
        .where(item_scope(principal))
    )
    query = _filtered(query, flt, now)
    if flt.sort == "age":
        query = query.order_by(CleaningItem.opened_at, CleaningItem.id)
    else:
        query = query.order_by(CleaningItem.priority, CleaningItem.opened_at, CleaningItem.id)
    query = query.limit(flt.limit).offset(flt.offset)
    return [dict(row) for row in session.execute(query).mappings()]


def count_items(session: Session, principal: Principal, flt: QueueFilter, now: dt.datetime) -> int:
    query = select(func.count()).select_from(CleaningItem).where(item_scope(principal))
    return session.scalar(_filtered(query, flt, now)) or 0


def get_item(session: Session, principal: Principal, item_id: int) -> CleaningItem | None:
    """The item if the principal may see it, else None (never says whether it exists)."""
    return session.scalar(select(CleaningItem).where(CleaningItem.id == item_id, item_scope(principal)))


def item_residents(session: Session, principal: Principal, item: CleaningItem) -> list[Resident]:
    """The people of an item the principal may see (the item was loaded through ``get_item``)."""
    if get_item(session, principal, item.id) is None:
        return []
    ids = [i for i in (item.resident_id, item.other_resident_id) if i is not None]
    found = {r.id: r for r in session.scalars(select(Resident).where(Resident.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def item_events(session: Session, principal: Principal, item_id: int) -> list[CleaningItemEvent]:
    if get_item(session, principal, item_id) is None:
        return []
    return list(
        session.scalars(
            select(CleaningItemEvent)
            .where(CleaningItemEvent.item_id == item_id)
            .order_by(CleaningItemEvent.at, CleaningItemEvent.id)
        )
    )


def assignable_facilities(session: Session, principal: Principal) -> list[Facility]:
    """Stations a principal may hand items to: facilities inside their district/city scope."""
    if principal.role not in ASSIGNER_ROLES:
        return []
    clause = scope_clause(principal.scope, ward_col=Facility.ward_id, district_col=Facility.district_id)
    return list(session.scalars(select(Facility).where(clause).order_by(Facility.district_id, Facility.name)))


def wards_in_scope(session: Session, principal: Principal) -> list[OrgUnit]:
    if principal.role not in QUEUE_ROLES:
        return []
    clause = scope_clause(principal.scope, ward_col=OrgUnit.id, district_col=OrgUnit.parent_id)
    return list(
        session.scalars(select(OrgUnit).where(OrgUnit.level == "ward", clause).order_by(OrgUnit.name))
    )


def status_counts(session: Session, principal: Principal | None) -> list[dict]:
    """Open / resolved / dismissed per rule and district. ``principal=None``: the operator's CLI (city)."""
    district = aliased(OrgUnit)
    query = (
        select(
            CleaningItem.rule_id,
            district.code.label("district_code"),
            district.name.label("district_name"),
            *[
                func.sum(case((CleaningItem.status == status, 1), else_=0)).label(status.value)
                for status in CleaningStatus
            ],
        )
        .join(district, district.id == CleaningItem.district_id)
        .group_by(CleaningItem.rule_id, district.code, district.name)
        .order_by(district.code, CleaningItem.rule_id)
    )
    if principal is not None:
        query = query.where(item_scope(principal))
    return [
        {k: (int(v) if k in {"open", "resolved", "dismissed"} else v) for k, v in row.items()}
        for row in session.execute(query).mappings()
    ]


def raised_and_resolved(session: Session, principal: Principal | None, day: dt.date | None = None) -> dict:
    """P2_CLEANING_RESOLVED inputs per district, as ``kpis.measures`` counts them: raised = opened by
    the end of ``day`` and not dismissed by then; resolved = closed as resolved by then.
    ``principal=None``: the whole city (KPI refresh, CLI)."""
    end = dt.datetime.combine((day or dt.date(9998, 12, 30)) + dt.timedelta(days=1), dt.time(), dt.UTC)
    closed_by_end = and_(CleaningItem.closed_at.is_not(None), CleaningItem.closed_at < end)
    query = (
        select(
            CleaningItem.district_id,
            func.sum(
                case((and_(CleaningItem.status == CleaningStatus.DISMISSED, closed_by_end), 0), else_=1)
            ).label("raised"),
            func.sum(
                case((and_(CleaningItem.status == CleaningStatus.RESOLVED, closed_by_end), 1), else_=0)
            ).label("resolved"),
        )
        .where(CleaningItem.opened_at < end)
        .group_by(CleaningItem.district_id)
    )
    if principal is not None:
        query = query.where(item_scope(principal))
    return {
        row.district_id: {"raised": int(row.raised or 0), "resolved": int(row.resolved or 0)}
        for row in session.execute(query)
    }


def queue_events(session: Session, principal: Principal, since: dt.datetime, district_id: int | None = None):
    """(opened_at, closed_at, status, district_id) of items opened since ``since`` or still open then —
    the input of the queue-health charts (aggregated by the service, never shown row by row)."""
    query = select(
        CleaningItem.opened_at, CleaningItem.closed_at, CleaningItem.status, CleaningItem.district_id
    ).where(
        item_scope(principal),
        or_(CleaningItem.closed_at.is_(None), CleaningItem.closed_at >= since),
    )
    if district_id is not None:
        query = query.where(CleaningItem.district_id == district_id)
    return session.execute(query).all()


def oldest_open(session: Session, principal: Principal) -> list[dict]:
    district = aliased(OrgUnit)
    query = (
        select(
            CleaningItem.district_id,
            district.name.label("district_name"),
            func.min(CleaningItem.opened_at).label("oldest_open"),
            func.count().label("open"),
        )
        .join(district, district.id == CleaningItem.district_id)
        .where(item_scope(principal), CleaningItem.status == CleaningStatus.OPEN)
        .group_by(CleaningItem.district_id, district.name)
        .order_by(district.name)
    )
    return [dict(row) for row in session.execute(query).mappings()]
