"""Every table of the app: ``st.dataframe`` with the UI language's formats (no session state).

Streamlit shows a frame's raw values ("2039284", "2030-07-06 00:00:00", "None"). Here dates read
dd/mm/yyyy, whole numbers 8.412.345 (8,412,345 in English) whatever the browser's locale, and missing
values a dash. The cells keep their types, so a click on a header still sorts numbers and dates as
such (a frame of preformatted strings would sort "100" before "99").

Decimals use the browser's locale ("99,1" in a Vietnamese browser): Streamlit can set the grouping
mark of a printf format but not its decimal mark.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
import streamlit as st

from dashboard.i18n import number_marks

MISSING = "—"
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:mm"


def whole_number_format(lang: str | None = None) -> str:
    """printf for whole numbers with the UI language's grouping mark: ``%,d`` groups with printf's
    default ','; ``%'.,d`` names another mark ('.' gives 8.412.345)."""
    grouping = number_marks(lang)[1]
    return "%,d" if grouping == "," else f"%'{grouping},d"


def column_formats(
    frame: pl.DataFrame, lang: str | None = None, identifiers: Sequence[str] = ()
) -> dict[str, Any]:
    """Column configuration by dtype for ``frame``'s dates, datetimes and numbers; ``identifiers`` are
    whole-number columns shown without grouping (item 12345, not 12.345)."""
    whole = whole_number_format(lang)
    formats: dict[str, Any] = {}
    for name, dtype in frame.schema.items():
        if name in identifiers:
            formats[name] = st.column_config.NumberColumn(format="%d")
        elif dtype == pl.Date:
            formats[name] = st.column_config.DateColumn(format=DATE_FORMAT)
        elif dtype == pl.Datetime:
            formats[name] = st.column_config.DatetimeColumn(format=DATETIME_FORMAT)
        elif dtype.is_integer():
            formats[name] = st.column_config.NumberColumn(format=whole)
        elif dtype.is_float():
            formats[name] = st.column_config.NumberColumn(format="localized")
    return formats


def data_table(
    data: pl.DataFrame | list[dict],
    *,
    identifiers: Sequence[str] = (),
    column_config: Mapping[str, Any] | None = None,
    **kwargs: Any,
):
    """``st.dataframe(data, …)`` formatted for the UI language; ``column_config`` overrides a column's
    format. Returns what ``st.dataframe`` returns (the selection event with ``on_select``)."""
    # Rows given as dicts (a person's fields side by side) may mix types in a column: shown as they are.
    formats = column_formats(data, identifiers=identifiers) if isinstance(data, pl.DataFrame) else {}
    formats |= dict(column_config or {})
    return st.dataframe(data, column_config=formats, placeholder=MISSING, **kwargs)
