"""Hand-built little city for the cleaning tests: 2 districts, 5 wards, 4 stations, 5 accounts."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import Engine, insert

from data_access.engine import transaction
from data_access.models import Account, AccountScope, Facility, HealthRecord, OrgUnit, Resident
from data_access.models.enums import Role
from data_access.scope import CITY_SCOPE, Principal, Scope

TODAY = dt.date(2026, 11, 25)

CITY = 1
BA_DINH, CAU_GIAY = 10, 20
PHUC_XA, TRUC_BACH, VINH_PHUC = 101, 102, 103
DICH_VONG, DICH_VONG_HAU = 201, 202
TYT_PHUC_XA, TYT_TRUC_BACH, TYT_DICH_VONG, BAD_FACILITY = 1, 2, 3, 4

ORG_UNITS = [
    # id, level, code, name, short, type, parent, path, lat, lon
    (CITY, "city", "01", "Thành phố Hà Nội", "Hà Nội", "Thành phố", None, "/01/", 21.03, 105.85),
    (BA_DINH, "district", "001", "Quận Ba Đình", "Ba Đình", "Quận", CITY, "/01/001/", 21.04, 105.83),
    (CAU_GIAY, "district", "005", "Quận Cầu Giấy", "Cầu Giấy", "Quận", CITY, "/01/005/", 21.03, 105.79),
    (
        PHUC_XA,
        "ward",
        "00001",
        "Phường Phúc Xá",
        "Phúc Xá",
        "Phường",
        BA_DINH,
        "/01/001/00001/",
        21.0468,
        105.8481,
    ),
    (
        TRUC_BACH,
        "ward",
        "00004",
        "Phường Trúc Bạch",
        "Trúc Bạch",
        "Phường",
        BA_DINH,
        "/01/001/00004/",
        21.0453,
        105.8418,
    ),
    (
        VINH_PHUC,
        "ward",
        "00006",
        "Phường Vĩnh Phúc",
        "Vĩnh Phúc",
        "Phường",
        BA_DINH,
        "/01/001/00006/",
        21.0427,
        105.8087,
    ),
    (
        DICH_VONG,
        "ward",
        "00166",
        "Phường Dịch Vọng",
        "Dịch Vọng",
        "Phường",
        CAU_GIAY,
        "/01/005/00166/",
        21.0347,
        105.7923,
    ),
    (
        DICH_VONG_HAU,
        "ward",
        "00167",
        "Phường Dịch Vọng Hậu",
        "Dịch Vọng Hậu",
        "Phường",
        CAU_GIAY,
        "/01/005/00167/",
        21.0319,
        105.7843,
    ),
]
FACILITIES = [
    (TYT_PHUC_XA, "01A01", "Trạm Y tế phường Phúc Xá", PHUC_XA, BA_DINH),
    (TYT_TRUC_BACH, "01A02", "Trạm Y tế phường Trúc Bạch", TRUC_BACH, BA_DINH),
    (TYT_DICH_VONG, "01B01", "Trạm Y tế phường Dịch Vọng", DICH_VONG, CAU_GIAY),
    (BAD_FACILITY, "1a0x", "Phòng khám tư nhân mã sai", VINH_PHUC, BA_DINH),
]
ADDRESS = {
    PHUC_XA: "Số 12 ngõ 5, Phường Phúc Xá, Quận Ba Đình, Hà Nội",
    TRUC_BACH: "Số 3 phố Trúc Bạch, Phường Trúc Bạch, Quận Ba Đình, Hà Nội",
    VINH_PHUC: "Số 8, Phường Vĩnh Phúc, Quận Ba Đình, Hà Nội",
    DICH_VONG: "Số 1 Trần Thái Tông, Phường Dịch Vọng, Quận Cầu Giấy, Hà Nội",
    DICH_VONG_HAU: "Số 2 Xuân Thủy, Phường Dịch Vọng Hậu, Quận Cầu Giấy, Hà Nội",
}
DISTRICT_OF = {
    PHUC_XA: BA_DINH,
    TRUC_BACH: BA_DINH,
    VINH_PHUC: BA_DINH,
    DICH_VONG: CAU_GIAY,
    DICH_VONG_HAU: CAU_GIAY,
}
FACILITY_OF = {
    PHUC_XA: TYT_PHUC_XA,
    TRUC_BACH: TYT_TRUC_BACH,
    VINH_PHUC: TYT_PHUC_XA,
    DICH_VONG: TYT_DICH_VONG,
    DICH_VONG_HAU: TYT_DICH_VONG,
}

ADMIN, MANAGER_BD, MANAGER_CG, STATION_PX, LEADER = 1, 2, 3, 4, 5
ACCOUNTS = [
    (ADMIN, "admin", Role.CITY_ADMIN, CITY, None),
    (MANAGER_BD, "ql_badinh", Role.DISTRICT_MANAGER, BA_DINH, None),
    (MANAGER_CG, "ql_caugiay", Role.DISTRICT_MANAGER, CAU_GIAY, None),
    (STATION_PX, "tyt_phucxa", Role.FACILITY_USER, None, TYT_PHUC_XA),
    (LEADER, "lanhdao", Role.LEADERSHIP, CITY, None),
]

PRINCIPALS = {
    "admin": Principal(ADMIN, "admin", Role.CITY_ADMIN, CITY_SCOPE),
    "ql_badinh": Principal(
        MANAGER_BD, "ql_badinh", Role.DISTRICT_MANAGER, Scope(district_ids=frozenset({BA_DINH}))
    ),
    "ql_caugiay": Principal(
        MANAGER_CG, "ql_caugiay", Role.DISTRICT_MANAGER, Scope(district_ids=frozenset({CAU_GIAY}))
    ),
    "tyt_phucxa": Principal(
        STATION_PX, "tyt_phucxa", Role.FACILITY_USER, Scope(facility_ids=frozenset({TYT_PHUC_XA}))
    ),
    "lanhdao": Principal(LEADER, "lanhdao", Role.LEADERSHIP, CITY_SCOPE),
}

_serial = itertools.count(100001)
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng")
GIVEN = ("Hạnh", "Lan", "Mai", "Hương", "Thảo", "Ngọc", "Yến", "Trang", "Huyền", "Linh", "Nga")


def build_city(engine: Engine) -> None:
    with transaction(engine) as session:
        session.execute(
            insert(OrgUnit),
            [
                dict(
                    id=i,
                    level=lv,
                    code=c,
                    name=n,
                    short_name=s,
                    unit_type=ut,
                    parent_id=p,
                    path=path,
                    latitude=lat,
                    longitude=lon,
                    valid_from=dt.date(2008, 8, 1),
                )
                for i, lv, c, n, s, ut, p, path, lat, lon in ORG_UNITS
            ],
        )
        session.execute(
            insert(Facility),
            [
                dict(id=i, code=c, name=n, facility_type="TYT", is_public=True, ward_id=w, district_id=d)
                for i, c, n, w, d in FACILITIES
            ],
        )
        for account_id, username, role, unit, facility in ACCOUNTS:
            session.add(
                Account(
                    id=account_id,
                    username=username,
                    full_name=username,
                    role=role,
                    password_hash="x",
                    facility_id=facility,
                )
            )
            session.flush()
            session.add(AccountScope(account_id=account_id, org_unit_id=unit, facility_id=facility))


def good_cccd(sex: str, dob: dt.date) -> str:
    digit = 2 * ((dob.year - 1900) // 100) + (1 if sex == "F" else 0)
    return f"001{digit}{dob.year % 100:02d}{next(_serial):06d}"


def add_resident(
    engine: Engine, ward: int = PHUC_XA, with_record: bool = True, record: dict | None = None, **fields
) -> int:
    """A valid resident (every rule passes) unless ``fields`` break something. Returns its id."""
    n = next(_serial)
    sex = fields.get("sex", "F")
    dob = fields.get("date_of_birth", dt.date(1950 + n % 60, 1 + n % 12, 1 + n % 28))
    bhxh = f"01{next(_serial):08d}"
    values = dict(
        full_name=f"{FAMILY[n % len(FAMILY)]} Thị {GIVEN[n % len(GIVEN)]}",
        sex=sex,
        date_of_birth=dob,
        cccd=good_cccd(sex, dob) if dob else f"0011{next(_serial):08d}",
        bhxh_code=bhxh,
        bhyt_card=f"GD401{bhxh}",
        residence_type="permanent",
        ward_id=ward,
        district_id=DISTRICT_OF[ward],
        address_text=ADDRESS[ward],
        resident_since=dt.date(2000, 1, 1),
    )
    values.update(fields)
    with transaction(engine) as session:
        resident = Resident(**values)
        session.add(resident)
        session.flush()
        if with_record:
            record_values = dict(
                resident_id=resident.id,
                ward_id=ward,
                district_id=DISTRICT_OF[ward],
                facility_id=FACILITY_OF[ward],
                status="active",
                created_on=dt.date(2023, 12, 1),
                verification_status="verified",
            )
            record_values.update(record or {})
            session.add(HealthRecord(**record_values))
        return resident.id
