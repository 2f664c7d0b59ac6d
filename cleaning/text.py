"""Normalising Vietnamese text for comparison: NFC, look-alike letters, diacritics folding."""

from __future__ import annotations

import re
import unicodedata

import polars as pl
from unidecode import unidecode

# Look-alikes seen in real data: Icelandic eth (U+00D0/U+00F0) typed for Vietnamese Đ/đ (U+0110/U+0111).
_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})
_SPACES = re.compile(r"\s+")


def normalise_name(value: str | None) -> str | None:
    """NFC, Đ look-alikes fixed, single spaces, title case kept as typed. None stays None."""
    if value is None:
        return None
    text = unicodedata.normalize("NFC", value).translate(_LOOKALIKES)
    text = _SPACES.sub(" ", text).strip()
    return text or None


def fold(value: str | None) -> str:
    """Lower-case ASCII form without diacritics ("Đặng Thị Ánh" → "dang thi anh")."""
    text = normalise_name(value)
    if not text:
        return ""
    return _SPACES.sub(" ", unidecode(text).lower()).strip()


def normalised_expr(column: str | pl.Expr) -> pl.Expr:
    """Vectorised `normalise_name` (NFC + look-alikes + spaces)."""
    expr = pl.col(column) if isinstance(column, str) else column
    return (
        expr.str.normalize("NFC")
        .str.replace_all("\u00d0", "\u0110", literal=True)
        .str.replace_all("\u00f0", "\u0111", literal=True)
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


def _fold_table() -> dict[str, str]:
    """Every accented Latin letter (Latin-1 … Latin Extended Additional, where all Vietnamese letters
    live) → its unidecode form, plus combining marks → nothing. Built once."""
    ranges = [(0x00C0, 0x024F), (0x1E00, 0x1EFF)]
    table = {chr(c): unidecode(chr(c)).lower() for lo, hi in ranges for c in range(lo, hi + 1)}
    table.update({chr(c): "" for c in range(0x0300, 0x0370)})
    return {k: v for k, v in table.items() if k != v}


_FOLD_TABLE = _fold_table()


def folded_expr(column: str | pl.Expr) -> pl.Expr:
    """Vectorised `fold` (same result for Vietnamese text): NFC, look-alikes, lower, per-letter table."""
    return (
        normalised_expr(column)
        .str.to_lowercase()
        .str.replace_many(list(_FOLD_TABLE), list(_FOLD_TABLE.values()))
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
        .fill_null("")
    )
