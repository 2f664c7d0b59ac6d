"""The KPI catalogue: ``kpis/catalogue.toml`` (formulas, names) + the database (editable target/deadline)."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from data_access import audit
from data_access.engine import transaction
from data_access.models import KpiDefinition
from data_access.models.enums import Role
from data_access.scope import Principal
from data_access.types import utcnow

CATALOGUE_PATH = Path(__file__).with_name("catalogue.toml")
PHASE_DEADLINES = {1: dt.date(2023, 12, 31), 2: dt.date(2024, 3, 31), 3: None}  # phase 3 is ongoing
KPI_DEFINITION_UPDATE = "kpi.definition.update"  # audit action
PHASE_STARTS = {1: dt.date(2023, 11, 1), 2: dt.date(2024, 1, 1), 3: dt.date(2024, 4, 1)}


@dataclass(frozen=True)
class Kpi:
    id: str
    phase: int
    name_vi: str
    name_en: str
    numerator: str  # measure name
    denominator: str  # measure name
    numerator_vi: str
    numerator_en: str
    denominator_vi: str
    denominator_en: str
    unit: str
    target: float
    deadline: dt.date
    sort_order: int
    facility_types: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        return self.name_vi if lang == "vi" else self.name_en

    @property
    def facility_based(self) -> bool:
        from kpis.measures import FACILITY_MEASURES

        return self.numerator in FACILITY_MEASURES


@cache
def load_file(path: Path = CATALOGUE_PATH) -> tuple[Kpi, ...]:
    """The catalogue as declared in the file (defaults for target/deadline)."""
    from kpis.measures import ALL_MEASURES

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    kpis: list[Kpi] = []
    seen: set[str] = set()
    for order, entry in enumerate(data["kpi"]):
        if entry["id"] in seen:
            raise ValueError(f"duplicate KPI id {entry['id']}")
        seen.add(entry["id"])
        for side in ("numerator", "denominator"):
            if entry[side] not in ALL_MEASURES:
                raise ValueError(f"{entry['id']}: unknown {side} measure {entry[side]!r}")
        kpis.append(
            Kpi(
                id=entry["id"],
                phase=int(entry["phase"]),
                name_vi=entry["name_vi"],
                name_en=entry["name_en"],
                numerator=entry["numerator"],
                denominator=entry["denominator"],
                numerator_vi=entry["numerator_vi"],
                numerator_en=entry["numerator_en"],
                denominator_vi=entry["denominator_vi"],
                denominator_en=entry["denominator_en"],
                unit=entry.get("unit", "percent"),
                target=float(entry.get("target", 1.0)),
                deadline=entry["deadline"],
                sort_order=order,
                facility_types=tuple(entry.get("facility_types", ())),
            )
        )
    return tuple(kpis)


def sync_definitions(session: Session) -> int:
    """Insert KPIs missing from ``kpi_definition``; refresh names/descriptions of existing ones.

    Targets and deadlines already in the database are never overwritten: they belong to the
    administrator once loaded. Returns the number of rows inserted.
    """
    existing = {row.id: row for row in session.scalars(select(KpiDefinition))}
    inserted = 0
    for kpi in load_file():
        row = existing.get(kpi.id)
        if row is None:
            session.add(
                KpiDefinition(
                    id=kpi.id,
                    phase=kpi.phase,
                    name_vi=kpi.name_vi,
                    name_en=kpi.name_en,
                    numerator_vi=kpi.numerator_vi,
                    denominator_vi=kpi.denominator_vi,
                    numerator_en=kpi.numerator_en,
                    denominator_en=kpi.denominator_en,
                    sort_order=kpi.sort_order,
                    unit=kpi.unit,
                    target=kpi.target,
                    deadline=kpi.deadline,
                )
            )
            inserted += 1
        else:
            row.phase, row.name_vi, row.name_en = kpi.phase, kpi.name_vi, kpi.name_en
            row.numerator_vi, row.denominator_vi = kpi.numerator_vi, kpi.denominator_vi
            row.numerator_en, row.denominator_en = kpi.numerator_en, kpi.denominator_en
            row.sort_order, row.unit = kpi.sort_order, kpi.unit
    session.flush()
    return inserted


def load_catalogue(engine: Engine) -> tuple[Kpi, ...]:
    """The catalogue with the administrator's targets and deadlines from the database."""
    with engine.connect() as connection:
        rows = {
            row.id: row
            for row in connection.execute(
                select(KpiDefinition.id, KpiDefinition.target, KpiDefinition.deadline)
            )
        }
    result = []
    for kpi in load_file():
        row = rows.get(kpi.id)
        result.append(replace(kpi, target=row.target, deadline=row.deadline) if row else kpi)
    return tuple(result)


def by_id(catalogue: tuple[Kpi, ...]) -> dict[str, Kpi]:
    return {kpi.id: kpi for kpi in catalogue}


class SettingsError(ValueError):
    """An invalid target or deadline from the settings page."""


def update_definition(
    engine: Engine, kpi_id: str, *, target: float, deadline: dt.date, actor: Principal
) -> bool:
    """Change one KPI's target/deadline; the audit row is written in the same transaction.

    Only the city administrator may do this. Returns False when nothing changed (no audit row then).
    """
    if actor.role != Role.CITY_ADMIN:
        raise PermissionError("only the city administrator edits KPI targets and deadlines")
    if not 0 < target <= 1:
        raise SettingsError("target must be in (0, 1]")
    if not dt.date(2023, 1, 1) <= deadline <= dt.date(2035, 12, 31):
        raise SettingsError("deadline out of range")
    with transaction(engine) as session:
        sync_definitions(session)
        row = session.get(KpiDefinition, kpi_id)
        if row is None:
            raise SettingsError(f"unknown KPI {kpi_id}")
        before = {"target": row.target, "deadline": row.deadline.isoformat()}
        after = {"target": float(target), "deadline": deadline.isoformat()}
        if before == after:
            return False
        row.target, row.deadline = float(target), deadline
        row.updated_at, row.updated_by_id = utcnow(), actor.account_id
        audit.record(
            session,
            actor,
            KPI_DEFINITION_UPDATE,
            target_type="kpi_definition",
            target_id=kpi_id,
            details={"before": before, "after": after},
        )
    return True
