from __future__ import annotations

import unicodedata
from collections import Counter

import numpy as np
import pytest

from seeds import names

SAMPLE = 50_000


@pytest.fixture(scope="module")
def sample() -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(3)
    is_female = rng.random(SAMPLE) < 0.5
    return names.sample_full_names(rng, is_female).to_list(), is_female


def test_pools_are_large_and_clean() -> None:
    assert len(names.GIVEN_MALE) >= 200
    assert len(names.GIVEN_FEMALE) >= 200
    assert len(names.FAMILY_NAMES) >= 16 + 30
    for pool in (
        names.FAMILY_NAMES,
        names.GIVEN_MALE,
        names.GIVEN_FEMALE,
        names.MIDDLE_MALE,
        names.MIDDLE_FEMALE,
    ):
        assert len(set(pool)) == len(pool)
        for name in pool:
            assert unicodedata.is_normalized("NFC", name)
            assert "\u00d0" not in name and " " not in name


def test_vietnamese_order_and_normalisation(sample: tuple[list[str], np.ndarray]) -> None:
    full, is_female = sample
    family = set(names.FAMILY_NAMES)
    for name, female in zip(full[:5000], is_female[:5000], strict=True):
        words = name.split(" ")
        assert 3 <= len(words) <= 4
        assert words[0] in family
        assert words[-1] in (names.GIVEN_FEMALE if female else names.GIVEN_MALE)
        assert words[1] in (names.MIDDLE_FEMALE if female else names.MIDDLE_MALE)
    assert all(unicodedata.is_normalized("NFC", n) and "\u00d0" not in n for n in full)


def test_family_name_frequencies(sample: tuple[list[str], np.ndarray]) -> None:
    counts = Counter(n.split(" ")[0] for n in sample[0])
    share = {k: v / SAMPLE for k, v in counts.items()}
    assert share["Nguyễn"] == pytest.approx(0.38, abs=0.015)
    assert share["Trần"] == pytest.approx(0.11, abs=0.01)
    assert share["Lê"] == pytest.approx(0.095, abs=0.01)
    assert share["Phạm"] == pytest.approx(0.07, abs=0.01)
    assert share["Hoàng"] + share["Huỳnh"] == pytest.approx(0.05, abs=0.008)
    assert share["Vũ"] + share["Võ"] == pytest.approx(0.039, abs=0.008)
    assert share["Lý"] == pytest.approx(0.005, abs=0.003)
    assert len(counts) >= 45  # the long tail shows up


def test_sex_appropriate_middle_names(sample: tuple[list[str], np.ndarray]) -> None:
    full, is_female = sample
    middles = [n.split(" ")[1] for n in full]
    female_thi = np.mean([m == "Thị" for m, f in zip(middles, is_female, strict=True) if f])
    male_van = np.mean([m == "Văn" for m, f in zip(middles, is_female, strict=True) if not f])
    assert 0.35 < female_thi < 0.5
    assert 0.25 < male_van < 0.4
    assert not any(m == "Thị" for m, f in zip(middles, is_female, strict=True) if not f)
    given_f = {n.split(" ")[-1] for n, f in zip(full, is_female, strict=True) if f}
    given_m = {n.split(" ")[-1] for n, f in zip(full, is_female, strict=True) if not f}
    assert len(given_f) >= 200 and len(given_m) >= 200
    # Namesakes are common in Vietnam (Nguyễn Văn Hùng …) but must not dominate.
    assert len(set(full)) > 0.5 * SAMPLE


def test_strip_diacritics_and_nfc() -> None:
    assert names.strip_diacritics("Nguyễn Văn Đức") == "Nguyen Van Duc"
    assert names.strip_diacritics("Đặng Thị Thùy Dương") == "Dang Thi Thuy Duong"
    assert names.nfc("\u00d0ỗ") == "Đỗ"
    assert names.nfc(unicodedata.normalize("NFD", "Hạnh")) == "Hạnh"


def test_sampling_is_deterministic() -> None:
    sex = np.random.default_rng(0).random(1000) < 0.5
    a = names.sample_full_names(np.random.default_rng(9), sex)
    b = names.sample_full_names(np.random.default_rng(9), sex)
    assert a.equals(b)
