"""KPI tables: the sortable league table and plain breakdowns, each with an Excel download.

Owns the session keys it is given (``key`` prefix): ``<key>_sort``, ``<key>_table`` (the row the user
clicked), ``<key>_download``.
"""

from __future__ import annotations

from functools import partial

import polars as pl
import streamlit as st

from dashboard.components.data_table import data_table
from dashboard.components.export import XLSX_MIME, excel_bytes
from dashboard.components.kpi_card import status_label
from dashboard.i18n import current_language, t
from kpis.catalogue import Kpi

# KPI values are percentages with one decimal, shown as such (100,0 next to 99,4).
PERCENT_COLUMN = st.column_config.NumberColumn(format="localized", step=0.1)
SORT_EXTRA = ("kpis_overdue", "max_days_overdue", "max_days_late", "kpis_not_met")


def league_table(
    frame: pl.DataFrame,
    kpis: tuple[Kpi, ...],
    *,
    key: str,
    title: str,
    file_stem: str,
    clickable: bool = False,
) -> int | None:
    """Units × KPI values; sortable by any KPI or by delay. Native column clicks sort too.

    With ``clickable`` a row can be selected; returns the ``unit_id`` of the clicked row (else None).
    """
    lang = current_language()
    kpi_columns = [k for k in kpis if k.id in frame.columns]
    options = [*SORT_EXTRA, *(k.id for k in kpi_columns)]
    names = {k.id: k.name(lang) for k in kpi_columns} | {c: t(f"kpi.col.{c}") for c in SORT_EXTRA}
    sort_by = st.selectbox(t("kpi.league.sort"), options, format_func=names.get, key=f"{key}_sort")
    if frame.height and sort_by in frame.columns:
        descending = sort_by in SORT_EXTRA
        frame = frame.sort(sort_by, descending=descending, nulls_last=True)
    shown = frame.drop("unit_id", strict=False).rename(
        {c: names.get(c, t(f"kpi.col.{c}")) for c in frame.columns if c != "unit_id"}
    )
    event = data_table(
        shown,
        column_config={names[k.id]: PERCENT_COLUMN for k in kpi_columns},
        hide_index=True,
        on_select="rerun" if clickable else "ignore",
        selection_mode="single-row",
        key=f"{key}_table",
    )
    st.download_button(
        t("common.export_excel"),
        data=partial(excel_bytes, shown, title),  # built on click, not on every rerun
        file_name=f"{file_stem}.xlsx",
        mime=XLSX_MIME,
        key=f"{key}_download",
    )
    return selected_unit(frame, event.selection.rows) if clickable else None


def selected_unit(frame: pl.DataFrame, rows: list[int]) -> int | None:
    """The unit of the clicked row. Row numbers are positions in the frame as sent (before any sort
    the user makes by clicking a header), so they index ``frame`` exactly."""
    if not rows or "unit_id" not in frame.columns or rows[0] >= frame.height:
        return None
    return frame["unit_id"][rows[0]]


def breakdown_table(frame: pl.DataFrame, *, key: str, title: str, file_stem: str) -> None:
    """A KPI breakdown (code, name, numerator, denominator, value, status, …) with translated headers."""
    if "value" in frame.columns:
        frame = frame.with_columns((pl.col("value") * 100).round(1))
    if "status" in frame.columns:
        labels = {s: status_label(s) for s in frame["status"].drop_nulls().unique().to_list()}
        frame = frame.with_columns(
            pl.col("status").replace_strict(labels, default=None, return_dtype=pl.String)
        )
    if "kpi_id" in frame.columns:
        frame = frame.rename({"kpi_id": "kpi"})
    shown = frame.rename({c: t(f"kpi.col.{c}") for c in frame.columns})
    data_table(shown, column_config={t("kpi.col.value"): PERCENT_COLUMN}, hide_index=True)
    st.download_button(
        t("common.export_excel"),
        data=partial(excel_bytes, shown, title),  # built on click, not on every rerun
        file_name=f"{file_stem}.xlsx",
        mime=XLSX_MIME,
        key=f"{key}_download",
    )


def kpi_status_table(
    table: pl.DataFrame, kpis: tuple[Kpi, ...], *, key: str, title: str, file_stem: str
) -> None:
    """One row per KPI for one unit/scope total."""
    lang = current_language()
    names = {k.id: k.name(lang) for k in kpis}
    frame = table.select(
        pl.col("kpi_id").replace_strict(names, default=pl.col("kpi_id")).alias("kpi"),
        "phase",
        "numerator",
        "denominator",
        "value",
        (pl.col("target") * 100).alias("target"),
        "deadline",
        "status",
        "projected_date",
        "days_late",
        "days_overdue",
        (pl.col("rate_needed") * 100).round(3).alias("rate_needed"),
    )
    breakdown_table(frame, key=key, title=title, file_stem=file_stem)
