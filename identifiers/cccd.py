"""Citizen ID (CCCD / số định danh cá nhân) rules.

Layout of the 12 digits: PPP C YY RRRRRR
  PPP    province where the birth was registered (Hà Nội = 001)
  C      century and sex: 1900s male 0 / female 1, 2000s 2/3, 2100s 4/5, 2200s 6/7, 2300s 8/9
  YY     last two digits of the birth year
  RRRRRR random serial; there is no check digit, so nothing else can be verified.

The scalar functions serve the seed generator and single-record screens; `cccd_problem_exprs`
gives the same verdicts as polars expressions for the vectorised cleaning scan.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import NamedTuple, TypeGuard

import polars as pl

HANOI_PROVINCE_CODE = "001"

# The 63 pre-2025 province prefixes. The 2025 merger left issued numbers unchanged, so these stay
# the only prefixes a genuine CCCD can carry.
PROVINCE_CODES: tuple[str, ...] = (
    "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020",
    "022", "024", "025", "026", "027", "030", "031", "033", "034", "035", "036", "037", "038",
    "040", "042", "044", "045", "046", "048", "049", "051", "052", "054", "056", "058", "060",
    "062", "064", "066", "067", "068", "070", "072", "074", "075", "077", "079", "080", "082",
    "083", "084", "086", "087", "089", "091", "092", "093", "094", "095", "096",
)  # fmt: skip
_PROVINCE_SET = frozenset(PROVINCE_CODES)

FIRST_CENTURY = 1900
LAST_YEAR = 2399
SEXES = ("M", "F")

# ASCII-only on purpose: str.isdigit() and regex \d also accept Arabic-Indic or full-width digits.
_TWELVE_DIGITS = re.compile(r"[0-9]{12}")
_TWELVE_DIGITS_ANCHORED = r"^[0-9]{12}$"


class CccdProblem(StrEnum):
    NOT_12_DIGITS = "NOT_12_DIGITS"
    UNKNOWN_PROVINCE = "UNKNOWN_PROVINCE"
    CENTURY_SEX_MISMATCH = "CENTURY_SEX_MISMATCH"
    BIRTH_YEAR_MISMATCH = "BIRTH_YEAR_MISMATCH"

    @property
    def label(self) -> str:
        return _PROBLEM_LABELS[self]


_PROBLEM_LABELS = {
    CccdProblem.NOT_12_DIGITS: "Số CCCD không gồm đúng 12 chữ số",
    CccdProblem.UNKNOWN_PROVINCE: "Mã tỉnh nơi đăng ký khai sinh (3 số đầu) không hợp lệ",
    CccdProblem.CENTURY_SEX_MISMATCH: "Mã thế kỷ và giới tính (số thứ 4) không khớp giới tính hoặc năm sinh",
    CccdProblem.BIRTH_YEAR_MISMATCH: "Hai số năm sinh (số thứ 5–6) không khớp ngày sinh",
}


class CccdInfo(NamedTuple):
    province: str
    sex: str
    birth_year: int


def century_sex_digit(year: int, sex: str) -> int:
    if not FIRST_CENTURY <= year <= LAST_YEAR:
        raise ValueError(f"CCCD encodes birth years {FIRST_CENTURY}–{LAST_YEAR} only, got {year}")
    _require_sex(sex)
    century_index = (year - FIRST_CENTURY) // 100
    return 2 * century_index + (1 if sex == "F" else 0)


def make_cccd(province: str, sex: str, birth_year: int, serial: int) -> str:
    if province not in _PROVINCE_SET:
        raise ValueError(f"unknown CCCD province code {province!r}")
    if not 0 <= serial <= 999_999:
        raise ValueError(f"serial must fit in 6 digits, got {serial}")
    digit = century_sex_digit(birth_year, sex)
    return f"{province}{digit}{birth_year % 100:02d}{serial:06d}"


def is_well_formed_cccd(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _TWELVE_DIGITS.fullmatch(value) is not None


def normalize_cccd(value: object) -> str | None:
    """Best-effort repair of common formatting damage; None when the value cannot be a CCCD.

    Spaces/dots/dashes come from hand typing ("001 090 123456"); numbers come from spreadsheets,
    which drop leading zeros — restorable because the length is fixed.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        text = str(value).zfill(12) if value >= 0 else ""
    elif isinstance(value, str):
        text = re.sub(r"[\s.\-]", "", value)
    else:
        return None
    return text if is_well_formed_cccd(text) else None


def decode_cccd(value: object) -> CccdInfo | None:
    """Province, sex and birth year encoded in a well-formed CCCD (the province may still be unknown)."""
    if not is_well_formed_cccd(value):
        return None
    digit = int(value[3])
    birth_year = FIRST_CENTURY + 100 * (digit // 2) + int(value[4:6])
    return CccdInfo(province=value[:3], sex=SEXES[digit % 2], birth_year=birth_year)


def check_cccd(value: object, sex: str | None = None, date_of_birth: date | None = None) -> list[CccdProblem]:
    """All problems of one CCCD, given what else the record says about the person.

    `sex` other than "M"/"F" (None, "undetermined", …) and a missing date of birth only skip the
    checks they would feed, they are not problems of the CCCD itself.
    """
    if not is_well_formed_cccd(value):
        return [CccdProblem.NOT_12_DIGITS]
    problems: list[CccdProblem] = []
    if value[:3] not in _PROVINCE_SET:
        problems.append(CccdProblem.UNKNOWN_PROVINCE)
    digit = int(value[3])
    if _sex_disagrees(digit, sex) or _century_disagrees(digit, date_of_birth):
        problems.append(CccdProblem.CENTURY_SEX_MISMATCH)
    if date_of_birth is not None and int(value[4:6]) != date_of_birth.year % 100:
        problems.append(CccdProblem.BIRTH_YEAR_MISMATCH)
    return problems


def _sex_disagrees(digit: int, sex: str | None) -> bool:
    if sex not in SEXES:
        return False
    return SEXES[digit % 2] != sex


def _century_disagrees(digit: int, date_of_birth: date | None) -> bool:
    if date_of_birth is None:
        return False
    # Floor division makes years outside 1900–2399 land on an index no digit can carry.
    return digit // 2 != (date_of_birth.year - FIRST_CENTURY) // 100


def _require_sex(sex: str) -> None:
    if sex not in SEXES:
        raise ValueError(f"sex must be 'M' or 'F', got {sex!r}")


def cccd_problem_exprs(
    col_cccd: str | pl.Expr,
    col_sex: str | pl.Expr | None = None,
    col_dob: str | pl.Expr | None = None,
) -> dict[CccdProblem, pl.Expr]:
    """One boolean expression per problem, never null, agreeing row by row with `check_cccd`.

    `col_sex` must hold "M"/"F" (map other encodings, e.g. XML GIOI_TINH 1/2, before passing it);
    `col_dob` must be a Date or Datetime column. Problem columns are aliased with the problem name.
    """
    cccd = _as_expr(col_cccd)
    well_formed = cccd.str.contains(_TWELVE_DIGITS_ANCHORED).fill_null(False)
    digit = cccd.str.slice(3, 1).cast(pl.Int32, strict=False)

    sex_bad = pl.lit(False)
    if col_sex is not None:
        sex = _as_expr(col_sex)
        sex_bad = ((sex == "M") & (digit % 2 == 1)) | ((sex == "F") & (digit % 2 == 0))

    century_bad = pl.lit(False)
    year_bad = pl.lit(False)
    if col_dob is not None:
        year = _as_expr(col_dob).dt.year().cast(pl.Int32)
        century_bad = (digit // 2) != ((year - FIRST_CENTURY) // 100)
        year_bad = cccd.str.slice(4, 2).cast(pl.Int32, strict=False) != (year % 100)

    def guarded(condition: pl.Expr, problem: CccdProblem) -> pl.Expr:
        # Only well-formed values get the detailed checks, exactly as in check_cccd.
        return (well_formed & condition.fill_null(False)).alias(problem.value)

    return {
        CccdProblem.NOT_12_DIGITS: (~well_formed).alias(CccdProblem.NOT_12_DIGITS.value),
        CccdProblem.UNKNOWN_PROVINCE: guarded(
            ~cccd.str.slice(0, 3).is_in(PROVINCE_CODES), CccdProblem.UNKNOWN_PROVINCE
        ),
        CccdProblem.CENTURY_SEX_MISMATCH: guarded(
            sex_bad.fill_null(False) | century_bad.fill_null(False), CccdProblem.CENTURY_SEX_MISMATCH
        ),
        CccdProblem.BIRTH_YEAR_MISMATCH: guarded(year_bad, CccdProblem.BIRTH_YEAR_MISMATCH),
    }


def _as_expr(column: str | pl.Expr) -> pl.Expr:
    return pl.col(column) if isinstance(column, str) else column
