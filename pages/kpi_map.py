"""Coverage map: any KPI at ward, district or 2025-commune level, drawn without any basemap tiles."""

from __future__ import annotations

import os

import streamlit as st

from dashboard import kpi_cache
from dashboard.components.coverage_map import coverage_map
from dashboard.components.filter_bar import filter_bar
from dashboard.components.kpi_table import breakdown_table
from dashboard.context import current_principal, get_engine
from dashboard.i18n import current_language, t

LEVELS = ("ward", "district", "commune_2025")
KEY_KPI = "kpi_map_kpi"
KEY_LEVEL = "kpi_map_level"

# The map's purpose is record coverage; facility KPIs are sparse at ward level.
DEFAULT_MAP_KPI = "P1_RECORDS_CREATED"


def render() -> None:
    principal = current_principal()
    engine = get_engine()
    st.title(t("kpi.map.title"))
    if principal.scope.is_empty:
        st.warning(t("kpi.scope_empty"))
        return
    filters = filter_bar(engine, principal, wards=False)
    catalogue = kpi_cache.catalogue(engine)
    lang = current_language()
    names = {k.id: k.name(lang) for k in catalogue}
    left, right = st.columns(2)
    ids = list(names)
    kpi_id = left.selectbox(
        t("kpi.map.kpi"),
        ids,
        index=ids.index(DEFAULT_MAP_KPI) if DEFAULT_MAP_KPI in ids else 0,
        format_func=names.get,
        key=KEY_KPI,
    )
    level = right.selectbox(
        t("kpi.map.level"), LEVELS, format_func=lambda v: t(f"kpi.map.level.{v}"), key=KEY_LEVEL
    )
    data = kpi_cache.map_data(engine, filters.scope, kpi_id, level, filters.as_of)
    if not data["geojson"]["features"]:
        st.info(t("kpi.no_facts"))
        return
    coverage_map(data)
    if not os.environ.get("HSSK_WARD_BOUNDARIES"):
        st.caption(t("kpi.map.approx"))
    breakdown_table(
        data["table"],
        key="kpi_map_table",
        title=names[kpi_id],
        file_stem=f"ban_do_{kpi_id}_{filters.as_of:%Y%m%d}",
    )
