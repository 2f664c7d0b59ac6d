"""District managers: their district's KPIs, wards and facilities."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import kpi_cache
from dashboard.components import charts
from dashboard.components.filter_bar import Filters, filter_bar
from dashboard.components.kpi_table import breakdown_table, kpi_status_table, league_table
from dashboard.context import current_principal, get_engine
from dashboard.i18n import current_language, format_date, t


def render() -> None:
    principal = current_principal()
    engine = get_engine()
    st.title(t("kpi.district.title"))
    if principal.scope.is_empty:
        st.warning(t("kpi.scope_empty"))
        return
    filters = filter_bar(engine, principal)
    data = kpi_cache.district_view(engine, filters.scope, filters.as_of)
    st.caption(t("kpi.overview.as_of", day=format_date(filters.as_of)))
    if data["kpis"].is_empty():
        st.info(t("kpi.no_facts"))
        return
    catalogue = kpi_cache.catalogue(engine)
    stem = f"{filters.as_of:%Y%m%d}"
    kpi_status_table(
        data["kpis"],
        catalogue,
        key="kpi_district_total",
        title=t("kpi.district.title"),
        file_stem=f"chi_tieu_{stem}",
    )
    _trend(engine, filters, data["kpis"], catalogue)
    st.subheader(t("kpi.wards.title"))
    league_table(
        data["wards"],
        catalogue,
        key="kpi_district_wards",
        title=t("kpi.wards.title"),
        file_stem=f"phuong_xa_{stem}",
    )
    st.subheader(t("kpi.facilities.title"))
    breakdown_table(
        data["facilities"],
        key="kpi_district_facilities",
        title=t("kpi.facilities.title"),
        file_stem=f"co_so_{stem}",
    )


def _trend(engine, filters: Filters, kpis: pl.DataFrame, catalogue) -> None:
    """One KPI's trend with its target line; the first KPI not yet met is shown first."""
    lang = current_language()
    names = {k.id: k.name(lang) for k in catalogue}
    options = [k.id for k in catalogue if k.id in set(kpis["kpi_id"])]
    not_met = kpis.filter(pl.col("status") != "met")["kpi_id"].to_list()
    first = next((k for k in options if k in not_met), options[0])
    st.subheader(t("kpi.trend"))
    kpi_id = st.selectbox(
        t("kpi.district.trend_kpi"),
        options,
        index=options.index(first),
        format_func=names.get,
        key="kpi_district_trend_kpi",
    )
    row = kpis.filter(pl.col("kpi_id") == kpi_id).row(0, named=True)
    on_day = (row["numerator"], row["denominator"])
    view = kpi_cache.kpi_trend(engine, filters.scope, kpi_id, filters.as_of, on_day)
    charts.kpi_trend(view["trend"], view["kpi"].target, view["kpi"].deadline, key="kpi_district_trend")
