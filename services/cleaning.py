"""What the cleaning pages show: queue tables, the item view (masked), queue health, rules editing.

No Streamlit here; messages are i18n keys the page translates. Personal data leaves this module
masked unless the caller asked for an audited reveal (``cleaning.queue.reveal``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Engine, select

from cleaning import queue
from cleaning.rules import EDITABLE_FIELDS, checked_params, load_rules
from cleaning.rules import ParamsError as ParamsError  # raised by update_rule, caught by the page
from data_access import audit
from data_access import cleaning as repo
from data_access.audit import VN_TZ
from data_access.engine import session_factory
from data_access.models import Account, CleaningRule, Facility, OrgUnit
from data_access.models.enums import Role
from data_access.scope import Principal
from data_access.types import utcnow

COMPARE_FIELDS = (
    "full_name",
    "sex",
    "date_of_birth",
    "cccd",
    "bhxh_code",
    "bhyt_card",
    "address_text",
    "ward",
)


# ------------------------------------------------------------------------------------------ masking


def mask_name(name: str | None) -> str:
    if not name:
        return "–"
    words = name.split()
    return " ".join([words[0], *(w[0] + "." for w in words[1:])])


def mask_tail(value: str | None, keep: int = 3) -> str:
    if not value:
        return "–"
    return "•" * max(len(value) - keep, 0) + value[-keep:]


def mask_date(value: dt.date | None) -> str:
    return f"••/••/{value.year}" if value else "–"


def mask_address(value: str | None) -> str:
    if not value:
        return "–"
    parts = [p.strip() for p in value.split(",")]
    return ", ".join(["•••", *parts[1:]]) if len(parts) > 1 else "•••"


def masked_person(values: dict) -> dict:
    return {
        "id": values["id"],
        "full_name": mask_name(values.get("full_name")),
        "sex": values.get("sex") or "–",
        "date_of_birth": mask_date(values.get("date_of_birth")),
        "cccd": mask_tail(values.get("cccd")),
        "bhxh_code": mask_tail(values.get("bhxh_code")),
        "bhyt_card": mask_tail(values.get("bhyt_card")),
        "address_text": mask_address(values.get("address_text")),
    }


def plain_person(values: dict) -> dict:
    dob = values.get("date_of_birth")
    return {
        **{k: (v if v not in (None, "") else "–") for k, v in values.items()},
        "date_of_birth": dob.strftime("%d/%m/%Y") if dob else "–",
    }


# ------------------------------------------------------------------------------------------ queue


@dataclass(frozen=True)
class FilterOptions:
    rules: dict[str, tuple[str, str]]  # id → (vi, en)
    wards: dict[int, str]
    facilities: dict[int, str]  # stations the principal may assign to
    can_assign: bool


def filter_options(engine: Engine, principal: Principal) -> FilterOptions:
    with session_factory(engine)() as session:
        rules = {
            r.id: (r.name_vi, r.name_en)
            for r in session.scalars(select(CleaningRule).order_by(CleaningRule.id))
        }
        wards = {w.id: w.name for w in repo.wards_in_scope(session, principal)}
        facilities = {f.id: f"{f.name} ({f.code})" for f in repo.assignable_facilities(session, principal)}
    return FilterOptions(rules, wards, facilities, principal.role in repo.ASSIGNER_ROLES)


def queue_page(
    engine: Engine, principal: Principal, flt: repo.QueueFilter, lang: str = "vi"
) -> tuple[pl.DataFrame, int]:
    """(rows of the current page, total matching). Rows carry no personal data."""
    now = utcnow()
    with session_factory(engine)() as session:
        rows = repo.list_items(session, principal, flt, now)
        total = repo.count_items(session, principal, flt, now)
    frame = pl.DataFrame(
        [
            {
                "id": r["id"],
                "version": r["version"],
                "rule": r["rule_name_vi"] if lang == "vi" else r["rule_name_en"],
                "rule_id": r["rule_id"],
                "district": r["district_name"],
                "ward": r["ward_name"],
                "station": r["facility_name"] or "",
                "status": r["status"],
                "priority": r["priority"],
                "score": r["score"],
                "age_days": (now - r["opened_at"]).days,
                "opened": r["opened_at"].strftime("%d/%m/%Y"),
            }
            for r in rows
        ],
        schema={
            "id": pl.Int64,
            "version": pl.Int64,
            "rule": pl.String,
            "rule_id": pl.String,
            "district": pl.String,
            "ward": pl.String,
            "station": pl.String,
            "status": pl.String,
            "priority": pl.Int64,
            "score": pl.Float64,
            "age_days": pl.Int64,
            "opened": pl.String,
        },
    )
    return frame, total


def export_queue(
    engine: Engine, principal: Principal, flt: repo.QueueFilter, lang: str = "vi"
) -> pl.DataFrame:
    """The whole filtered queue (up to 100 000 rows) for Excel; the export is audited."""
    frame, total = queue_page(
        engine, principal, repo.QueueFilter(**{**flt.__dict__, "limit": 100_000, "offset": 0}), lang
    )
    with session_factory(engine)() as session:
        audit.record(
            session, principal, audit.Action.EXPORT, target_type="cleaning_queue", details={"rows": total}
        )
        session.commit()
    return frame.drop("version", "rule_id")


@dataclass
class ItemView:
    item: dict
    rule: dict
    people: list[dict]
    comparison: list[dict]  # duplicates: field, left, right, agreement
    events: list[dict]
    revealed: bool


def _usernames(session, account_ids: set[int | None]) -> dict[int, str]:
    ids = [i for i in account_ids if i is not None]
    return dict(session.execute(select(Account.id, Account.username).where(Account.id.in_(ids))).all())


def item_view(engine: Engine, principal: Principal, item_id: int, reveal: bool = False) -> ItemView | None:
    with session_factory(engine)() as session:
        item = repo.get_item(session, principal, item_id)
        if item is None:
            return None
        rule = session.get(CleaningRule, item.rule_id)
        residents = repo.item_residents(session, principal, item)
        events = repo.item_events(session, principal, item_id)
        actors = _usernames(session, {e.actor_id for e in events})
        ward_names = {
            o.id: o.name
            for o in session.scalars(select(OrgUnit).where(OrgUnit.id.in_([r.ward_id for r in residents])))
        }
        station = session.get(Facility, item.assigned_facility_id) if item.assigned_facility_id else None
        item_dict = {
            "id": item.id,
            "rule_id": item.rule_id,
            "status": item.status,
            "version": item.version,
            "priority": item.priority,
            "score": item.score,
            "details": item.details,
            "resolution": item.resolution,
            "opened": item.opened_at.strftime("%d/%m/%Y"),
            "station": station.name if station else None,
            "resident_id": item.resident_id,
            "other_resident_id": item.other_resident_id,
        }
    values = (
        queue.reveal(engine, principal, item_id) if reveal else [queue.resident_values(r) for r in residents]
    )
    people = [
        {**(plain_person(v) if reveal else masked_person(v)), "ward": ward_names.get(v["ward_id"], "")}
        for v in values
    ]
    comparison = []
    if len(people) == 2:
        fields = (item.details or {}).get("fields", {})
        for name in COMPARE_FIELDS:
            left, right = people[0].get(name), people[1].get(name)
            agreement = fields.get(name if name != "ward" else "ward", {}).get("agreement")
            if agreement is None:
                agreement = "same" if values[0].get(name) == values[1].get(name) else "different"
            comparison.append({"field": name, "left": left, "right": right, "agreement": agreement})
    return ItemView(
        item=item_dict,
        rule={
            "name_vi": rule.name_vi,
            "name_en": rule.name_en,
            "explanation_vi": rule.explanation_vi,
            "explanation_en": rule.explanation_en,
            "suggested_fix_vi": rule.suggested_fix_vi,
            "suggested_fix_en": rule.suggested_fix_en,
        },
        people=people,
        comparison=comparison,
        events=[
            {
                "at": e.at.astimezone(VN_TZ).replace(tzinfo=None),
                "action": e.action,
                "actor": actors.get(e.actor_id),
                "comment": e.comment,
                "before": _history_values(e.before, reveal) if e.action != "merged" else None,
                "after": _history_values(e.after, reveal),
            }
            for e in events
        ],
        revealed=reveal,
    )


PERSONAL_FIELDS = frozenset({"full_name", "date_of_birth", "cccd", "bhxh_code", "bhyt_card", "address_text"})


def _history_values(values: dict | None, reveal: bool) -> str | None:
    """A history entry's before/after as text; personal values masked unless revealed."""
    if not values:
        return None
    shown = {
        key: (value if reveal or key not in PERSONAL_FIELDS else mask_tail(str(value)) if value else "–")
        for key, value in values.items()
    }
    return ", ".join(f"{key}: {value}" for key, value in shown.items())


def run_action(action: str, *args, **kwargs) -> str | None:
    """Call a queue action; None on success, else the i18n key of the refusal."""
    try:
        getattr(queue, action)(*args, **kwargs)
    except queue.QueueError as error:
        return error.key
    return None


# ------------------------------------------------------------------------------------------ health


def queue_health(engine: Engine, principal: Principal, weeks: int = 12, today: dt.date | None = None) -> dict:
    """Oldest open item per district; items opened / resolved per week; open items at each week end."""
    today = today or dt.date.today()
    start = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=weeks - 1)
    since = dt.datetime.combine(start, dt.time(), dt.UTC)
    with session_factory(engine)() as session:
        oldest = repo.oldest_open(session, principal)
        rows = repo.queue_events(session, principal, since)
    frame = pl.DataFrame(
        [(r.opened_at, r.closed_at, r.status) for r in rows],
        schema={
            "opened_at": pl.Datetime("us", "UTC"),
            "closed_at": pl.Datetime("us", "UTC"),
            "status": pl.String,
        },
        orient="row",
    )
    week_starts = [start + dt.timedelta(weeks=i) for i in range(weeks)]
    weekly = []
    for week in week_starts:
        lo = dt.datetime.combine(week, dt.time(), dt.UTC)
        hi = lo + dt.timedelta(weeks=1)
        opened = frame.filter((pl.col("opened_at") >= lo) & (pl.col("opened_at") < hi)).height
        closed = frame.filter(
            (pl.col("closed_at") >= lo) & (pl.col("closed_at") < hi) & (pl.col("status") == "resolved")
        ).height
        open_at_end = frame.filter(
            (pl.col("opened_at") < hi) & (pl.col("closed_at").is_null() | (pl.col("closed_at") >= hi))
        ).height
        weekly.append({"week": week, "opened": opened, "resolved": closed, "open": open_at_end})
    now = utcnow()
    oldest_frame = pl.DataFrame(
        [
            {
                "district": r["district_name"],
                "open": r["open"],
                "oldest_open": r["oldest_open"].astimezone(VN_TZ).date(),
                "oldest_age_days": (now - r["oldest_open"]).days,
            }
            for r in oldest
        ],
        schema={
            "district": pl.String,
            "open": pl.Int64,
            "oldest_open": pl.Date,
            "oldest_age_days": pl.Int64,
        },
    )
    return {"oldest": oldest_frame, "weekly": pl.DataFrame(weekly)}


# ------------------------------------------------------------------------------------------ rules


def rules_table(engine: Engine) -> list[dict]:
    with engine.connect() as connection:
        return [rule.__dict__ | {"params": rule.params} for rule in load_rules(connection).values()]


def update_rule(engine: Engine, principal: Principal, rule_id: str, values: dict) -> str | None:
    """City administrator edits a rule (texts, severity, on/off, params); audited. Parameters the
    detectors cannot use raise ``ParamsError`` before anything is written."""
    if principal.role != Role.CITY_ADMIN or not principal.scope.city:
        return "cleaning.error.not_allowed"
    values = {k: v for k, v in values.items() if k in EDITABLE_FIELDS}
    if "params" in values:
        values["params"] = checked_params(rule_id, values["params"])  # ParamsError: nothing is written
    with session_factory(engine)() as session:
        rule = session.get(CleaningRule, rule_id)
        if rule is None:
            return "cleaning.error.not_allowed"
        before = {k: getattr(rule, k) for k in values}
        for key, value in values.items():
            setattr(rule, key, value)
        rule.updated_at, rule.updated_by_id = utcnow(), principal.account_id
        audit.record(
            session,
            principal,
            "cleaning.rule_update",
            target_type="cleaning_rule",
            target_id=rule_id,
            details={"before": before, "after": values},
        )
        session.commit()
    return None
