"""One resident's card: masked by default, clear only through an audited reveal.

Both functions take the caller's principal and filter by scope in SQL; roles that work on
aggregates only (leadership, inspectors) get nothing, whatever their scope.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access import audit
from data_access.audit import Action
from data_access.masking import mask_address, mask_cccd, mask_date_of_birth, mask_insurance, mask_name
from data_access.models import Resident
from data_access.scope import Principal, scope_clause


@dataclass(frozen=True)
class ResidentCard:
    id: int
    full_name: str | None
    cccd: str | None
    date_of_birth: str | None  # formatted dd/mm/yyyy (or masked **/**/yyyy)
    bhyt_card: str | None
    address: str | None
    ward_id: int
    district_id: int
    masked: bool


def _load(session: Session, principal: Principal, resident_id: int) -> Resident | None:
    if not principal.may_see_people:
        return None
    return session.scalar(
        select(Resident).where(
            Resident.id == resident_id,
            scope_clause(principal.scope, ward_col=Resident.ward_id, district_col=Resident.district_id),
        )
    )


def resident_card(session: Session, principal: Principal, resident_id: int) -> ResidentCard | None:
    """The masked card, or None outside the principal's scope or role."""
    r = _load(session, principal, resident_id)
    if r is None:
        return None
    return ResidentCard(
        r.id,
        mask_name(r.full_name),
        mask_cccd(r.cccd),
        mask_date_of_birth(r.date_of_birth),
        mask_insurance(r.bhyt_card),
        mask_address(r.address_text),
        r.ward_id,
        r.district_id,
        True,
    )


def reveal_resident(
    session: Session, principal: Principal, resident_id: int, reason: str
) -> ResidentCard | None:
    """The clear card, audited in the caller's transaction (which must commit for the reveal to count).

    ``reason`` is required: an audit row that says why is worth far more in an inspection.
    """
    if not reason or not reason.strip():
        raise ValueError("a reason is required to reveal personal data")
    r = _load(session, principal, resident_id)
    if r is None:
        return None
    audit.record(
        session,
        principal,
        Action.PERSON_REVEAL,
        target_type="resident",
        target_id=r.id,
        details={
            "fields": ["full_name", "cccd", "date_of_birth", "bhyt_card", "address"],
            "reason": reason[:200],
        },
    )
    dob = r.date_of_birth.strftime("%d/%m/%Y") if r.date_of_birth else None
    return ResidentCard(
        r.id, r.full_name, r.cccd, dob, r.bhyt_card, r.address_text, r.ward_id, r.district_id, False
    )
