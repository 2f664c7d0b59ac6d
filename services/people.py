"""One resident's card for any page that shows a person (queue items, duplicates …)."""

from __future__ import annotations

from sqlalchemy import Engine

from data_access import people as repo
from data_access.engine import transaction
from data_access.people import ResidentCard
from data_access.scope import Principal


def masked_card(engine: Engine, principal: Principal, resident_id: int) -> ResidentCard | None:
    with transaction(engine) as session:
        return repo.resident_card(session, principal, resident_id)


def revealed_card(engine: Engine, principal: Principal, resident_id: int, reason: str) -> ResidentCard | None:
    """Clear values; the audit row commits with this transaction (no audit, no data)."""
    with transaction(engine) as session:
        return repo.reveal_resident(session, principal, resident_id, reason)
