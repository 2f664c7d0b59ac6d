"""Whole-database counts for the operator's ``status`` command (aggregates only, no scope)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, func, or_, select

from data_access.models import Account, Facility, HealthRecord, OrgUnit, Resident
from data_access.models.enums import FacilityType, OrgLevel, RecordStatus

_FACILITY_KEYS = {
    FacilityType.TTYT: "TTYT",
    FacilityType.PKDK: "PKDK",
    FacilityType.TYT: "TYT",
    FacilityType.HOSPITAL_PUBLIC: "hospital_public",
    FacilityType.HOSPITAL_PRIVATE: "private",
    FacilityType.CLINIC_PRIVATE: "private",
}


def living_in_city_on(day: dt.date):
    """Residents living or working stably in Hà Nội on ``day`` (the KPI denominator too).

    A row merged into another by data cleaning is the same person counted twice: excluded.
    """
    return (
        (Resident.resident_since <= day)
        & or_(Resident.resident_until.is_(None), Resident.resident_until > day)
        & Resident.merged_into_id.is_(None)
    )


def database_status(engine: Engine, today: dt.date | None = None) -> dict:
    today = today or dt.date.today()
    with engine.connect() as connection:
        levels = dict(connection.execute(select(OrgUnit.level, func.count()).group_by(OrgUnit.level)).all())
        facility_counts = {"TTYT": 0, "PKDK": 0, "TYT": 0, "hospital_public": 0, "private": 0}
        for facility_type, count in connection.execute(
            select(Facility.facility_type, func.count()).group_by(Facility.facility_type)
        ):
            key = _FACILITY_KEYS.get(FacilityType(facility_type), facility_type)
            facility_counts[key] = facility_counts.get(key, 0) + count
        residents = connection.scalar(select(func.count()).where(living_in_city_on(today)))
        records = connection.scalar(
            select(func.count()).select_from(HealthRecord).where(HealthRecord.status == RecordStatus.ACTIVE)
        )
        accounts = connection.scalar(select(func.count()).select_from(Account))
    return {
        "org_units": {
            "district": levels.get(OrgLevel.DISTRICT, 0),
            "ward": levels.get(OrgLevel.WARD, 0),
            "commune_2025": levels.get(OrgLevel.COMMUNE_2025, 0),
        },
        "facilities": facility_counts,
        "residents": residents,
        "records": records,
        "accounts": accounts,
        "as_of": today.isoformat(),
    }
