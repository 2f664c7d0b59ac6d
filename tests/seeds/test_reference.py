from __future__ import annotations

from collections import Counter, defaultdict

from vietnamadminunits.database import query

from seeds.reference import (
    LEVEL_CITY,
    LEVEL_COMMUNE_2025,
    LEVEL_DISTRICT,
    LEVEL_WARD,
    UnitRow,
    hanoi_mapping,
    hanoi_units,
    parse_bounds,
    units_by_level,
)


def _by_code(level: str) -> dict[str, UnitRow]:
    return {unit.code: unit for unit in units_by_level(level)}


def test_level_counts_and_order() -> None:
    units = hanoi_units()
    assert Counter(u.level for u in units) == {
        LEVEL_CITY: 1,
        LEVEL_DISTRICT: 30,
        LEVEL_WARD: 526,
        LEVEL_COMMUNE_2025: 126,
    }
    levels = [u.level for u in units]
    assert levels == sorted(levels, key=[LEVEL_CITY, LEVEL_DISTRICT, LEVEL_WARD, LEVEL_COMMUNE_2025].index)
    for level in (LEVEL_DISTRICT, LEVEL_WARD, LEVEL_COMMUNE_2025):
        codes = [u.code for u in units_by_level(level)]
        assert codes == sorted(codes) and len(set(codes)) == len(codes)


def test_results_are_cached() -> None:
    assert hanoi_units() is hanoi_units()
    assert hanoi_mapping() is hanoi_mapping()


def test_city_row() -> None:
    city = hanoi_units()[0]
    assert (city.level, city.code, city.name, city.short_name, city.unit_type, city.parent_code) == (
        LEVEL_CITY,
        "01",
        "Thành phố Hà Nội",
        "Hà Nội",
        "Thành phố",
        None,
    )


def test_city_bounds_contain_every_ward() -> None:
    south, west, north, east = parse_bounds(hanoi_units()[0].bounds or "")
    for ward in units_by_level(LEVEL_WARD):
        assert south <= (ward.latitude or 0) <= north and west <= (ward.longitude or 0) <= east


def test_codes_equal_the_packages() -> None:
    legacy = query("SELECT DISTINCT districtCode, wardCode FROM admin_units_legacy WHERE provinceCode = '01'")
    current = query("SELECT wardCode FROM admin_units WHERE provinceCode = '01'")
    assert set(_by_code(LEVEL_DISTRICT)) == {r["districtCode"] for r in legacy}
    assert set(_by_code(LEVEL_WARD)) == {r["wardCode"] for r in legacy}
    assert set(_by_code(LEVEL_COMMUNE_2025)) == {r["wardCode"] for r in current}


def test_code_formats() -> None:
    assert all(len(u.code) == 3 and u.code.isdigit() for u in units_by_level(LEVEL_DISTRICT))
    assert all(len(u.code) == 5 and u.code.isdigit() for u in units_by_level(LEVEL_WARD))
    assert all(len(u.code) == 5 and u.code.isdigit() for u in units_by_level(LEVEL_COMMUNE_2025))


def test_codes_are_unique_only_within_a_level() -> None:
    assert _by_code(LEVEL_WARD)["00004"].short_name == "Trúc Bạch"
    assert _by_code(LEVEL_COMMUNE_2025)["00004"].short_name == "Ba Đình"


def test_parents() -> None:
    districts = _by_code(LEVEL_DISTRICT)
    assert all(d.parent_code == "01" for d in districts.values())
    assert all(w.parent_code in districts for w in units_by_level(LEVEL_WARD))
    assert all(c.parent_code == "01" for c in units_by_level(LEVEL_COMMUNE_2025))
    assert {w.parent_code for w in units_by_level(LEVEL_WARD)} == set(districts)


def test_known_units() -> None:
    districts = _by_code(LEVEL_DISTRICT)
    assert (districts["001"].name, districts["001"].unit_type) == ("Quận Ba Đình", "Quận")
    assert (districts["268"].name, districts["268"].short_name) == ("Quận Hà Đông", "Hà Đông")
    assert (districts["269"].name, districts["269"].unit_type) == ("Thị xã Sơn Tây", "Thị xã")
    phuc_xa = _by_code(LEVEL_WARD)["00001"]
    assert (phuc_xa.name, phuc_xa.short_name, phuc_xa.unit_type, phuc_xa.parent_code) == (
        "Phường Phúc Xá",
        "Phúc Xá",
        "Phường",
        "001",
    )


def test_unit_types() -> None:
    assert Counter(d.unit_type for d in units_by_level(LEVEL_DISTRICT)) == {
        "Quận": 12,
        "Huyện": 17,
        "Thị xã": 1,
    }
    assert Counter(w.unit_type for w in units_by_level(LEVEL_WARD)) == {
        "Phường": 160,
        "Xã": 345,
        "Thị trấn": 21,
    }
    assert Counter(c.unit_type for c in units_by_level(LEVEL_COMMUNE_2025)) == {"Phường": 51, "Xã": 75}


def test_geography_is_present_where_the_package_has_it() -> None:
    for unit in hanoi_units():
        assert unit.latitude is not None and 20.5 < unit.latitude < 21.4
        assert unit.longitude is not None and 105.2 < unit.longitude < 106.1
    assert all(u.bounds for u in hanoi_units() if u.level != LEVEL_COMMUNE_2025)
    assert all(u.area_km2 and u.area_km2 > 0 for u in units_by_level(LEVEL_COMMUNE_2025))


def test_ward_centres_lie_in_their_bounds() -> None:
    for ward in units_by_level(LEVEL_WARD):
        south, west, north, east = parse_bounds(ward.bounds or "")
        assert south <= (ward.latitude or 0) <= north and west <= (ward.longitude or 0) <= east


def test_mapping_covers_both_structures() -> None:
    mapping = hanoi_mapping()
    targets: dict[str, set[str]] = defaultdict(set)
    defaults: Counter[str] = Counter()
    for row in mapping:
        targets[row.legacy_ward_code].add(row.commune_code)
        defaults[row.legacy_ward_code] += row.is_default
    assert set(targets) == set(_by_code(LEVEL_WARD))
    assert all(defaults[ward] == 1 for ward in targets)
    assert {row.commune_code for row in mapping} == set(_by_code(LEVEL_COMMUNE_2025))


def test_mapping_rows_are_unique_and_ordered() -> None:
    keys = [(row.legacy_ward_code, row.commune_code) for row in hanoi_mapping()]
    assert keys == sorted(set(keys))


def test_mapping_known_links() -> None:
    links = {(row.legacy_ward_code, row.commune_code): row.is_default for row in hanoi_mapping()}
    # Trúc Bạch (legacy 00004) went whole into the 2025 Ba Đình ward (also 00004).
    assert links[("00004", "00004")] is True
    # Phúc Xá (00001) went whole into Hồng Hà (00097).
    assert links[("00001", "00097")] is True
    split_wards = Counter(row.legacy_ward_code for row in hanoi_mapping())
    assert sum(1 for count in split_wards.values() if count > 1) == 199
