"""Identifier rules of the domain (CCCD, BHXH, BHYT, MA_CSKCB), shared by seeding and data cleaning."""

from identifiers.cccd import (
    HANOI_PROVINCE_CODE,
    PROVINCE_CODES,
    CccdInfo,
    CccdProblem,
    cccd_problem_exprs,
    century_sex_digit,
    check_cccd,
    decode_cccd,
    is_well_formed_cccd,
    make_cccd,
    normalize_cccd,
)
from identifiers.facility_code import facility_code_invalid_expr, is_valid_facility_code
from identifiers.insurance import (
    BHYT_GROUPS,
    BHYT_PROVINCE_CODES,
    BhytCard,
    BhytProblem,
    bhxh_invalid_expr,
    bhyt_problem_exprs,
    check_bhyt,
    is_valid_bhxh,
    make_bhyt,
    parse_bhyt,
)

__all__ = [
    "BHYT_GROUPS",
    "BHYT_PROVINCE_CODES",
    "HANOI_PROVINCE_CODE",
    "PROVINCE_CODES",
    "BhytCard",
    "BhytProblem",
    "CccdInfo",
    "CccdProblem",
    "bhxh_invalid_expr",
    "bhyt_problem_exprs",
    "cccd_problem_exprs",
    "century_sex_digit",
    "check_bhyt",
    "check_cccd",
    "decode_cccd",
    "facility_code_invalid_expr",
    "is_valid_bhxh",
    "is_valid_facility_code",
    "is_well_formed_cccd",
    "make_bhyt",
    "make_cccd",
    "normalize_cccd",
    "parse_bhyt",
]
