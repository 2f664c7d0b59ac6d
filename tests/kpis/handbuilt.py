"""A small hand-built city (2 districts, 4 wards, 12 facilities, ~240 residents) with every date column
exercised, plus an independent, row-by-row computation of each measure on a given day."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import Engine, select

from data_access.engine import transaction
from data_access.kpi_facts import quarter_start
from data_access.models import (
    Account,
    AdminChangeEvent,
    Checklist,
    CleaningItem,
    CleaningRule,
    Evaluation,
    Facility,
    FacilityDailySubmission,
    HealthRecord,
    OrgUnit,
    OrgUnitMapping,
    Resident,
)
from kpis.measures import EPOCH

START = dt.date(2023, 6, 1)
TODAY = dt.date(2024, 9, 30)
VN = dt.timezone(dt.timedelta(hours=7))


def _day(rng: random.Random, lo: dt.date = START, hi: dt.date = TODAY, none: float = 0.0) -> dt.date | None:
    if rng.random() < none:
        return None
    return lo + dt.timedelta(days=rng.randint(0, max(0, (hi - lo).days)))


def _ts(rng: random.Random, day: dt.date | None) -> dt.datetime | None:
    """A UTC timestamp whose Vietnam calendar day may differ from its UTC day (late-evening VN)."""
    if day is None:
        return None
    local = dt.datetime.combine(day, dt.time(rng.choice([1, 6, 12, 23]), 30), tzinfo=VN)
    return local.astimezone(dt.UTC)


def build(engine: Engine, seed: int = 11) -> dict:
    rng = random.Random(seed)
    with transaction(engine) as s:
        city = OrgUnit(
            level="city",
            code="01",
            name="Thành phố Hà Nội",
            short_name="Hà Nội",
            unit_type="Thành phố",
            path="/01/",
            valid_from=dt.date(2008, 8, 1),
        )
        s.add(city)
        s.flush()
        districts, wards = [], []
        for d_index, (d_code, d_name) in enumerate([("001", "Ba Đình"), ("268", "Hà Đông")]):
            district = OrgUnit(
                level="district",
                code=d_code,
                name=f"Quận {d_name}",
                short_name=d_name,
                unit_type="Quận",
                parent_id=city.id,
                path=f"/01/{d_code}/",
                valid_from=dt.date(2008, 8, 1),
                latitude=21.0 + d_index / 10,
                longitude=105.8,
            )
            s.add(district)
            s.flush()
            districts.append(district)
            for w in range(2):
                code = f"{d_index}000{w}"
                ward = OrgUnit(
                    level="ward",
                    code=code,
                    name=f"Phường {code}",
                    short_name=code,
                    unit_type="Phường",
                    parent_id=district.id,
                    path=f"/01/{d_code}/{code}/",
                    valid_from=dt.date(2008, 8, 1),
                    latitude=21.0 + d_index / 10 + w / 50,
                    longitude=105.8 + w / 50,
                )
                s.add(ward)
                wards.append(ward)
        s.flush()
        commune = OrgUnit(
            level="commune_2025",
            code="99999",
            name="Phường Mới",
            short_name="Mới",
            unit_type="Phường",
            parent_id=city.id,
            path="/01/99999/",
            valid_from=dt.date(2025, 7, 1),
        )
        commune2 = OrgUnit(
            level="commune_2025",
            code="99998",
            name="Xã Mới",
            short_name="Xã Mới",
            unit_type="Xã",
            parent_id=city.id,
            path="/01/99998/",
            valid_from=dt.date(2025, 7, 1),
        )
        s.add_all([commune, commune2])
        s.flush()
        # wards 0-2 → commune; ward 1 split (default commune), ward 3 → commune2
        s.add_all(
            [
                OrgUnitMapping(legacy_unit_id=wards[0].id, new_unit_id=commune.id, is_default=True),
                OrgUnitMapping(legacy_unit_id=wards[1].id, new_unit_id=commune.id, is_default=True),
                OrgUnitMapping(legacy_unit_id=wards[1].id, new_unit_id=commune2.id, is_default=False),
                OrgUnitMapping(legacy_unit_id=wards[2].id, new_unit_id=commune.id, is_default=True),
                OrgUnitMapping(legacy_unit_id=wards[3].id, new_unit_id=commune2.id, is_default=True),
            ]
        )
        facilities = []
        types = ["TTYT", "PKDK", "TYT", "TYT", "hospital_public", "clinic_private"]
        n = 0
        for district in districts:
            for f_type in types:
                ward = rng.choice([w for w in wards if w.parent_id == district.id])
                n += 1
                facility = Facility(
                    code=f"01{n:03d}",
                    name=f"{f_type} {n}",
                    facility_type=f_type,
                    is_public=f_type != "clinic_private",
                    is_licensed=rng.random() < 0.85,
                    ward_id=ward.id,
                    district_id=district.id,
                    account_issued_on=_day(rng, dt.date(2023, 9, 1), dt.date(2024, 3, 1), 0.2),
                    staff_trained_on=_day(rng, dt.date(2023, 9, 1), dt.date(2024, 3, 1), 0.2),
                    first_data_sent_on=_day(rng, dt.date(2023, 10, 1), dt.date(2024, 6, 1), 0.25),
                )
                s.add(facility)
                facilities.append(facility)
        s.flush()
        for facility in facilities:
            for _ in range(rng.randint(0, 25)):
                day = _day(rng, dt.date(2023, 9, 15), TODAY)
                received = rng.choice([0, 3, 10])
                accepted = rng.randint(0, received)
                s.merge(
                    FacilityDailySubmission(
                        facility_id=facility.id,
                        day=day,
                        received=received,
                        accepted=accepted,
                        rejected=received - accepted,
                    )
                )
        residents = []
        for i in range(240):
            ward = rng.choice(wards)
            since = _day(rng, dt.date(1990, 1, 1), TODAY) if rng.random() < 0.5 else dt.date(2000, 1, 1)
            if rng.random() < 0.3:
                since = _day(rng, dt.date(2023, 5, 1), TODAY)
            until = _day(rng, max(since, dt.date(2023, 6, 1)), TODAY + dt.timedelta(days=30), 0.8)
            resident = Resident(
                cccd=f"001{i:09d}",
                full_name=f"Nguyễn Văn {i}",
                sex="M",
                residence_type="permanent",
                ward_id=ward.id,
                district_id=ward.parent_id,
                resident_since=since,
                resident_until=until,
                bhyt_card=rng.choice([None, "", "HS4010120878811", "0120878811"]),
            )
            s.add(resident)
            residents.append(resident)
        s.flush()
        if hasattr(Resident, "merged_into_id"):
            residents[-1].merged_into_id = residents[0].id  # a merged duplicate: excluded everywhere
        for resident in residents:
            if rng.random() < 0.15:
                continue  # no record
            created = _day(rng, dt.date(2023, 7, 1), TODAY)
            verified = rng.random() < 0.6
            s.add(
                HealthRecord(
                    resident_id=resident.id,
                    ward_id=resident.ward_id,
                    district_id=resident.district_id,
                    status="active",
                    created_on=created,
                    standardised_on=_day(rng, created - dt.timedelta(days=20), TODAY, 0.3),
                    verification_status="verified" if verified else rng.choice(["pending", "mismatch"]),
                    verified_on=_day(rng, created, TODAY, 0.2 if verified else 0.7),
                    vneid_shared_on=_day(rng, created, TODAY, 0.4),
                    bhyt_linked_on=_day(rng, created - dt.timedelta(days=5), TODAY, 0.4),
                    vaccination_loaded_on=_day(rng, dt.date(2023, 8, 1), TODAY, 0.5),
                    last_health_check_on=_day(rng, dt.date(2022, 6, 1), TODAY, 0.3),
                    closed_on=resident.resident_until
                    if rng.random() < 0.7
                    else _day(rng, created, TODAY, 0.9),
                )
            )
        s.add(
            CleaningRule(id="R1", name_vi="Quy tắc", name_en="Rule", explanation_vi="x", suggested_fix_vi="y")
        )
        s.flush()
        for i in range(60):
            resident = rng.choice(residents[:-1])
            status = rng.choice(["open", "resolved", "dismissed", "resolved"])
            opened = _day(rng, dt.date(2024, 1, 1), TODAY)
            closed = _day(rng, opened, TODAY) if status != "open" else None
            s.add(
                CleaningItem(
                    fingerprint=f"fp{i}",
                    rule_id="R1",
                    resident_id=resident.id,
                    ward_id=resident.ward_id,
                    district_id=resident.district_id,
                    status=status,
                    opened_at=_ts(rng, opened),
                    closed_at=_ts(rng, closed),
                )
            )
        for _ in range(80):
            ward = rng.choice(wards)
            received = _day(rng, dt.date(2024, 4, 1), TODAY)
            applied = (
                None if rng.random() < 0.2 else received + dt.timedelta(days=rng.choice([0, 2, 7, 8, 20]))
            )
            s.add(
                AdminChangeEvent(
                    event_type="move_in",
                    ward_id=ward.id,
                    district_id=ward.parent_id,
                    occurred_on=received,
                    received_on=received,
                    applied_on=applied,
                )
            )
        checklist = Checklist(name="Giám sát", items=[])
        s.add(checklist)
        s.flush()
        for _ in range(25):
            target = rng.choice([*wards, *districts])
            facility = rng.choice([None, rng.choice(facilities)])
            s.add(
                Evaluation(
                    checklist_id=checklist.id,
                    org_unit_id=target.id,
                    facility_id=facility.id if facility else None,
                    evaluated_on=_day(rng, dt.date(2024, 4, 1), TODAY),
                    status=rng.choice(["draft", "submitted", "closed"]),
                )
            )
        for i, facility in enumerate(facilities):
            for j in range(2):
                created = _day(rng, dt.date(2023, 9, 1), dt.date(2024, 6, 1))
                disabled = _day(rng, created, TODAY, 0.8)
                login = _day(rng, created, TODAY, 0.2)
                s.add(
                    Account(
                        username=f"u{i}_{j}",
                        full_name="x",
                        role="facility_user",
                        password_hash="x",
                        facility_id=facility.id,
                        created_at=_ts(rng, created),
                        disabled_at=_ts(rng, disabled),
                        last_login_at=_ts(rng, login),
                        is_active=disabled is None,
                    )
                )
        s.add(
            Account(
                username="cityuser",
                full_name="x",
                role="leadership",
                password_hash="x",
                created_at=_ts(rng, dt.date(2023, 9, 1)),
                last_login_at=_ts(rng, TODAY),
            )
        )
    return {
        "districts": [d.id for d in districts],
        "wards": [w.id for w in wards],
        "communes": [commune.id, commune2.id],
    }


def _local(ts: dt.datetime | None) -> dt.date | None:
    return None if ts is None else ts.astimezone(VN).date()


def expected_measures(engine: Engine, day: dt.date) -> dict[tuple[str, int, int, str], int]:
    """measure value on ``day`` per (measure, ward_id, facility_id, facility_type), row by row."""
    out: dict[tuple[str, int, int, str], int] = {}

    def add(measure: str, ward: int, facility: int = 0, f_type: str = "", n: int = 1) -> None:
        key = (measure, ward, facility, f_type)
        out[key] = out.get(key, 0) + n

    with transaction(engine) as s:
        records = {h.resident_id: h for h in s.scalars(select(HealthRecord))}
        for r in s.scalars(select(Resident)):
            if getattr(r, "merged_into_id", None) is not None:
                continue
            living = r.resident_since <= day and (r.resident_until is None or day < r.resident_until)
            h = records.get(r.id)
            if living:
                add("residents", r.ward_id)
                if h is not None:
                    if h.created_on <= day:
                        add("residents_with_record", r.ward_id)
                    if h.vaccination_loaded_on and h.vaccination_loaded_on <= day:
                        add("residents_vaccination_loaded", r.ward_id)
                    check = h.last_health_check_on
                    if check and check <= day < check + dt.timedelta(days=365):
                        add("residents_health_check_12m", r.ward_id)
            if h is None or h.created_on > day or (h.closed_on is not None and h.closed_on <= day):
                continue
            add("records", r.ward_id)
            if h.standardised_on and h.standardised_on <= day:
                add("records_standardised", r.ward_id)
            if h.verification_status == "verified" and h.verified_on and h.verified_on <= day:
                add("records_verified", r.ward_id)
            if h.vneid_shared_on and h.vneid_shared_on <= day:
                add("records_vneid_shared", r.ward_id)
            if r.bhyt_card:
                add("records_insured", r.ward_id)
                if h.bhyt_linked_on and h.bhyt_linked_on <= day:
                    add("records_insured_linked", r.ward_id)
        facilities = {f.id: f for f in s.scalars(select(Facility))}
        submissions = list(s.scalars(select(FacilityDailySubmission)))
        for f in facilities.values():
            key = (f.ward_id, f.id, f.facility_type)
            if day >= EPOCH:
                add("facility_registered", *key)
                if f.is_licensed:
                    add("facility_licensed", *key)
            if f.account_issued_on and f.account_issued_on <= day:
                add("facility_account_issued", *key)
            if f.staff_trained_on and f.staff_trained_on <= day:
                add("facility_staff_trained", *key)
            if f.is_licensed and f.first_data_sent_on and f.first_data_sent_on <= day:
                add("facility_connected", *key)
                if any(
                    x.facility_id == f.id
                    and x.received > 0
                    and x.day >= f.first_data_sent_on
                    and day - dt.timedelta(days=30) < x.day <= day
                    for x in submissions
                ):
                    add("facility_reporting_30d", *key)
        for x in submissions:
            if x.day <= day:
                f = facilities[x.facility_id]
                add("submissions_received", f.ward_id, f.id, f.facility_type, x.received)
                add("submissions_accepted", f.ward_id, f.id, f.facility_type, x.accepted)
        for c in s.scalars(select(CleaningItem)):
            opened, closed = _local(c.opened_at), _local(c.closed_at)
            if opened <= day and not (c.status == "dismissed" and closed is not None and closed <= day):
                add("cleaning_raised", c.ward_id)
            if c.status == "resolved" and closed is not None and closed <= day:
                add("cleaning_resolved", c.ward_id)
        for e in s.scalars(select(AdminChangeEvent)):
            window_end = e.received_on + dt.timedelta(days=90)
            if e.received_on <= day < window_end:
                add("admin_events_received_90d", e.ward_id)
                if (
                    e.applied_on is not None
                    and e.applied_on <= e.received_on + dt.timedelta(days=7)
                    and e.applied_on <= day
                ):
                    add("admin_events_applied_7d", e.ward_id)
        units = {u.id: u for u in s.scalars(select(OrgUnit))}
        covered = set()
        for e in s.scalars(select(Evaluation)):
            if e.status not in ("submitted", "closed"):
                continue
            if not quarter_start(day) <= e.evaluated_on <= day:
                continue
            if e.facility_id is not None:
                covered.add(facilities[e.facility_id].ward_id)
            elif units[e.org_unit_id].level == "ward":
                covered.add(e.org_unit_id)
        for unit in units.values():
            if unit.level == "ward" and unit.valid_to is None and day >= EPOCH:
                add("wards_due", unit.id)
        for ward in covered:
            add("wards_supervised_quarter", ward)
        for a in s.scalars(select(Account)):
            if a.facility_id is None:
                continue
            f = facilities[a.facility_id]
            issued, disabled, login = _local(a.created_at), _local(a.disabled_at), _local(a.last_login_at)
            if issued <= day and (disabled is None or day < disabled):
                add("accounts_issued", f.ward_id, f.id, f.facility_type)
                if login is not None and login <= day < login + dt.timedelta(days=30):
                    add("accounts_used_30d", f.ward_id, f.id, f.facility_type)
    return {k: v for k, v in out.items() if v}
