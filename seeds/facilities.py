"""Hanoi's facility register (synthetic but shaped like the real one), deterministic per seed.

Counts follow Kế hoạch 269/KH-UBND: 30 TTYT, 54 PKĐK, 579 TYT, plus public hospitals and a few hundred
private facilities. Codes are synthetic MA_CSKCB values, one character series per facility type, so a
code never collides across types and is stable for a given seed.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable
from dataclasses import dataclass

from seeds.reference import LEVEL_DISTRICT, LEVEL_WARD, UnitRow, parse_bounds, units_by_level

TTYT = "TTYT"
PKDK = "PKDK"
TYT = "TYT"
HOSPITAL_PUBLIC = "hospital_public"
HOSPITAL_PRIVATE = "hospital_private"
CLINIC_PRIVATE = "clinic_private"

FACILITY_TYPES = (TTYT, PKDK, TYT, HOSPITAL_PUBLIC, HOSPITAL_PRIVATE, CLINIC_PRIVATE)
FACILITY_TYPE_LABELS = {
    TTYT: "Trung tâm Y tế",
    PKDK: "Phòng khám đa khoa khu vực",
    TYT: "Trạm Y tế",
    HOSPITAL_PUBLIC: "Bệnh viện công lập",
    HOSPITAL_PRIVATE: "Bệnh viện tư nhân",
    CLINIC_PRIVATE: "Phòng khám tư nhân",
}
PUBLIC_TYPES = frozenset({TTYT, PKDK, TYT, HOSPITAL_PUBLIC})

PKDK_COUNT = 54
TYT_COUNT = 579
PRIVATE_HOSPITAL_COUNT = 40
PRIVATE_CLINIC_COUNT = 260

# Third code character(s) per type; each character gives 99 codes (…01–…99).
_CODE_SERIES = {
    HOSPITAL_PUBLIC: "0",
    HOSPITAL_PRIVATE: "5",
    CLINIC_PRIVATE: "6789",
    TTYT: "T",
    PKDK: "P",
    TYT: "CDEFGH",  # C first, like real station codes such as 01C51
}
_PROVINCE_PREFIX = "01"

# PKĐK serve clusters of communes, so districts with the most communes (the suburban huyện) get the
# most: 6 districts × 3 + 12 × 2 + 12 × 1 = 54.
_PKDK_PER_DISTRICT_BY_RANK = (3,) * 6 + (2,) * 12 + (1,) * 12

# Private facilities cluster in the urban districts.
_PRIVATE_DISTRICT_WEIGHT = {"Quận": 6.0, "Thị xã": 2.0, "Huyện": 1.0}

# Jitter stays within this share of the ward's bounding box half-size, then is clamped to the box.
_JITTER_SHARE = 0.25

CITY_HOSPITALS: tuple[tuple[str, str], ...] = (
    ("Bệnh viện Đa khoa Xanh Pôn", "001"),
    ("Bệnh viện Phụ sản Hà Nội", "001"),
    ("Bệnh viện Đa khoa Hòe Nhai", "001"),
    ("Bệnh viện Hữu nghị Việt Nam - Cu Ba Hà Nội", "002"),
    ("Bệnh viện Tim Hà Nội", "002"),
    ("Bệnh viện Mắt Hà Nội", "002"),
    ("Bệnh viện Đa khoa Đức Giang", "004"),
    ("Bệnh viện Tâm thần Hà Nội", "004"),
    ("Bệnh viện Đa khoa Đống Đa", "006"),
    ("Bệnh viện Thận Hà Nội", "006"),
    ("Bệnh viện Đa khoa Tràng An", "006"),
    ("Bệnh viện Phục hồi chức năng Hà Nội", "006"),
    ("Bệnh viện Thanh Nhàn", "007"),
    ("Bệnh viện Phổi Hà Nội", "007"),
    ("Bệnh viện Đa khoa Y học cổ truyền Hà Nội", "007"),
    ("Bệnh viện Tâm thần ban ngày Mai Hương", "007"),
    ("Bệnh viện Da liễu Hà Nội", "008"),
    ("Bệnh viện Ung bướu Hà Nội", "009"),
    ("Bệnh viện Bắc Thăng Long", "017"),
    ("Bệnh viện Nhi Hà Nội", "019"),
    ("Bệnh viện Đa khoa Nông nghiệp", "020"),
    ("Bệnh viện Nam Thăng Long", "021"),
    ("Bệnh viện Đa khoa Hà Đông", "268"),
    ("Bệnh viện Y học cổ truyền Hà Đông", "268"),
    ("Bệnh viện Tâm thần Mỹ Đức", "282"),
)

# Invented brand names: plausible, but deliberately not real private operators.
_PRIVATE_BRANDS = (
    "An Bình", "An Khang", "An Phúc", "An Việt", "Bảo Anh", "Bảo Ngọc", "Bình An", "Đại An",
    "Đức Minh", "Hà Thành", "Hòa Bình", "Hoàng Long", "Hồng Đức", "Hồng Hà", "Hưng Thịnh",
    "Khang An", "Khánh An", "Kinh Bắc", "Minh Anh", "Minh Châu", "Minh Đức", "Minh Khang",
    "Ngọc Lan", "Nhân Ái", "Phúc An", "Phúc Lộc", "Phúc Thịnh", "Phương Đông", "Phương Nam",
    "Sao Mai", "Sông Hồng", "Tâm Đức", "Tâm Phúc", "Thái An", "Thăng Long", "Thành Công",
    "Thiện Nhân", "Thiên Phúc", "Trường An", "Việt Hàn", "Việt Nhật", "Việt Pháp", "Vĩnh An",
    "Vạn Phúc",
)  # fmt: skip
_PRIVATE_HOSPITAL_KINDS = (
    "Bệnh viện Đa khoa",
    "Bệnh viện Đa khoa Quốc tế",
    "Bệnh viện Mắt",
    "Bệnh viện Phụ sản",
    "Bệnh viện Răng Hàm Mặt",
    "Bệnh viện Chấn thương chỉnh hình",
)
_PRIVATE_CLINIC_KINDS = (
    "Phòng khám đa khoa",
    "Phòng khám chuyên khoa Răng Hàm Mặt",
    "Phòng khám chuyên khoa Mắt",
    "Phòng khám chuyên khoa Nhi",
    "Phòng khám chuyên khoa Phụ sản",
    "Phòng khám chuyên khoa Tai Mũi Họng",
    "Phòng khám chuyên khoa Da liễu",
    "Phòng khám chuyên khoa Nội",
    "Phòng khám chuyên khoa Chẩn đoán hình ảnh",
)


@dataclass(frozen=True)
class FacilityRow:
    code: str
    name: str
    facility_type: str
    is_public: bool
    ward_code: str
    district_code: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class _Placement:
    """A facility before it gets a code and coordinates."""

    name: str
    ward: UnitRow


def hanoi_facilities(seed: int = 0) -> list[FacilityRow]:
    """The register, grouped by type in FACILITY_TYPES order; identical for identical seeds.

    Not cached: building it takes a few milliseconds and callers get a list of their own.
    """
    districts = units_by_level(LEVEL_DISTRICT)
    wards_by_district = _wards_by_district()
    seats = {d.code: _seat_ward(d, wards_by_district[d.code]) for d in districts}
    placements = {
        TTYT: [_Placement(_ttyt_name(d), seats[d.code]) for d in districts],
        PKDK: _pkdk_placements(districts, wards_by_district, seats, _rng(seed, PKDK)),
        TYT: _tyt_placements(units_by_level(LEVEL_WARD), _rng(seed, TYT)),
        HOSPITAL_PUBLIC: _public_hospital_placements(
            districts, wards_by_district, seats, _rng(seed, HOSPITAL_PUBLIC)
        ),
        HOSPITAL_PRIVATE: _private_placements(
            _PRIVATE_HOSPITAL_KINDS,
            PRIVATE_HOSPITAL_COUNT,
            districts,
            wards_by_district,
            _rng(seed, HOSPITAL_PRIVATE),
        ),
        CLINIC_PRIVATE: _private_placements(
            _PRIVATE_CLINIC_KINDS,
            PRIVATE_CLINIC_COUNT,
            districts,
            wards_by_district,
            _rng(seed, CLINIC_PRIVATE),
        ),
    }
    jitter_rng = _rng(seed, "jitter")
    return [
        _facility_row(code, placement, facility_type, jitter_rng)
        for facility_type in FACILITY_TYPES
        for code, placement in zip(
            _codes(facility_type, len(placements[facility_type])), placements[facility_type], strict=True
        )
    ]


def _rng(seed: int, purpose: str) -> random.Random:
    # One stream per purpose: changing how one facility type is drawn leaves the others unchanged.
    # String seeds are hashed with SHA-512, so this does not depend on PYTHONHASHSEED.
    return random.Random(f"{seed}:{purpose}")


def _codes(facility_type: str, count: int) -> list[str]:
    series = _CODE_SERIES[facility_type]
    numbers = [n for n in range(len(series) * 100) if n % 100 != 0]
    if count > len(numbers):
        raise ValueError(f"code series for {facility_type} holds {len(numbers)} codes, {count} needed")
    return [f"{_PROVINCE_PREFIX}{series[n // 100]}{n % 100:02d}" for n in numbers[:count]]


def _wards_by_district() -> dict[str, list[UnitRow]]:
    wards: dict[str, list[UnitRow]] = {}
    for ward in units_by_level(LEVEL_WARD):
        assert ward.parent_code is not None
        wards.setdefault(ward.parent_code, []).append(ward)
    return wards


def _seat_ward(district: UnitRow, wards: list[UnitRow]) -> UnitRow:
    """The huyện seat is normally its thị trấn; otherwise take the ward nearest the district centre."""
    towns = [w for w in wards if w.unit_type == "Thị trấn"]
    return min(towns or wards, key=lambda ward: _squared_distance(ward, district))


def _squared_distance(a: UnitRow, b: UnitRow) -> float:
    assert a.latitude is not None and a.longitude is not None
    assert b.latitude is not None and b.longitude is not None
    return (a.latitude - b.latitude) ** 2 + (a.longitude - b.longitude) ** 2


def unit_display_name(unit: UnitRow) -> str:
    """The name with its type in lower case, as used mid-sentence: "phường Phúc Xá", "thị trấn Yên Viên".

    Built from the full name because the package disambiguates some short names
    ("Yên Viên (Thị trấn)" vs "Yên Viên (Xã)"), which would read badly in a facility name.
    """
    return unit.unit_type.lower() + unit.name[len(unit.unit_type) :]


def _bare_name(unit: UnitRow) -> str:
    return unit.name[len(unit.unit_type) :].strip()


def _ttyt_name(district: UnitRow) -> str:
    return f"Trung tâm Y tế {unit_display_name(district)}"


def _pkdk_placements(
    districts: list[UnitRow],
    wards_by_district: dict[str, list[UnitRow]],
    seats: dict[str, UnitRow],
    rng: random.Random,
) -> list[_Placement]:
    ranked = sorted(districts, key=lambda d: (-len(wards_by_district[d.code]), d.code))
    quota = dict(zip((d.code for d in ranked), _PKDK_PER_DISTRICT_BY_RANK, strict=True))
    used_names: set[str] = set()
    placements = []
    for district in districts:
        # The TTYT already covers the seat; polyclinics serve the other parts of the district.
        candidates = [w for w in wards_by_district[district.code] if w != seats[district.code]]
        rng.shuffle(candidates)
        for ward in candidates:
            if quota[district.code] == 0:
                break
            name = f"Phòng khám đa khoa khu vực {_bare_name(ward)}"
            if name in used_names:
                continue
            used_names.add(name)
            placements.append(_Placement(name, ward))
            quota[district.code] -= 1
    if len(placements) != PKDK_COUNT:
        raise RuntimeError(f"placed {len(placements)} PKĐK, expected {PKDK_COUNT}")
    return placements


def _tyt_placements(wards: list[UnitRow], rng: random.Random) -> list[_Placement]:
    second_station_wards = _weighted_sample(wards, [_box_area(w) for w in wards], TYT_COUNT - len(wards), rng)
    placements = []
    for ward in wards:
        name = f"Trạm Y tế {unit_display_name(ward)}"
        placements.append(_Placement(name, ward))
        if ward in second_station_wards:
            placements.append(_Placement(f"{name} cơ sở 2", ward))
    return placements


def _box_area(unit: UnitRow) -> float:
    """Bounding-box area in square degrees: a size proxy that favours large suburban communes."""
    assert unit.bounds is not None
    south, west, north, east = parse_bounds(unit.bounds)
    return (north - south) * (east - west)


def _weighted_sample(items: list[UnitRow], weights: list[float], k: int, rng: random.Random) -> set[UnitRow]:
    # Efraimidis–Spirakis: k largest u^(1/w) is a weighted sample without replacement.
    keyed = sorted(
        ((rng.random() ** (1.0 / weight), index) for index, weight in enumerate(weights)), reverse=True
    )
    return {items[index] for _, index in keyed[:k]}


def _public_hospital_placements(
    districts: list[UnitRow],
    wards_by_district: dict[str, list[UnitRow]],
    seats: dict[str, UnitRow],
    rng: random.Random,
) -> list[_Placement]:
    city_level = [
        _Placement(name, rng.choice(wards_by_district[district_code]))
        for name, district_code in CITY_HOSPITALS
    ]
    district_level = [
        _Placement(f"Bệnh viện Đa khoa {unit_display_name(d)}", seats[d.code])
        for d in districts
        if d.unit_type != "Quận"
    ]
    return city_level + district_level


def _private_placements(
    kinds: Iterable[str],
    count: int,
    districts: list[UnitRow],
    wards_by_district: dict[str, list[UnitRow]],
    rng: random.Random,
) -> list[_Placement]:
    names = rng.sample(
        [f"{kind} {brand}" for kind, brand in itertools.product(kinds, _PRIVATE_BRANDS)], count
    )
    weights = [_PRIVATE_DISTRICT_WEIGHT[d.unit_type] for d in districts]
    chosen_districts = rng.choices(districts, weights=weights, k=count)
    return [
        _Placement(name, rng.choice(wards_by_district[district.code]))
        for name, district in zip(names, chosen_districts, strict=True)
    ]


def _facility_row(code: str, placement: _Placement, facility_type: str, rng: random.Random) -> FacilityRow:
    latitude, longitude = _jittered_point(placement.ward, rng)
    assert placement.ward.parent_code is not None
    return FacilityRow(
        code=code,
        name=placement.name,
        facility_type=facility_type,
        is_public=facility_type in PUBLIC_TYPES,
        ward_code=placement.ward.code,
        district_code=placement.ward.parent_code,
        latitude=latitude,
        longitude=longitude,
    )


def _jittered_point(ward: UnitRow, rng: random.Random) -> tuple[float, float]:
    """Near the ward centre but not on it, so facilities of one ward don't stack on the map."""
    assert ward.bounds is not None and ward.latitude is not None and ward.longitude is not None
    south, west, north, east = parse_bounds(ward.bounds)
    latitude = ward.latitude + rng.uniform(-1, 1) * _JITTER_SHARE * (north - south) / 2
    longitude = ward.longitude + rng.uniform(-1, 1) * _JITTER_SHARE * (east - west) / 2
    return round(_clamp(latitude, south, north), 6), round(_clamp(longitude, west, east), 6)


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


__all__ = [
    "CITY_HOSPITALS",
    "FACILITY_TYPES",
    "FACILITY_TYPE_LABELS",
    "FacilityRow",
    "hanoi_facilities",
    "unit_display_name",
]
