"""Overview for the leadership (and inspectors within their districts): headline, phases, league table."""

from __future__ import annotations

import polars as pl
import streamlit as st
from sqlalchemy import Engine

from dashboard import kpi_cache
from dashboard.components import charts
from dashboard.components.filter_bar import Filters, filter_bar
from dashboard.components.kpi_card import kpi_card
from dashboard.components.kpi_table import breakdown_table, league_table
from dashboard.context import current_principal, get_engine
from dashboard.i18n import format_date, format_number, format_percent, t
from kpis.catalogue import by_id


def render() -> None:
    principal = current_principal()
    engine = get_engine()
    st.title(t("kpi.overview.title"))
    if principal.scope.is_empty:
        st.warning(t("kpi.scope_empty"))
        return
    filters = filter_bar(engine, principal, wards=False)
    data = kpi_cache.overview(engine, filters.scope, filters.as_of)
    st.caption(t("kpi.overview.as_of", day=format_date(filters.as_of)))
    if data["kpis"].is_empty():
        st.info(t("kpi.no_facts"))
        return
    columns = st.columns(len(data["headline"]))
    for column, item in zip(columns, data["headline"], strict=True):
        text = format_percent(item["value"]) if item["kind"] == "percent" else format_number(item["value"])
        column.metric(t(f"kpi.headline.{item['key']}"), text)

    st.subheader(t("kpi.timeline.title"))
    charts.phase_timeline(data["phases"], filters.as_of, key="kpi_overview_timeline")

    kpis = by_id(kpi_cache.catalogue(engine))
    rows = {r["kpi_id"]: r for r in data["kpis"].iter_rows(named=True)}
    for phase in (1, 2, 3):
        st.subheader(t("kpi.phase_kpis", n=phase))
        phase_kpis = [k for k in kpis.values() if k.phase == phase]
        for start in range(0, len(phase_kpis), 4):
            columns = st.columns(4)
            for column, kpi in zip(columns, phase_kpis[start : start + 4], strict=False):
                kpi_card(kpi, rows.get(kpi.id), container=column)

    st.subheader(t("kpi.league.title"))
    st.caption(t("kpi.league.drill_hint"))
    chosen = league_table(
        data["league"],
        tuple(kpis.values()),
        key="kpi_overview_league",
        title=t("kpi.league.title"),
        file_stem=f"xep_hang_quan_huyen_{filters.as_of:%Y%m%d}",
        clickable=True,
    )
    if chosen is not None:
        district_drill_down(engine, filters, chosen, data["league"])


def district_drill_down(engine: Engine, filters: Filters, district_id: int, league: pl.DataFrame) -> None:
    """The wards of the district whose league-table row was clicked."""
    name = next((r["name"] for r in league.iter_rows(named=True) if r["unit_id"] == district_id), "")
    wards = kpi_cache.units_table(engine, filters.scope, filters.as_of, "ward", district_id)
    st.markdown(f"**{name} — {t('kpi.wards.title')}**")
    breakdown_table(
        wards.select("kpi_id", "code", "name", "numerator", "denominator", "value", "status", "days_late"),
        key="kpi_overview_wards",
        title=t("kpi.wards.title"),
        file_stem=f"phuong_xa_{filters.as_of:%Y%m%d}",
    )
