"""Data for the audit page (city administrator only; enforced in ``data_access.audit``)."""

from __future__ import annotations

import json

import polars as pl
from sqlalchemy import Engine

from data_access import audit as repo
from data_access.audit import VN_TZ, Action, AuditFilter
from data_access.engine import transaction
from data_access.scope import Principal


def audit_frame(engine: Engine, principal: Principal, flt: AuditFilter, limit: int = 5000) -> pl.DataFrame:
    with transaction(engine) as session:
        rows = repo.list_audit(session, principal, flt, limit)
    return pl.DataFrame(
        {
            "at": [r.at.astimezone(VN_TZ).replace(tzinfo=None) for r in rows],
            "actor": [r.actor_username or "" for r in rows],
            "action": [r.action for r in rows],
            "target": [f"{r.target_type or ''}:{r.target_id or ''}".strip(":") for r in rows],
            "scope": [r.scope or "" for r in rows],
            "details": [json.dumps(r.details, ensure_ascii=False) if r.details else "" for r in rows],
        },
        schema={
            "at": pl.Datetime,
            "actor": pl.String,
            "action": pl.String,
            "target": pl.String,
            "scope": pl.String,
            "details": pl.String,
        },
    )


def action_names(engine: Engine, principal: Principal) -> list[str]:
    with transaction(engine) as session:
        return repo.audit_action_names(session, principal)


def record_export(
    engine: Engine, principal: Principal, what: str, rows: int, filters: dict | None = None
) -> None:
    """Every CSV/Excel export of data is audited (call it from the download button's on_click)."""
    with transaction(engine) as session:
        repo.record(
            session,
            principal,
            Action.AUDIT_EXPORT if what == "audit_log" else Action.EXPORT,
            target_type="export",
            target_id=what,
            details={"rows": rows, "filters": filters or {}},
        )
