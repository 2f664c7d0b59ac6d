"""Actions on queue items, each one transaction with its history event and audit row.

Concurrency: every action names the item ``version`` the actor saw. The update is conditional on it
(SQLAlchemy ``version_id_col``), so when two people act on the same item the second gets
``ConcurrentEditError`` and nothing of theirs is written.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cleaning.detect import check_resident
from cleaning.rules import DUPLICATE_RULE, FIELD_RULES, load_rules
from cleaning.text import normalise_name
from data_access import audit
from data_access.cleaning import ASSIGNER_ROLES, QUEUE_ROLES, assignable_facilities, get_item
from data_access.engine import session_factory
from data_access.models import (
    CleaningItem,
    CleaningItemEvent,
    Facility,
    HealthRecord,
    OrgUnit,
    Resident,
    Vaccination,
)
from data_access.models.enums import CleaningStatus, RecordStatus
from data_access.scope import Principal
from data_access.types import utcnow

FIXABLE_FIELDS = ("full_name", "sex", "date_of_birth", "cccd", "bhxh_code", "bhyt_card", "address_text")
RECORD_FIELDS = ("record_status",)  # closing a record (deceased / moved out)
MERGE_FIELDS = ("full_name", "sex", "date_of_birth", "cccd", "bhxh_code", "bhyt_card", "address_text")


class QueueError(Exception):
    """An action refused; ``str(error)`` is a key of ``dashboard/strings/cleaning.py``."""

    def __init__(self, key: str, **details: Any) -> None:
        super().__init__(key)
        self.key = key
        self.details = details


class NotAllowed(QueueError):
    def __init__(self) -> None:
        super().__init__("cleaning.error.not_allowed")


class ConcurrentEditError(QueueError):
    def __init__(self, item_ids: list[int]) -> None:
        super().__init__("cleaning.error.concurrent", item_ids=item_ids)


class FixRejected(QueueError):
    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("cleaning.error.fix_rejected", problems=problems)


def _session(engine: Engine) -> Session:
    return session_factory(engine)()


def _commit(session: Session, item_ids: list[int]) -> None:
    try:
        session.commit()
    except StaleDataError as error:
        session.rollback()
        raise ConcurrentEditError(item_ids) from error


def _locked_item(session: Session, principal: Principal, item_id: int, version: int) -> CleaningItem:
    if principal.role not in QUEUE_ROLES:
        raise NotAllowed
    item = get_item(session, principal, item_id)
    if item is None:
        raise NotAllowed
    if item.version != version:
        raise ConcurrentEditError([item_id])
    return item


def _event(session: Session, item: CleaningItem, principal: Principal, action: str, **fields: Any) -> None:
    session.add(CleaningItemEvent(item_id=item.id, actor_id=principal.account_id, action=action, **fields))


def _close(item: CleaningItem, principal: Principal, status: CleaningStatus, resolution: str) -> None:
    item.status = status.value
    item.closed_at = utcnow()
    item.closed_by_id = principal.account_id
    item.resolution = resolution[:255]


def _require_open(item: CleaningItem) -> None:
    if item.status != CleaningStatus.OPEN:
        raise QueueError("cleaning.error.not_open")


# ------------------------------------------------------------------------------------------ assignment


def assign(
    engine: Engine, principal: Principal, items: list[tuple[int, int]], facility_id: int | None
) -> int:
    """Assign items [(id, version)] to a station (None: unassign). All or nothing."""
    if principal.role not in ASSIGNER_ROLES:
        raise NotAllowed
    with _session(engine) as session:
        if facility_id is not None and facility_id not in {
            f.id for f in assignable_facilities(session, principal)
        }:
            raise NotAllowed
        touched = []
        for item_id, version in items:
            item = _locked_item(session, principal, item_id, version)
            before = item.assigned_facility_id
            item.assigned_facility_id = facility_id
            _event(
                session,
                item,
                principal,
                "assigned",
                before={"facility_id": before},
                after={"facility_id": facility_id},
            )
            touched.append(item_id)
        audit.record_many(
            session,
            principal,
            "cleaning.assign",
            [("cleaning_item", i, {"facility_id": facility_id}) for i in touched],
        )
        _commit(session, touched)
        return len(touched)


# ------------------------------------------------------------------------------------------ simple closes


def dismiss(engine: Engine, principal: Principal, item_id: int, version: int, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise QueueError("cleaning.error.reason_required")
    with _session(engine) as session:
        item = _locked_item(session, principal, item_id, version)
        _require_open(item)
        _close(item, principal, CleaningStatus.DISMISSED, f"dismissed: {reason}")
        _event(session, item, principal, "dismissed", comment=reason)
        audit.record(session, principal, "cleaning.dismiss", target_type="cleaning_item", target_id=item_id)
        _commit(session, [item_id])


def not_duplicate(engine: Engine, principal: Principal, item_id: int, version: int, reason: str = "") -> None:
    """The pair is two people: the item is dismissed and, its fingerprint kept, never raised again."""
    with _session(engine) as session:
        item = _locked_item(session, principal, item_id, version)
        if item.rule_id != DUPLICATE_RULE:
            raise QueueError("cleaning.error.not_a_pair")
        _require_open(item)
        _close(item, principal, CleaningStatus.DISMISSED, "not_duplicate")
        _event(session, item, principal, "not_duplicate", comment=(reason or "").strip() or None)
        audit.record(
            session, principal, "cleaning.not_duplicate", target_type="cleaning_item", target_id=item_id
        )
        _commit(session, [item_id])


def add_comment(engine: Engine, principal: Principal, item_id: int, text: str) -> None:
    """Comments never conflict: they add history and leave the item (and its version) alone."""
    text = (text or "").strip()
    if not text:
        raise QueueError("cleaning.error.comment_empty")
    with _session(engine) as session:
        if principal.role not in QUEUE_ROLES:
            raise NotAllowed
        item = get_item(session, principal, item_id)
        if item is None:
            raise NotAllowed
        _event(session, item, principal, "comment", comment=text[:4000])
        session.commit()


def reveal(engine: Engine, principal: Principal, item_id: int) -> list[dict]:
    """Unmasked personal data of an item's people; every reveal is audited."""
    with _session(engine) as session:
        if principal.role not in QUEUE_ROLES:
            raise NotAllowed
        item = get_item(session, principal, item_id)
        if item is None:
            raise NotAllowed
        ids = [i for i in (item.resident_id, item.other_resident_id) if i is not None]
        people = [resident_values(session.get(Resident, i)) for i in ids]
        audit.record(
            session,
            principal,
            audit.Action.PERSON_REVEAL,
            target_type="cleaning_item",
            target_id=item_id,
            details={"resident_ids": ids},
        )
        session.commit()
        return people


# ------------------------------------------------------------------------------------------ fix fields


def resident_values(resident: Resident) -> dict:
    return {name: getattr(resident, name) for name in ("id", *FIXABLE_FIELDS, "ward_id", "district_id")}


def _check_values(session: Session, resident: Resident, values: dict, today: dt.date) -> dict[str, str]:
    record = session.scalar(select(HealthRecord).where(HealthRecord.resident_id == resident.id))
    ward_code = session.scalar(select(OrgUnit.code).where(OrgUnit.id == resident.ward_id))
    facility_code = (
        session.scalar(select(Facility.code).where(Facility.id == record.facility_id))
        if record is not None and record.facility_id
        else None
    )
    row = {
        **values,
        "resident_id": resident.id,
        "ward_id": resident.ward_id,
        "district_id": resident.district_id,
        "ward_code": ward_code,
        "resident_since": resident.resident_since,
        "deceased_on": resident.deceased_on,
        "record_status": values.get("record_status", record.status if record else None),
        "record_created_on": record.created_on if record else None,
        "facility_code": facility_code,
    }
    rules = load_rules(session.connection())
    # Only the rules a field edit can change; record-state rules are judged by the scan.
    field_rules = {rule_id: rule for rule_id, rule in rules.items() if rule_id in FIELD_RULES}
    return check_resident(row, field_rules, today)


def clean_value(name: str, value: Any) -> Any:
    if isinstance(value, str):
        value = normalise_name(value) if name in ("full_name", "address_text") else value.strip()
        if name in ("cccd", "bhxh_code", "bhyt_card"):
            value = value.replace(" ", "").upper()
        return value or None
    return value


def fix(
    engine: Engine,
    principal: Principal,
    item_id: int,
    version: int,
    changes: dict[str, Any],
    today: dt.date | None = None,
) -> None:
    """Correct fields of the item's resident. Refused (``FixRejected``) when the corrected values still
    break the item's rule or break a rule the old values passed: the same checks as the scan."""
    today = today or dt.date.today()
    unknown = set(changes) - set(FIXABLE_FIELDS) - set(RECORD_FIELDS)
    if unknown:
        raise QueueError("cleaning.error.unknown_field", fields=sorted(unknown))
    with _session(engine) as session:
        item = _locked_item(session, principal, item_id, version)
        _require_open(item)
        resident = session.get(Resident, item.resident_id)
        record = session.scalar(select(HealthRecord).where(HealthRecord.resident_id == resident.id))
        old = {name: getattr(resident, name) for name in FIXABLE_FIELDS}
        cleaned = {
            name: clean_value(name, value) for name, value in changes.items() if name in FIXABLE_FIELDS
        }
        new = {**old, **cleaned}
        before_problems = _check_values(session, resident, old, today)
        after_problems = _check_values(session, resident, new, today)
        still = {r: d for r, d in after_problems.items() if r == item.rule_id or r not in before_problems}
        if still:
            raise FixRejected(still)
        changed = {k: v for k, v in cleaned.items() if old[k] != v}
        before = {k: _jsonable(old[k]) for k in changed}
        after = {k: _jsonable(v) for k, v in changed.items()}
        for name, value in changed.items():
            setattr(resident, name, value)
        if record is not None:
            if changes.get("record_status") == RecordStatus.CLOSED and record.status != RecordStatus.CLOSED:
                before["record_status"], after["record_status"] = record.status, RecordStatus.CLOSED.value
                before["record_closed_on"], after["record_closed_on"] = (
                    _jsonable(record.closed_on),
                    today.isoformat(),
                )
                record.status, record.closed_on = RecordStatus.CLOSED.value, today
            if item.rule_id == "verification_mismatch" and changed:
                before["verification_status"], after["verification_status"] = (
                    record.verification_status,
                    "pending",
                )
                record.verification_status = "pending"  # to be verified again with the corrected value
        if not before:
            raise QueueError("cleaning.error.nothing_changed")
        _close(item, principal, CleaningStatus.RESOLVED, "fixed")
        _event(session, item, principal, "fixed", before=before, after=after)
        audit.record(
            session,
            principal,
            "cleaning.fix",
            target_type="resident",
            target_id=resident.id,
            details={"item_id": item_id, "fields": sorted(after)},
        )
        _commit(session, [item_id])


# ------------------------------------------------------------------------------------------ merge / undo


def _row_snapshot(obj) -> dict:
    return {column.key: _jsonable(getattr(obj, column.key)) for column in obj.__table__.columns}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"__dt__": value.isoformat()}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _restore(obj, snapshot: dict) -> None:
    for column in obj.__table__.columns:
        if column.key not in snapshot or column.key == "id":
            continue
        value = snapshot[column.key]
        if isinstance(value, dict) and "__dt__" in value:
            value = dt.datetime.fromisoformat(value["__dt__"])
        elif isinstance(value, str) and column.type.python_type is dt.date:
            value = dt.date.fromisoformat(value)
        setattr(obj, column.key, value)


def merge(
    engine: Engine,
    principal: Principal,
    item_id: int,
    version: int,
    keep_id: int,
    take_from_other: tuple[str, ...] = (),
    today: dt.date | None = None,
) -> None:
    """Fold the other resident of a duplicate pair into ``keep_id``.

    ``take_from_other``: fields whose value the survivor takes from the other record. The merged-away
    resident is kept (``merged_into_id``), its record closed, its vaccinations and open items moved or
    closed; a snapshot of everything touched goes into the item's history so ``undo_merge`` restores
    the exact previous state.
    """
    today = today or dt.date.today()
    bad = set(take_from_other) - set(MERGE_FIELDS)
    if bad:
        raise QueueError("cleaning.error.unknown_field", fields=sorted(bad))
    with _session(engine) as session:
        item = _locked_item(session, principal, item_id, version)
        if item.rule_id != DUPLICATE_RULE:
            raise QueueError("cleaning.error.not_a_pair")
        _require_open(item)
        if keep_id not in (item.resident_id, item.other_resident_id):
            raise QueueError("cleaning.error.not_a_pair")
        drop_id = item.other_resident_id if keep_id == item.resident_id else item.resident_id
        keep, drop = session.get(Resident, keep_id), session.get(Resident, drop_id)
        if keep.merged_into_id is not None or drop.merged_into_id is not None:
            raise QueueError("cleaning.error.already_merged")
        records = list(
            session.scalars(select(HealthRecord).where(HealthRecord.resident_id.in_([keep_id, drop_id])))
        )
        vaccinations = list(session.scalars(select(Vaccination.id).where(Vaccination.resident_id == drop_id)))
        other_items = list(
            session.scalars(
                select(CleaningItem).where(
                    CleaningItem.id != item.id,
                    CleaningItem.status == CleaningStatus.OPEN,
                    (CleaningItem.resident_id == drop_id) | (CleaningItem.other_resident_id == drop_id),
                )
            )
        )
        snapshot = {
            "residents": [_row_snapshot(keep), _row_snapshot(drop)],
            "records": [_row_snapshot(r) for r in records],
            "vaccination_ids": vaccinations,
            "items": [
                {
                    k: _jsonable(getattr(i, k))
                    for k in ("id", "status", "closed_at", "closed_by_id", "resolution")
                }
                for i in other_items
            ],
        }
        for name in take_from_other:
            setattr(keep, name, getattr(drop, name))
        drop.merged_into_id = keep.id
        for record in records:
            if record.resident_id == drop_id and record.status != RecordStatus.CLOSED:
                record.status, record.closed_on = RecordStatus.CLOSED.value, today
        if vaccinations:
            session.execute(
                update(Vaccination).where(Vaccination.id.in_(vaccinations)).values(resident_id=keep_id)
            )
        for other in other_items:
            _close(other, principal, CleaningStatus.RESOLVED, "merged")
        _close(item, principal, CleaningStatus.RESOLVED, "merged")
        _event(
            session,
            item,
            principal,
            "merged",
            before=snapshot,
            after={"kept": keep_id, "merged_away": drop_id, "taken_from_other": list(take_from_other)},
        )
        audit.record(
            session,
            principal,
            "cleaning.merge",
            target_type="resident",
            target_id=keep_id,
            details={"item_id": item_id, "merged_away": drop_id},
        )
        _commit(session, [item_id, *(i.id for i in other_items)])


def undo_merge(engine: Engine, principal: Principal, item_id: int, version: int) -> None:
    """Restore the residents, records, vaccinations and items exactly as they were before the merge."""
    with _session(engine) as session:
        item = _locked_item(session, principal, item_id, version)
        if item.status != CleaningStatus.RESOLVED or item.resolution != "merged":
            raise QueueError("cleaning.error.not_merged")
        event = session.scalar(
            select(CleaningItemEvent)
            .where(CleaningItemEvent.item_id == item_id, CleaningItemEvent.action == "merged")
            .order_by(CleaningItemEvent.id.desc())
            .limit(1)
        )
        snapshot = event.before if isinstance(event.before, dict) else json.loads(event.before)
        for row in snapshot["residents"]:
            _restore(session.get(Resident, row["id"]), row)
        for row in snapshot["records"]:
            _restore(session.get(HealthRecord, row["id"]), row)
        if snapshot["vaccination_ids"]:
            dropped = next(r["id"] for r in snapshot["residents"] if r["id"] != event.after["kept"])
            session.execute(
                update(Vaccination)
                .where(Vaccination.id.in_(snapshot["vaccination_ids"]))
                .values(resident_id=dropped)
            )
        touched = [item_id]
        for row in snapshot["items"]:
            other = session.get(CleaningItem, row["id"])
            _restore(other, row)
            touched.append(other.id)
        item.status, item.closed_at, item.closed_by_id, item.resolution = (
            CleaningStatus.OPEN.value,
            None,
            None,
            None,
        )
        _event(session, item, principal, "merge_undone", before=event.after)
        audit.record(
            session, principal, "cleaning.merge_undo", target_type="cleaning_item", target_id=item_id
        )
        _commit(session, touched)
