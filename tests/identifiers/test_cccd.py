from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from identifiers import (
    PROVINCE_CODES,
    CccdProblem,
    cccd_problem_exprs,
    century_sex_digit,
    check_cccd,
    decode_cccd,
    make_cccd,
    normalize_cccd,
)

NOT_12 = [CccdProblem.NOT_12_DIGITS]


def test_province_list_is_the_63_legacy_prefixes_with_hanoi_first() -> None:
    assert len(PROVINCE_CODES) == len(set(PROVINCE_CODES)) == 63
    assert PROVINCE_CODES[0] == "001"
    assert all(len(code) == 3 and code.isdigit() for code in PROVINCE_CODES)


@pytest.mark.parametrize(
    ("year", "sex", "digit"),
    [
        (1900, "M", 0),
        (1999, "F", 1),
        (2000, "M", 2),
        (2024, "F", 3),
        (2100, "M", 4),
        (2150, "F", 5),
        (2200, "M", 6),
        (2299, "F", 7),
        (2300, "M", 8),
        (2399, "F", 9),
    ],
)
def test_century_sex_digit(year: int, sex: str, digit: int) -> None:
    assert century_sex_digit(year, sex) == digit


@pytest.mark.parametrize(("year", "sex"), [(1899, "M"), (2400, "F"), (1990, "X"), (1990, "m")])
def test_century_sex_digit_rejects_what_a_cccd_cannot_encode(year: int, sex: str) -> None:
    with pytest.raises(ValueError):
        century_sex_digit(year, sex)


def test_make_cccd_keeps_leading_zeros() -> None:
    assert make_cccd("001", "M", 1985, 42) == "001085000042"
    assert make_cccd("001", "F", 2007, 123456) == "001307123456"
    assert make_cccd("096", "M", 2101, 0) == "096401000000"


@pytest.mark.parametrize(("province", "serial"), [("000", 1), ("1", 1), ("001", -1), ("001", 1_000_000)])
def test_make_cccd_rejects_bad_parts(province: str, serial: int) -> None:
    with pytest.raises(ValueError):
        make_cccd(province, "M", 1990, serial)


@pytest.mark.parametrize(
    ("value", "sex", "dob"),
    [
        ("001090123456", "M", dt.date(1990, 3, 1)),  # Hà Nội, man born 1990
        ("001190123456", "F", dt.date(1990, 3, 1)),  # woman born 1990
        ("001205000001", "M", dt.date(2005, 1, 1)),  # 2000s male
        ("001305000001", "F", dt.date(2005, 1, 1)),  # 2000s female
        ("079401000001", "M", dt.date(2101, 1, 1)),  # 2100s male
        ("079501000001", "F", dt.datetime(2101, 1, 1, 8, 30)),  # datetime is a date too
        ("001000000000", None, None),  # born 1900, nothing else known
        ("001090123456", "3", None),  # sex undetermined (XML GIOI_TINH 3): not checked
    ],
)
def test_valid_cccd_has_no_problems(value: str, sex: str | None, dob: dt.date | None) -> None:
    assert check_cccd(value, sex=sex, date_of_birth=dob) == []


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "00109012345",  # 11 digits: a leading zero lost
        "0010901234567",
        " 001090123456",
        "001090123456 ",
        "001090123456\n",
        "001 090 123456",
        "00109012345A",
        "٠٠١٠٩٠١٢٣٤٥٦",  # Arabic-Indic digits pass str.isdigit() but are not a CCCD
        "００１０９０１２３４５６",  # full-width digits
        1090123456,  # a number: spreadsheets drop the leading zeros
        1.0,
    ],
)
def test_malformed_cccd(value: object) -> None:
    assert check_cccd(value, sex="M", date_of_birth=dt.date(1990, 1, 1)) == NOT_12
    assert decode_cccd(value) is None


def test_unknown_province() -> None:
    assert check_cccd("003090123456") == [CccdProblem.UNKNOWN_PROVINCE]
    assert check_cccd("097090123456") == [CccdProblem.UNKNOWN_PROVINCE]
    assert check_cccd("000090123456") == [CccdProblem.UNKNOWN_PROVINCE]


@pytest.mark.parametrize(
    ("value", "sex", "dob"),
    [
        ("001090123456", "F", None),  # digit 0 = male
        ("001190123456", "M", None),  # digit 1 = female
        ("001290123456", None, dt.date(1990, 1, 1)),  # 2000s digit for a 1990 birth
        ("001090123456", None, dt.date(2090, 1, 1)),  # 1900s digit for a 2090 birth
        ("001405123456", "M", dt.date(2005, 1, 1)),  # 2100s digit for a 2005 birth
        ("001090123456", None, dt.date(1890, 1, 1)),  # no digit encodes the 1800s
    ],
)
def test_century_or_sex_mismatch(value: str, sex: str | None, dob: dt.date | None) -> None:
    assert check_cccd(value, sex=sex, date_of_birth=dob) == [CccdProblem.CENTURY_SEX_MISMATCH]


def test_birth_year_mismatch() -> None:
    assert check_cccd("001090123456", "M", dt.date(1991, 1, 1)) == [CccdProblem.BIRTH_YEAR_MISMATCH]


def test_all_detail_problems_reported_together() -> None:
    assert check_cccd("003290123456", "F", dt.date(1985, 1, 1)) == [
        CccdProblem.UNKNOWN_PROVINCE,
        CccdProblem.CENTURY_SEX_MISMATCH,
        CccdProblem.BIRTH_YEAR_MISMATCH,
    ]


def test_problems_carry_vietnamese_labels() -> None:
    assert all(problem.label for problem in CccdProblem)
    assert "12 chữ số" in CccdProblem.NOT_12_DIGITS.label


def test_decode_cccd() -> None:
    assert decode_cccd("001090123456") == ("001", "M", 1990)
    assert decode_cccd("001307123456") == ("001", "F", 2007)
    assert decode_cccd("001999000000") == ("001", "F", 2399)
    decoded = decode_cccd("079401000001")
    assert decoded is not None and decoded.birth_year == 2101


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" 001090123456 ", "001090123456"),
        ("001 090 123456", "001090123456"),
        ("001.090.123456", "001090123456"),
        (1090123456, "001090123456"),
        ("abc", None),
        ("00109012345", None),
        (None, None),
        (True, None),
        (-1, None),
    ],
)
def test_normalize_cccd(raw: object, expected: str | None) -> None:
    assert normalize_cccd(raw) == expected


sexes = st.sampled_from(["M", "F"])
birth_years = st.integers(min_value=1900, max_value=2399)
serials = st.integers(min_value=0, max_value=999_999)


@given(st.sampled_from(PROVINCE_CODES), sexes, birth_years, serials, st.integers(1, 12), st.integers(1, 28))
def test_made_cccd_is_valid_and_decodes_back(
    province: str, sex: str, year: int, serial: int, month: int, day: int
) -> None:
    value = make_cccd(province, sex, year, serial)
    assert len(value) == 12
    assert check_cccd(value, sex=sex, date_of_birth=dt.date(year, month, day)) == []
    assert decode_cccd(value) == (province, sex, year)


# Random-ish inputs that exercise every branch: valid numbers, wrong province/sex/year, junk.
digit_strings = st.text(alphabet="0123456789", min_size=12, max_size=12)
junk = st.one_of(st.none(), st.text(max_size=14), st.text(alphabet="0123456789 ", min_size=10, max_size=13))
made = st.builds(make_cccd, st.sampled_from(PROVINCE_CODES), sexes, birth_years, serials)
cccd_values = st.one_of(made, digit_strings, junk)
sex_values = st.one_of(st.none(), sexes, st.just("3"))
dob_values = st.one_of(st.none(), st.dates(min_value=dt.date(1850, 1, 1), max_value=dt.date(2450, 12, 31)))


@settings(max_examples=50)
@given(st.lists(st.tuples(cccd_values, sex_values, dob_values), min_size=1, max_size=40))
def test_polars_expressions_agree_with_check_cccd(
    rows: list[tuple[str | None, str | None, dt.date | None]],
) -> None:
    frame = pl.DataFrame(rows, schema={"cccd": pl.String, "sex": pl.String, "dob": pl.Date}, orient="row")
    flags = frame.select(
        **{problem.value: expr for problem, expr in cccd_problem_exprs("cccd", "sex", "dob").items()}
    )
    for (value, sex, dob), flag_row in zip(rows, flags.iter_rows(named=True), strict=True):
        expected = set(check_cccd(value, sex=sex, date_of_birth=dob))
        assert {CccdProblem(name) for name, flagged in flag_row.items() if flagged} == expected, (
            value,
            sex,
            dob,
        )


def test_polars_expressions_never_null_and_work_without_sex_or_dob() -> None:
    frame = pl.DataFrame({"cccd": ["001190123456", None, "003090123456"]})
    flags = frame.select(**{p.value: e for p, e in cccd_problem_exprs("cccd").items()})
    assert flags.null_count().sum_horizontal().item() == 0
    assert flags.rows() == [
        (False, False, False, False),
        (True, False, False, False),
        (False, True, False, False),
    ]


def test_polars_expressions_accept_expressions_for_other_encodings() -> None:
    frame = pl.DataFrame({"SO_CCCD": ["001190123456"], "GIOI_TINH": [1], "NGAY_SINH": ["199001010000"]})
    exprs = cccd_problem_exprs(
        "SO_CCCD",
        pl.col("GIOI_TINH").replace_strict({1: "M", 2: "F"}, default=None, return_dtype=pl.String),
        pl.col("NGAY_SINH").str.to_date("%Y%m%d%H%M", strict=False),
    )
    assert frame.select(exprs[CccdProblem.CENTURY_SEX_MISMATCH]).item() is True
    assert frame.select(exprs[CccdProblem.BIRTH_YEAR_MISMATCH]).item() is False
