"""Phase 1, 2 and 3 pages: per KPI the value, target, trend with target line and breakdowns."""

from __future__ import annotations

import streamlit as st

from dashboard import kpi_cache
from dashboard.components import charts
from dashboard.components.filter_bar import filter_bar
from dashboard.components.kpi_card import kpi_card
from dashboard.components.kpi_table import breakdown_table
from dashboard.context import current_principal, get_engine
from dashboard.i18n import current_language, t


def _render(phase: int) -> None:
    principal = current_principal()
    engine = get_engine()
    st.title(t("kpi.phase.title", n=phase, name=t(f"kpi.phase.name{phase}")))
    if principal.scope.is_empty:
        st.warning(t("kpi.scope_empty"))
        return
    filters = filter_bar(engine, principal)
    data = kpi_cache.phase_view(engine, filters.scope, phase, filters.as_of)
    if all(item["total"] is None for item in data["items"]):
        st.info(t("kpi.no_facts"))
        return
    lang = current_language()
    stem = f"{filters.as_of:%Y%m%d}"
    for item in data["items"]:
        kpi = item["kpi"]
        st.divider()
        left, right = st.columns([1, 3])
        kpi_card(kpi, item["total"], container=left)
        with right:
            st.markdown(f"**{t('kpi.trend')} — {kpi.name(lang)}**")
            charts.kpi_trend(item["trend"], kpi.target, kpi.deadline, key=f"kpi_trend_{kpi.id}")
        tab_district, tab_ward, tab_type = st.tabs(
            [t("kpi.breakdown.district"), t("kpi.breakdown.ward"), t("kpi.breakdown.facility_type")]
        )
        with tab_district:
            breakdown_table(
                item["by_district"], key=f"kpi_{kpi.id}_d", title=kpi.id, file_stem=f"{kpi.id}_qh_{stem}"
            )
        with tab_ward:
            breakdown_table(
                item["by_ward"], key=f"kpi_{kpi.id}_w", title=kpi.id, file_stem=f"{kpi.id}_px_{stem}"
            )
        with tab_type:
            if kpi.facility_based:
                breakdown_table(
                    item["by_facility_type"],
                    key=f"kpi_{kpi.id}_t",
                    title=kpi.id,
                    file_stem=f"{kpi.id}_loai_{stem}",
                )
            else:
                st.caption(t("kpi.breakdown.not_facility"))


def render_phase1() -> None:
    _render(1)


def render_phase2() -> None:
    _render(2)


def render_phase3() -> None:
    _render(3)
