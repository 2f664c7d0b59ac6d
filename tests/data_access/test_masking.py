from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from data_access.masking import (
    mask_address,
    mask_cccd,
    mask_date_of_birth,
    mask_insurance,
    mask_middle,
    mask_name,
)


def test_cccd_as_in_the_plan():
    assert mask_cccd("001089012389") == "0010******89"
    assert mask_cccd("001203012345") == "0012******45"


@pytest.mark.parametrize("value", ["", None])
def test_empty_values(value):
    assert mask_cccd(value) == value


def test_short_values_are_fully_starred():
    assert mask_cccd("12345") == "*****"
    assert mask_cccd("123456") == "******"


@given(st.text(alphabet="0123456789", min_size=7, max_size=20))
def test_mask_keeps_length_and_hides_middle(value):
    masked = mask_middle(value, 4, 2)
    assert len(masked) == len(value)
    assert masked[:4] == value[:4] and masked[-2:] == value[-2:]
    assert set(masked[4:-2]) == {"*"}


def test_other_fields():
    assert mask_name("Trần Thị Hạnh") == "T. T. Hạnh"
    assert mask_name("Hạnh") == "H***"
    assert mask_date_of_birth(dt.date(1987, 5, 4)) == "**/**/1987"
    assert mask_insurance("GD4010123456789") == "GD*********6789"
    assert mask_address("12 Ngõ 5, Phường Phúc Xá, Quận Ba Đình") == "***, Phường Phúc Xá, Quận Ba Đình"
    assert mask_address("12 Ngõ 5") == "***"
