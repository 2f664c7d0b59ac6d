"""Plotly charts of the KPI pages: phase timeline, KPI trend with its target line (no session state)."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard.i18n import number_marks, t

PHASE_COLOURS = {1: "#4C78A8", 2: "#F58518", 3: "#54A24B"}


def number_separators() -> str:
    """Plotly's ``separators``: the UI language's decimal mark, then its grouping mark."""
    return "".join(number_marks())


def phase_timeline(phases: list[dict], as_of: dt.date, *, key: str) -> None:
    figure = go.Figure()
    horizon = max(as_of, dt.date(2025, 12, 31))
    for item in phases:
        end = item["deadline"] or horizon
        label = t("kpi.timeline.phase", n=item["phase"])
        due = item["deadline"].strftime("%d/%m/%Y") if item["deadline"] else t("kpi.timeline.ongoing")
        figure.add_trace(
            go.Bar(
                x=[(end - item["start"]).days * 86_400_000],
                base=[item["start"].isoformat()],
                y=[label],
                orientation="h",
                marker_color=PHASE_COLOURS[item["phase"]],
                text=[f"{label} · {due}"],
                textposition="inside",
                hovertext=[f"{item['start']:%d/%m/%Y} → {due}"],
                showlegend=False,
            )
        )
    figure.add_vline(x=as_of.isoformat(), line_dash="dash", line_color="black")
    figure.update_layout(
        height=180,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"type": "date"},
        yaxis={"autorange": "reversed"},
    )
    st.plotly_chart(figure, key=key)


def kpi_trend(trend: pl.DataFrame, target: float, deadline: dt.date, *, key: str) -> None:
    figure = go.Figure()
    if trend.height:
        figure.add_trace(
            go.Scatter(
                # Arrays, not lists: plotly deep-copies a list point by point (540 days x 7 charts).
                x=trend["day"].to_numpy(),
                y=(trend["value"] * 100).to_numpy(),
                mode="lines",
                name=t("kpi.trend.value"),
            )
        )
        figure.add_trace(
            go.Scatter(
                x=[trend["day"][0], trend["day"][-1]],
                y=[target * 100, target * 100],
                mode="lines",
                line={"dash": "dash", "color": "red"},
                name=t("kpi.trend.target"),
            )
        )
        if trend["day"][0] <= deadline <= trend["day"][-1]:
            figure.add_vline(x=deadline.isoformat(), line_dash="dot", line_color="grey")
    figure.update_layout(
        height=260,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        separators=number_separators(),
        yaxis={"ticksuffix": " %"},
        xaxis={"tickformat": "%d/%m/%Y"},
        # Above the plot: below it, a horizontal legend covers the first dates of the axis.
        legend={"orientation": "h", "x": 0, "y": 1.02, "xanchor": "left", "yanchor": "bottom"},
    )
    st.plotly_chart(figure, key=key)
