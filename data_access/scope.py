"""Who is asking, and which part of the city they may see.

Every query that returns people, records, facilities, accounts or queue items takes a
``Principal`` and applies ``scope_clause`` in SQL. Deny by default: an empty scope matches nothing.
The dataclasses are frozen and hashable so a cached query can take the scope as an argument.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from data_access.models import Account, AccountScope, OrgUnit
from data_access.models.enums import OrgLevel, Role

# Roles that act on individual people (queues, reveals); the others see aggregates only.
PEOPLE_ROLES = frozenset({Role.CITY_ADMIN, Role.DISTRICT_MANAGER, Role.FACILITY_USER})


@dataclass(frozen=True)
class Scope:
    city: bool = False
    district_ids: frozenset[int] = field(default_factory=frozenset)
    ward_ids: frozenset[int] = field(default_factory=frozenset)
    facility_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not (self.city or self.district_ids or self.ward_ids or self.facility_ids)

    @property
    def is_whole_districts(self) -> bool:
        """The city, or whole districts only (no single wards or facilities): what district-level
        figures can answer."""
        return bool(self.city or self.district_ids) and not self.ward_ids and not self.facility_ids

    def describe(self) -> str:
        """Short text for the audit log."""
        if self.city:
            return "city"
        parts = [
            *(f"district:{i}" for i in sorted(self.district_ids)),
            *(f"ward:{i}" for i in sorted(self.ward_ids)),
            *(f"facility:{i}" for i in sorted(self.facility_ids)),
        ]
        return ",".join(parts) or "none"


NO_SCOPE = Scope()
CITY_SCOPE = Scope(city=True)


@dataclass(frozen=True)
class Principal:
    account_id: int | None
    username: str
    role: Role
    scope: Scope

    @property
    def may_see_people(self) -> bool:
        return self.role in PEOPLE_ROLES


def scope_clause(
    scope: Scope,
    *,
    ward_col: ColumnElement | None = None,
    district_col: ColumnElement | None = None,
    facility_col: ColumnElement | None = None,
) -> ColumnElement[bool]:
    """The SQL condition "this row is inside ``scope``" for a table with the given columns.

    A scope entry whose column the table lacks grants nothing on that table (deny by default).
    """
    if scope.city:
        return true()
    conditions: list[ColumnElement[bool]] = []
    if scope.district_ids and district_col is not None:
        conditions.append(district_col.in_(sorted(scope.district_ids)))
    if scope.ward_ids and ward_col is not None:
        conditions.append(ward_col.in_(sorted(scope.ward_ids)))
    if scope.facility_ids and facility_col is not None:
        conditions.append(facility_col.in_(sorted(scope.facility_ids)))
    return or_(*conditions) if conditions else false()


def scope_from_rows(rows: Iterable[tuple[str | None, int | None, int | None]]) -> Scope:
    """Build a Scope from (org_unit level, org_unit id, facility id) rows."""
    city = False
    districts: set[int] = set()
    wards: set[int] = set()
    facilities: set[int] = set()
    for level, org_unit_id, facility_id in rows:
        if facility_id is not None:
            facilities.add(facility_id)
        if org_unit_id is None:
            continue
        if level == OrgLevel.CITY:
            city = True
        elif level == OrgLevel.DISTRICT:
            districts.add(org_unit_id)
        elif level == OrgLevel.WARD:
            wards.add(org_unit_id)
    return Scope(city, frozenset(districts), frozenset(wards), frozenset(facilities))


def load_scope(session: Session, account_id: int) -> Scope:
    rows = session.execute(
        select(OrgUnit.level, AccountScope.org_unit_id, AccountScope.facility_id)
        .select_from(AccountScope)
        .outerjoin(OrgUnit, OrgUnit.id == AccountScope.org_unit_id)
        .where(AccountScope.account_id == account_id)
    ).all()
    return scope_from_rows(rows)


def load_principal(session: Session, account_id: int) -> Principal | None:
    """The principal for an active account, or None (unknown or disabled: no access)."""
    account = session.get(Account, account_id)
    if account is None or not account.is_active:
        return None
    return Principal(account.id, account.username, Role(account.role), load_scope(session, account.id))
