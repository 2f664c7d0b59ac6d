"""Masking of personal data: the default everywhere a person is shown.

Pure functions (no database, no Streamlit) so services, exports and tests share one definition.
Revealing the clear values is a separate, audited action (``data_access.people.reveal_resident``).
"""

from __future__ import annotations

import datetime as dt

STAR = "*"


def mask_middle(value: str | None, keep_start: int, keep_end: int) -> str | None:
    """Keep ``keep_start`` leading and ``keep_end`` trailing characters, star the rest.

    Too-short values are starred entirely: a 5-character value with 4+2 kept would reveal it all.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return text
    if len(text) <= keep_start + keep_end:
        return STAR * len(text)
    return text[:keep_start] + STAR * (len(text) - keep_start - keep_end) + text[len(text) - keep_end :]


def mask_cccd(value: str | None) -> str | None:
    """``001203012345`` → ``0012******45`` (first 4, last 2, as in the rollout plan's example)."""
    return mask_middle(value, 4, 2)


def mask_insurance(value: str | None) -> str | None:
    """BHXH code / BHYT card: ``GD4010123456789`` → ``GD*********6789``-style, keep 2 + 4."""
    return mask_middle(value, 2, 4)


def mask_phone(value: str | None) -> str | None:
    return mask_middle(value, 3, 2)


def mask_name(full_name: str | None) -> str | None:
    """``Trần Thị Hạnh`` → ``T. T. Hạnh``: the given name stays, so staff can still talk about a
    queue item, but the full name (which with a ward identifies a person) does not show."""
    if full_name is None:
        return None
    parts = full_name.split()
    if len(parts) <= 1:
        return full_name[:1] + STAR * max(len(full_name) - 1, 0)
    return " ".join([f"{p[0]}." for p in parts[:-1]] + [parts[-1]])


def mask_date_of_birth(value: dt.date | None) -> str | None:
    """Only the year: ``**/**/1987``."""
    return None if value is None else f"**/**/{value.year:04d}"


def mask_address(value: str | None) -> str | None:
    """Drop the house number / street part; keep the administrative tail after the first comma."""
    if value is None:
        return None
    _head, _, tail = value.partition(",")
    return f"***,{tail}" if tail else STAR * 3
