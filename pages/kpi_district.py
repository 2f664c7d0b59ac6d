"""District managers: their district's KPIs, wards and facilities."""

from __future__ import annotations

import streamlit as st

from dashboard import kpi_cache
from dashboard.components.filter_bar import filter_bar
from dashboard.components.kpi_table import breakdown_table, kpi_status_table, league_table
from dashboard.context import current_principal, get_engine
from dashboard.i18n import format_date, t


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
