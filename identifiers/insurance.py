"""Social-insurance (BHXH) code and health-insurance (BHYT) card code rules.

A BHYT card code is either the full 15-character form
    GG L PP BBBBBBBBBB   beneficiary group, benefit level 1–5, province, 10-digit BHXH code
e.g. HS4010120878811, or — on cards issued since 04/2021 — the bare 10-digit BHXH code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeGuard

import polars as pl

from identifiers.cccd import PROVINCE_CODES

BHYT_GROUPS: tuple[str, ...] = (
    "DN", "HX", "CH", "NN", "TK", "HC", "XK", "CA", "HT", "TB", "NO", "CT", "XB", "TN", "CS",
    "XN", "MS", "HD", "TQ", "TA", "TY", "HG", "LS", "PV", "CC", "CK", "CB", "KC", "HS", "GD",
    "TE", "BT", "HN", "DT", "DK", "XD", "TS", "TC", "TD", "TU", "NC", "CN", "QN", "CY",
)  # fmt: skip
BENEFIT_LEVELS = (1, 2, 3, 4, 5)
# Cards carry the 2-digit GSO province code; CCCD prefixes are the same codes zero-padded.
BHYT_PROVINCE_CODES: tuple[str, ...] = tuple(code[1:] for code in PROVINCE_CODES)

BHXH_LENGTH = 10
FULL_CARD_LENGTH = 15

_BHXH_PATTERN = r"[0-9]{10}"
_BHXH = re.compile(_BHXH_PATTERN)
_FULL_CARD_PATTERN = f"(?:{'|'.join(BHYT_GROUPS)})[1-5](?:{'|'.join(BHYT_PROVINCE_CODES)}){_BHXH_PATTERN}"
_FULL_CARD = re.compile(_FULL_CARD_PATTERN)
_CARD_ANCHORED = f"^(?:{_FULL_CARD_PATTERN}|{_BHXH_PATTERN})$"


class BhytProblem(StrEnum):
    MALFORMED = "MALFORMED"
    BHXH_MISMATCH = "BHXH_MISMATCH"

    @property
    def label(self) -> str:
        return _PROBLEM_LABELS[self]


_PROBLEM_LABELS = {
    BhytProblem.MALFORMED: "Mã thẻ BHYT sai định dạng",
    BhytProblem.BHXH_MISMATCH: "Mã thẻ BHYT không khớp mã số BHXH của người dân",
}


@dataclass(frozen=True)
class BhytCard:
    """A parsed card; group/level/province are None for the bare post-04/2021 form."""

    bhxh: str
    group: str | None = None
    level: int | None = None
    province: str | None = None

    @property
    def is_bare(self) -> bool:
        return self.group is None

    def code(self) -> str:
        if self.is_bare:
            return self.bhxh
        return f"{self.group}{self.level}{self.province}{self.bhxh}"


def is_valid_bhxh(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _BHXH.fullmatch(value) is not None


def make_bhyt(group: str, level: int, province: str, bhxh: str) -> str:
    if group not in BHYT_GROUPS:
        raise ValueError(f"unknown BHYT beneficiary group {group!r}")
    if level not in BENEFIT_LEVELS:
        raise ValueError(f"benefit level must be 1–5, got {level!r}")
    if province not in BHYT_PROVINCE_CODES:
        raise ValueError(f"unknown province code {province!r}")
    if not is_valid_bhxh(bhxh):
        raise ValueError(f"BHXH code must be 10 digits, got {bhxh!r}")
    return f"{group}{level}{province}{bhxh}"


def parse_bhyt(value: object) -> BhytCard | None:
    if not isinstance(value, str):
        return None
    if is_valid_bhxh(value):
        return BhytCard(bhxh=value)
    if _FULL_CARD.fullmatch(value) is None:
        return None
    return BhytCard(bhxh=value[5:], group=value[:2], level=int(value[2]), province=value[3:5])


def check_bhyt(card: object, bhxh_code: str | None = None) -> list[BhytProblem]:
    """Problems of a card code; `bhxh_code` is the resident's own BHXH code, None to skip that check."""
    parsed = parse_bhyt(card)
    if parsed is None:
        return [BhytProblem.MALFORMED]
    if bhxh_code is not None and parsed.bhxh != bhxh_code:
        return [BhytProblem.BHXH_MISMATCH]
    return []


def bhxh_invalid_expr(col_bhxh: str | pl.Expr) -> pl.Expr:
    """True where the value is not a 10-digit BHXH code (nulls included)."""
    bhxh = _as_expr(col_bhxh)
    return ~bhxh.str.contains(f"^{_BHXH_PATTERN}$").fill_null(False)


def bhyt_problem_exprs(
    col_card: str | pl.Expr, col_bhxh: str | pl.Expr | None = None
) -> dict[BhytProblem, pl.Expr]:
    """Boolean, never-null expressions agreeing row by row with `check_bhyt` (null BHXH skips the match)."""
    card = _as_expr(col_card)
    well_formed = card.str.contains(_CARD_ANCHORED).fill_null(False)
    mismatch = pl.lit(False)
    if col_bhxh is not None:
        # Both forms end with the BHXH code, so the last 10 characters are the part to compare.
        mismatch = (card.str.slice(-BHXH_LENGTH) != _as_expr(col_bhxh)).fill_null(False)
    return {
        BhytProblem.MALFORMED: (~well_formed).alias(BhytProblem.MALFORMED.value),
        BhytProblem.BHXH_MISMATCH: (well_formed & mismatch).alias(BhytProblem.BHXH_MISMATCH.value),
    }


def _as_expr(column: str | pl.Expr) -> pl.Expr:
    return pl.col(column) if isinstance(column, str) else column
