from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from identifiers import is_valid_facility_code
from seeds.facilities import (
    CITY_HOSPITALS,
    CLINIC_PRIVATE,
    FACILITY_TYPE_LABELS,
    FACILITY_TYPES,
    HOSPITAL_PRIVATE,
    HOSPITAL_PUBLIC,
    PKDK,
    TTYT,
    TYT,
    FacilityRow,
    hanoi_facilities,
)
from seeds.reference import LEVEL_DISTRICT, LEVEL_WARD, parse_bounds, units_by_level

WARDS = {w.code: w for w in units_by_level(LEVEL_WARD)}
DISTRICTS = {d.code: d for d in units_by_level(LEVEL_DISTRICT)}


def _of_type(facility_type: str, seed: int = 0) -> list[FacilityRow]:
    return [f for f in hanoi_facilities(seed) if f.facility_type == facility_type]


def test_exact_counts() -> None:
    counts = Counter(f.facility_type for f in hanoi_facilities())
    assert counts == {
        TTYT: 30,
        PKDK: 54,
        TYT: 579,
        HOSPITAL_PUBLIC: 43,
        HOSPITAL_PRIVATE: 40,
        CLINIC_PRIVATE: 260,
    }
    assert set(FACILITY_TYPE_LABELS) == set(FACILITY_TYPES)


def test_codes_unique_and_valid() -> None:
    codes = [f.code for f in hanoi_facilities()]
    assert len(codes) == len(set(codes))
    assert all(is_valid_facility_code(code, province="01") for code in codes)


def test_grouped_by_type_in_declared_order() -> None:
    order = [FACILITY_TYPES.index(f.facility_type) for f in hanoi_facilities()]
    assert order == sorted(order)


def test_public_flag() -> None:
    for facility in hanoi_facilities():
        assert facility.is_public == (facility.facility_type in {TTYT, PKDK, TYT, HOSPITAL_PUBLIC})


def test_every_facility_sits_in_a_real_ward_of_its_district_inside_the_ward_box() -> None:
    for facility in hanoi_facilities():
        ward = WARDS[facility.ward_code]
        assert ward.parent_code == facility.district_code
        south, west, north, east = parse_bounds(ward.bounds or "")
        assert south <= facility.latitude <= north and west <= facility.longitude <= east


def test_one_ttyt_per_district_named_by_district_type() -> None:
    centres = _of_type(TTYT)
    assert sorted(f.district_code for f in centres) == sorted(DISTRICTS)
    names = {f.district_code: f.name for f in centres}
    assert names["001"] == "Trung tâm Y tế quận Ba Đình"
    assert names["269"] == "Trung tâm Y tế thị xã Sơn Tây"
    assert names["271"] == "Trung tâm Y tế huyện Ba Vì"
    assert names["281"] == "Trung tâm Y tế huyện Ứng Hòa"


def test_pkdk_spread_with_larger_districts_getting_more() -> None:
    polyclinics = _of_type(PKDK)
    per_district = Counter(f.district_code for f in polyclinics)
    assert set(per_district) == set(DISTRICTS)
    assert Counter(per_district.values()) == {3: 6, 2: 12, 1: 12}
    assert per_district["277"] == 3  # Chương Mỹ: the most communes
    assert all(f.name.startswith("Phòng khám đa khoa khu vực ") for f in polyclinics)
    assert len({f.name for f in polyclinics}) == 54


def test_tyt_one_per_ward_plus_53_second_stations() -> None:
    stations = _of_type(TYT)
    per_ward = Counter(f.ward_code for f in stations)
    assert set(per_ward) == set(WARDS)
    assert Counter(per_ward.values()) == {1: 473, 2: 53}
    second = [f for f in stations if f.name.endswith(" cơ sở 2")]
    assert len(second) == 53 and len({f.ward_code for f in second}) == 53


def test_second_stations_prefer_large_suburban_communes() -> None:
    second_wards = [WARDS[f.ward_code] for f in _of_type(TYT) if f.name.endswith(" cơ sở 2")]
    assert sum(w.unit_type != "Phường" for w in second_wards) > 40


def test_tyt_names() -> None:
    names = {f.name for f in _of_type(TYT)}
    assert "Trạm Y tế phường Phúc Xá" in names
    assert "Trạm Y tế thị trấn Yên Viên" in names  # not the package's "Yên Viên (Thị trấn)"
    assert "Trạm Y tế xã Yên Viên" in names
    pattern = re.compile(r"Trạm Y tế (phường|xã|thị trấn) \S.*")
    assert all(pattern.fullmatch(name) for name in names)


def test_public_hospitals() -> None:
    hospitals = _of_type(HOSPITAL_PUBLIC)
    names = {f.name for f in hospitals}
    assert len(names) == 43
    assert {"Bệnh viện Đa khoa Xanh Pôn", "Bệnh viện Thanh Nhàn", "Bệnh viện Đa khoa huyện Ba Vì"} <= names
    assert "Bệnh viện Đa khoa thị xã Sơn Tây" in names
    assert all(DISTRICTS[code].short_name for _, code in CITY_HOSPITALS)


def test_private_facilities_concentrate_in_urban_districts() -> None:
    private = [f for f in hanoi_facilities() if not f.is_public]
    urban = sum(DISTRICTS[f.district_code].unit_type == "Quận" for f in private)
    assert urban / len(private) > 0.6
    assert len({f.name for f in private}) == len(private)
    assert all(f.name.startswith(("Bệnh viện ", "Phòng khám ")) for f in private)


def test_vietnamese_diacritics_in_names() -> None:
    names = [f.name for f in hanoi_facilities()]
    assert all(("Y tế" in n) or n.startswith(("Bệnh viện", "Phòng khám")) for n in names)
    assert any("Đống Đa" in n for n in names)
    assert not any("Ð" in n for n in names)  # U+00D0 look-alike of Đ


def test_deterministic_per_seed() -> None:
    first, again = hanoi_facilities(7), hanoi_facilities(7)
    assert first is not again and first == again
    assert hanoi_facilities(0) != hanoi_facilities(1)
    # Codes and the structural names do not depend on the seed, only placement and jitter do.
    assert [f.code for f in hanoi_facilities(0)] == [f.code for f in hanoi_facilities(1)]
    assert [f.name for f in _of_type(TTYT, 0)] == [f.name for f in _of_type(TTYT, 1)]


def _digest(facilities: list[FacilityRow]) -> str:
    return hashlib.sha256(repr(facilities).encode()).hexdigest()


def test_deterministic_across_processes() -> None:
    # String-seeded RNGs must not depend on PYTHONHASHSEED, or seeded demo data would differ per run.
    script = (
        "import hashlib; from seeds.facilities import hanoi_facilities; "
        "print(hashlib.sha256(repr(hanoi_facilities(3)).encode()).hexdigest())"
    )
    repo_root = Path(__file__).resolve().parents[2]
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(repo_root)},
            cwd=repo_root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for hash_seed in ("1", "2")
    }
    assert digests == {_digest(hanoi_facilities(3))}
