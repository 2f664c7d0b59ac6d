"""Every row rule with valid and invalid examples, through the same vectorised path as the scan."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from cleaning.detect import check_resident
from cleaning.rules import ALL_RULES, ParamsError, checked_params, load_rules_file

TODAY = dt.date(2026, 11, 25)
RULES = load_rules_file()

BASE = {
    "resident_id": 1,
    "full_name": "Nguyễn Thị Hạnh",
    "sex": "F",
    "date_of_birth": dt.date(1985, 4, 12),
    "cccd": "001185012345",
    "bhxh_code": "0123456789",
    "bhyt_card": "GD4010123456789",
    "address_text": "Số 12 ngõ 5, Phường Phúc Xá, Quận Ba Đình, Hà Nội",
    "ward_code": "00001",
    "resident_since": dt.date(1985, 4, 12),
    "record_status": "active",
    "record_created_on": dt.date(2023, 12, 1),
    "verification_status": "verified",
    "facility_code": "01A01",
}


def problems(**changes) -> dict[str, str]:
    return check_resident({**BASE, **changes}, RULES, TODAY)


def test_rules_file_has_every_rule_with_vietnamese_texts():
    assert set(RULES) == set(ALL_RULES)
    for rule in RULES.values():
        assert rule.explanation_vi and rule.suggested_fix_vi and rule.name_vi
        assert rule.severity in (1, 2, 3)


def test_a_clean_record_breaks_nothing():
    assert problems() == {}


INVALID = [
    ("cccd_format", {"cccd": "00118501234"}),  # 11 digits
    ("cccd_format", {"cccd": "1185012345"}),  # leading zeros lost by a spreadsheet
    ("cccd_format", {"cccd": "001 185 012345"}),
    ("cccd_format", {"cccd": "0011850I2345"}),  # look-alike letter
    ("cccd_format", {"cccd": "００1185012345"}),  # full-width digits
    ("cccd_format", {"cccd": "999185012345"}),  # no such province
    ("cccd_century_sex", {"sex": "M"}),  # digit 1 = female, 1900s
    ("cccd_century_sex", {"cccd": "001385012345"}),  # digit 3 = 2000s, born 1985
    ("cccd_birth_year", {"date_of_birth": dt.date(1986, 4, 12)}),
    ("cccd_birth_year", {"cccd": "001158012345"}),
    ("bhxh_format", {"bhxh_code": "123456789", "bhyt_card": None}),  # leading zero lost
    ("bhxh_format", {"bhxh_code": "01 23456789", "bhyt_card": None}),
    ("bhxh_format", {"bhxh_code": "01234567890", "bhyt_card": None}),
    ("bhyt_format", {"bhyt_card": "GD401012345678"}),
    ("bhyt_format", {"bhyt_card": "XX4010123456789"}),  # unknown beneficiary group
    ("bhyt_format", {"bhyt_card": "GD6010123456789"}),  # benefit level 6
    ("bhyt_bhxh_mismatch", {"bhyt_card": "GD4010123456780"}),
    ("bhyt_bhxh_mismatch", {"bhyt_card": "0123456780"}),  # bare post-2021 form
    ("missing_field", {"full_name": "  "}),
    ("missing_field", {"address_text": None}),
    ("missing_field", {"cccd": None}),
    ("missing_field", {"bhxh_code": None, "bhyt_card": None}),
    ("moved_out_active", {"resident_until": dt.date(2025, 3, 1)}),
    ("impossible_date", {"date_of_birth": dt.date(2027, 1, 1), "cccd": "001327012345"}),
    ("impossible_date", {"date_of_birth": dt.date(1900, 1, 1), "cccd": "001100012345"}),
    ("impossible_date", {"record_created_on": dt.date(1980, 1, 1)}),
    ("address_unresolved", {"address_text": "xyz abc"}),
    ("address_unresolved", {"address_text": "Phường Bến Nghé, Quận 1, TP Hồ Chí Minh"}),
    ("address_ward_mismatch", {"address_text": "Số 5, Phường Dịch Vọng, Quận Cầu Giấy, Hà Nội"}),
    ("verification_mismatch", {"verification_status": "mismatch", "mismatch_field": "full_name"}),
    ("deceased_active", {"deceased_on": dt.date(2025, 3, 1)}),
    ("deceased_active", {"death_on": dt.date(2025, 3, 1)}),
    ("moved_out_active", {"move_out_on": dt.date(2025, 3, 1)}),
    ("moved_out_active", {"move_out_on": dt.date(2025, 3, 1), "move_in_on": dt.date(2020, 1, 1)}),
    ("invalid_facility_code", {"facility_code": "1a0x"}),
    ("invalid_facility_code", {"facility_code": "01c51"}),
]


@pytest.mark.parametrize(("rule", "changes"), INVALID, ids=[f"{r}-{i}" for i, (r, _) in enumerate(INVALID)])
def test_invalid_examples_raise_exactly_their_rule(rule, changes):
    assert set(problems(**changes)) == {rule}


VALID = [
    {"cccd": "001300012345", "date_of_birth": dt.date(2000, 1, 1)},  # 2000s female: digit 3
    {"cccd": "001305012345", "date_of_birth": dt.date(2005, 12, 4)},  # day/month order irrelevant
    {"sex": "M", "cccd": "001085012345"},
    {"cccd": "079185012345"},  # born in Hồ Chí Minh City, lives in Hà Nội
    {"bhxh_code": "0000000001", "bhyt_card": "0000000001"},  # leading zeros are digits
    {"bhyt_card": None},  # uninsured: no card is not a malformed card
    {"full_name": unicodedata.normalize("NFD", "Đặng Thị Ánh")},
    {"address_text": "so 12 ngo 5, P. Phuc Xa, Q. Ba Dinh, Ha Noi"},  # no diacritics, abbreviations
    {"address_text": unicodedata.normalize("NFD", "Số 12, Phường Phúc Xá, Quận Ba Ðình, Hà Nội")},  # NFD + Ð
    {"deceased_on": dt.date(2025, 3, 1), "record_status": "closed"},
    {"move_out_on": dt.date(2020, 3, 1), "move_in_on": dt.date(2024, 1, 1)},
    {"facility_code": "01C51"},
    {"verification_status": "pending"},
]


@pytest.mark.parametrize("changes", VALID, ids=[str(i) for i in range(len(VALID))])
def test_valid_examples_raise_nothing(changes):
    assert problems(**changes) == {}


def test_impossible_birth_date_does_not_also_blame_the_cccd():
    found = problems(date_of_birth=dt.date(2030, 1, 1))
    assert set(found) == {"impossible_date"}


def test_malformed_bhxh_is_not_also_a_card_mismatch():
    assert set(problems(bhxh_code="12345")) == {"bhxh_format"}


def test_missing_field_details_list_the_fields():
    import json

    found = problems(full_name=None, address_text="")
    assert json.loads(found["missing_field"])["fields"] == ["full_name", "address_text"]


def test_each_distinct_admin_part_is_parsed_once():
    import polars as pl

    from cleaning.address import resolve_addresses, resolve_admin_key

    streets = [f"Số {i} ngõ {i % 7}" for i in range(500)]
    frame = pl.DataFrame({"address_text": [f"{s}, Phường Trúc Bạch, Quận Ba Đình, Hà Nội" for s in streets]})
    resolve_admin_key.cache_clear()
    resolved = resolve_addresses(frame)
    assert resolve_admin_key.cache_info().misses == 1
    assert set(resolved["addr_ward_code"]) == {"00004"}


@pytest.mark.parametrize(
    ("rule_id", "params", "reason", "name", "expected"),
    [
        ("cccd_format", {"x": 1}, "none", "x", ""),
        ("duplicate", {"distance": 2}, "unknown", "distance", "neighbour_km, threshold"),
        ("duplicate", {"threshold": "0.9"}, "type", "threshold", "number"),
        ("duplicate", {"threshold": True}, "type", "threshold", "number"),  # JSON true is not 1
        ("impossible_date", {"max_age": 120.5}, "type", "max_age", "integer"),
        ("missing_field", {"fields": "cccd"}, "type", "fields", "text_list"),
        ("missing_field", {"fields": ["cccd", 3]}, "type", "fields", "text_list"),
        ("duplicate", [0.9], "object", "", ""),
    ],
)
def test_parameters_the_detectors_cannot_use_are_refused(rule_id, params, reason, name, expected):
    with pytest.raises(ParamsError) as raised:
        checked_params(rule_id, params)
    assert (raised.value.reason, raised.value.name, raised.value.expected) == (reason, name, expected)


def test_usable_parameters_pass_unchanged():
    assert checked_params("duplicate", {"threshold": 1, "neighbour_km": 2.5}) == {
        "threshold": 1,
        "neighbour_km": 2.5,
    }
    assert checked_params("missing_field", {"fields": ["cccd"]}) == {"fields": ["cccd"]}
    assert checked_params("cccd_format", {}) is None and checked_params("cccd_format", None) is None
