"""A hand-built mini city with one account per role, for auth/account tests on the ``engine`` fixture.

Two districts with two wards each, one station (TYT) per ward, a polyclinic and a district centre in
each district, two residents per ward. Every account shares one bcrypt hash (hashed once per process).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Engine

from data_access.accounts import NewAccount, bulk_create_accounts, hash_password
from data_access.engine import transaction
from data_access.models import Facility, OrgUnit, Resident
from data_access.scope import Principal, load_principal

PASSWORD = "Mini-City-Pass-7"


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class MiniCity:
    city: int = 0
    districts: dict[str, int] = field(default_factory=dict)  # code -> id
    wards: dict[str, int] = field(default_factory=dict)  # code -> id
    ward_district: dict[int, int] = field(default_factory=dict)  # ward id -> district id
    ward_names: dict[int, str] = field(default_factory=dict)
    facilities: dict[str, int] = field(default_factory=dict)  # code -> id
    facility_district: dict[int, int] = field(default_factory=dict)
    facility_ward: dict[int, int] = field(default_factory=dict)
    residents: dict[int, int] = field(default_factory=dict)  # resident id -> ward id
    accounts: dict[str, int] = field(default_factory=dict)  # username -> id

    def principal(self, engine: Engine, username: str) -> Principal:
        with transaction(engine) as session:
            principal = load_principal(session, self.accounts[username])
        assert principal is not None
        return principal


def _unit(session, level, code, name, unit_type, parent, path) -> int:
    unit = OrgUnit(
        level=level,
        code=code,
        name=name,
        short_name=name.split(" ", 1)[-1],
        unit_type=unit_type,
        parent_id=parent,
        path=path,
        valid_from=dt.date(2019, 1, 1),
    )
    session.add(unit)
    session.flush()
    return unit.id


def build_mini_city(engine: Engine, *, with_accounts: bool = True) -> MiniCity:
    city = MiniCity()
    with transaction(engine) as session:
        city.city = _unit(session, "city", "01", "Thành phố Hà Nội", "Thành phố", None, "/01/")
        layout = {
            "001": ("Quận Ba Đình", [("00001", "Phường Phúc Xá"), ("00004", "Phường Trúc Bạch")]),
            "002": ("Quận Hoàn Kiếm", [("00037", "Phường Phúc Tân"), ("00040", "Phường Đồng Xuân")]),
        }
        for d_code, (d_name, wards) in layout.items():
            d_id = _unit(session, "district", d_code, d_name, "Quận", city.city, f"/01/{d_code}/")
            city.districts[d_code] = d_id
            for w_code, w_name in wards:
                w_id = _unit(session, "ward", w_code, w_name, "Phường", d_id, f"/01/{d_code}/{w_code}/")
                city.wards[w_code] = w_id
                city.ward_district[w_id] = d_id
                city.ward_names[w_id] = w_name
        facilities = []
        for w_code, w_id in city.wards.items():
            d_id = city.ward_district[w_id]
            facilities.append((f"01{w_code[-3:]}", f"Trạm Y tế {city.ward_names[w_id]}", "TYT", w_id, d_id))
        for d_code, d_id in city.districts.items():
            first_ward = next(w for w, d in city.ward_district.items() if d == d_id)
            facilities.append((f"01P{d_code[-2:]}", f"Phòng khám đa khoa {d_code}", "PKDK", first_ward, d_id))
            facilities.append((f"01T{d_code[-2:]}", f"Trung tâm Y tế {d_code}", "TTYT", first_ward, d_id))
        for code, name, ftype, w_id, d_id in facilities:
            facility = Facility(
                code=code, name=name, facility_type=ftype, is_public=True, ward_id=w_id, district_id=d_id
            )
            session.add(facility)
            session.flush()
            city.facilities[code] = facility.id
            city.facility_district[facility.id] = d_id
            city.facility_ward[facility.id] = w_id
        serial = 0
        for w_id, d_id in city.ward_district.items():
            for name in ("Nguyễn Văn An", "Trần Thị Hạnh"):
                serial += 1
                resident = Resident(
                    cccd=f"001203{serial:06d}",
                    full_name=name,
                    sex="M",
                    date_of_birth=dt.date(1987, 5, 4),
                    residence_type="permanent",
                    ward_id=w_id,
                    district_id=d_id,
                    address_text=f"{serial} Ngõ 5, {city.ward_names[w_id]}",
                    resident_since=dt.date(2000, 1, 1),
                )
                session.add(resident)
                session.flush()
                city.residents[resident.id] = w_id
        if with_accounts:
            w11 = city.wards["00001"]
            f11 = city.facilities["01001"]
            f21 = city.facilities["01037"]
            rows = [
                NewAccount(
                    "quantri",
                    "Quản trị Sở",
                    "city_admin",
                    password_hash(),
                    must_change_password=False,
                    scope_org_unit_ids=(city.city,),
                ),
                NewAccount(
                    "lanhdao",
                    "Lãnh đạo Sở",
                    "leadership",
                    password_hash(),
                    must_change_password=False,
                    scope_org_unit_ids=(city.city,),
                ),
                NewAccount(
                    "thanhtra",
                    "Thanh tra",
                    "inspector",
                    password_hash(),
                    must_change_password=False,
                    scope_org_unit_ids=(city.districts["001"],),
                ),
                NewAccount(
                    "ttyt.001",
                    "TTYT Ba Đình",
                    "district_manager",
                    password_hash(),
                    must_change_password=False,
                    scope_org_unit_ids=(city.districts["001"],),
                ),
                NewAccount(
                    "ttyt.002",
                    "TTYT Hoàn Kiếm",
                    "district_manager",
                    password_hash(),
                    must_change_password=False,
                    scope_org_unit_ids=(city.districts["002"],),
                ),
                NewAccount(
                    "tyt.01001",
                    "Trạm Y tế Phúc Xá",
                    "facility_user",
                    password_hash(),
                    facility_id=f11,
                    must_change_password=False,
                    scope_org_unit_ids=(w11,),
                    scope_facility_ids=(f11,),
                ),
                NewAccount(
                    "tyt.01037",
                    "Trạm Y tế Phúc Tân",
                    "facility_user",
                    password_hash(),
                    facility_id=f21,
                    must_change_password=False,
                    scope_org_unit_ids=(city.wards["00037"],),
                    scope_facility_ids=(f21,),
                ),
                NewAccount(
                    "nobody", "Không phạm vi", "facility_user", password_hash(), must_change_password=False
                ),
            ]
            city.accounts = bulk_create_accounts(session, rows)
    return city
