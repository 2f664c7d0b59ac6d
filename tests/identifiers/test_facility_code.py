from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from identifiers import facility_code_invalid_expr, is_valid_facility_code


@pytest.mark.parametrize("code", ["01C51", "01001", "01ZZZ", "01T01"])
def test_valid_hanoi_codes(code: str) -> None:
    assert is_valid_facility_code(code)


@pytest.mark.parametrize(
    "code",
    [None, "", "01c51", "1C51", "01C511", " 01C51", "01C51\n", "0AC51", "01C-1", "01Đ51", "０１C51", 1001],
)
def test_invalid_codes(code: object) -> None:
    assert not is_valid_facility_code(code)
    assert not is_valid_facility_code(code, province=None)


def test_province_prefix() -> None:
    assert not is_valid_facility_code("79001")
    assert is_valid_facility_code("79001", province="79")
    assert is_valid_facility_code("79001", province=None)


@pytest.mark.parametrize("province", ["1", "001", "0A"])
def test_province_argument_must_be_two_digits(province: str) -> None:
    with pytest.raises(ValueError):
        is_valid_facility_code("01001", province=province)
    with pytest.raises(ValueError):
        facility_code_invalid_expr("code", province=province)


codes = st.one_of(
    st.none(),
    st.text(max_size=6),
    st.text(alphabet="0179ACZcz", min_size=4, max_size=6),
    st.from_regex(r"\A[0-9]{2}[0-9A-Z]{3}\Z"),
)


@settings(max_examples=50)
@given(st.lists(codes, min_size=1, max_size=40), st.sampled_from(["01", "79", None]))
def test_polars_expression_agrees_with_scalar(values: list[str | None], province: str | None) -> None:
    frame = pl.DataFrame({"code": values}, schema={"code": pl.String})
    invalid = frame.select(facility_code_invalid_expr("code", province)).to_series().to_list()
    assert invalid == [not is_valid_facility_code(v, province) for v in values]
