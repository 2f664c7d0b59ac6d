"""Queue health per district: oldest open item, opened/resolved per week, burn-down."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboard.components import charts
from dashboard.components.data_table import data_table
from dashboard.context import current_principal, get_engine
from dashboard.i18n import t
from services import cleaning as svc


def render() -> None:
    principal = current_principal()
    health = svc.queue_health(get_engine(), principal)
    st.title(t("cleaning.health.title"))
    st.subheader(t("cleaning.health.oldest"))
    oldest = health["oldest"]
    if oldest.height == 0:
        st.info(t("cleaning.empty"))
    else:
        headers = {c: t(f"cleaning.health.col.{c}") for c in oldest.columns}
        data_table(oldest.rename(headers), hide_index=True, width="stretch")
    weekly = health["weekly"]
    weeks = [w.strftime("%d/%m/%Y") for w in weekly["week"].to_list()]
    st.subheader(t("cleaning.health.weekly"))
    bars = go.Figure(
        [
            go.Bar(name=t("cleaning.health.opened"), x=weeks, y=weekly["opened"].to_list()),
            go.Bar(name=t("cleaning.health.resolved"), x=weeks, y=weekly["resolved"].to_list()),
        ]
    )
    bars.update_layout(
        barmode="group", xaxis_title=t("cleaning.health.week"), separators=charts.number_separators()
    )
    st.plotly_chart(bars, width="stretch")
    st.subheader(t("cleaning.health.burndown"))
    burndown = go.Figure(
        go.Scatter(x=weeks, y=weekly["open"].to_list(), mode="lines+markers", name=t("cleaning.health.open"))
    )
    burndown.update_layout(xaxis_title=t("cleaning.health.week"), separators=charts.number_separators())
    st.plotly_chart(burndown, width="stretch")
