from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from identifiers.cccd import CccdProblem, check_cccd, make_cccd
from identifiers.insurance import BHYT_GROUPS, BhytProblem, check_bhyt, is_valid_bhxh, make_bhyt
from seeds import defects
from seeds.names import strip_diacritics
from seeds.population import resolve_unique

DOB = date(1990, 5, 17)
CCCD = make_cccd("001", "F", 1990, 123456)
BHXH = "0123456789"


@pytest.mark.parametrize("seed", range(40))
def test_each_cccd_defect_breaks_only_its_own_rule(seed: int) -> None:
    rng = np.random.default_rng(seed)
    assert check_cccd(defects._broken_cccd(rng, CCCD), "F", DOB) == [CccdProblem.NOT_12_DIGITS]
    assert check_cccd(defects._century_sex_flip(rng, CCCD), "F", DOB) == [CccdProblem.CENTURY_SEX_MISMATCH]
    assert check_cccd(defects._birth_year_shift(rng, CCCD), "F", DOB) == [CccdProblem.BIRTH_YEAR_MISMATCH]


@pytest.mark.parametrize("seed", range(40))
def test_insurance_defects(seed: int) -> None:
    rng = np.random.default_rng(seed)
    assert not is_valid_bhxh(defects._broken_bhxh(rng, BHXH))
    for card in (make_bhyt("HS", 4, "01", BHXH), BHXH):
        broken = defects._broken_card(rng, card)
        assert check_bhyt(broken, BHXH) == [BhytProblem.MALFORMED]
        assert broken.endswith(BHXH)  # no mismatch hidden behind the malformation
        other = card[:-10] + defects._replace_digit(rng, card[-10:], 2, 10)
        assert check_bhyt(other, BHXH) == [BhytProblem.BHXH_MISMATCH]


def test_invalid_groups_are_not_real_groups() -> None:
    assert not set(defects.INVALID_BHYT_GROUPS) & set(BHYT_GROUPS)


def test_unresolved_addresses_do_not_resolve_to_hanoi() -> None:
    parse = pytest.importorskip("vietnamadminunits").parse_address
    for text in defects.UNRESOLVED_ADDRESSES:
        parsed = parse(text, mode="LEGACY", level=3)
        assert parsed.ward is None or parsed.province != "Thành phố Hà Nội", text


@pytest.mark.parametrize("name", ["Nguyễn Văn An", "Đặng Thị Thu Hạnh", "Lê Minh Đức", "Trần Thị Ly"])
def test_misspellings_differ_but_stay_close(name: str) -> None:
    rng = np.random.default_rng(0)
    for u, v in rng.random((30, 2)):
        variant = defects.misspell(name, u, v)
        assert variant != name
        assert len(variant.split(" ")) == len(name.split(" "))
        assert abs(len(variant) - len(name)) <= 6  # NFD adds one code point per tone mark
    assert defects._name_variant("no_diacritics", name, 0.5, 0.5) == strip_diacritics(name)


def test_resolve_unique_keeps_immutable_and_removes_clashes() -> None:
    rng = np.random.default_rng(1)
    keys = np.array([5, 5, 5, 7, 7, 9] * 1000, dtype=np.int64) + 10**6 * np.repeat(np.arange(1000), 6)
    mutable = np.ones(keys.size, dtype=bool)
    mutable[0] = False
    out = resolve_unique(rng, keys, 1_000, mutable)
    assert np.unique(out).size == out.size
    assert out[0] == keys[0]
    assert ((out // 1_000) == (keys // 1_000)).all()  # only the random low part moves
