"""Offline coverage map: pydeck GeoJsonLayer, ``map_provider=None`` (no basemap, no external request)."""

from __future__ import annotations

import pydeck as pdk
import streamlit as st

from dashboard.i18n import format_number, format_percent, t
from services.kpis import MAP_HEIGHT_PX


def coverage_map(data: dict, *, key: str = "kpi_map_chart") -> None:
    features = data["geojson"]["features"]
    for feature in features:  # tooltip text in the current language and number format
        props = feature["properties"]
        props["value_text"] = (
            format_percent(props["value"]) if props["value"] is not None else t("kpi.map.no_data")
        )
        props["fraction_text"] = (
            f"{format_number(props['numerator'])} / {format_number(props['denominator'])}"
        )
        props["status_text"] = t(f"kpi.status.{props['status'] or 'none'}")
    layer = pdk.Layer(
        "GeoJsonLayer",
        data=data["geojson"],
        pickable=True,
        stroked=True,
        filled=True,
        get_fill_color="properties.colour",
        get_line_color=[255, 255, 255, 255],
        line_width_min_pixels=1,
    )
    lat, lon = data["centre"]
    deck = pdk.Deck(
        layers=[layer],
        initial_view_state=pdk.ViewState(latitude=lat, longitude=lon, zoom=data["zoom"]),
        map_provider=None,
        tooltip={"html": "<b>{name}</b> ({code})<br/>{value_text}<br/>{fraction_text}<br/>{status_text}"},
    )
    st.pydeck_chart(deck, height=MAP_HEIGHT_PX, key=key)
    legend = " ".join(
        f"<span style='display:inline-block;width:14px;height:14px;background:rgb{tuple(item['colour'])};"
        f"margin:0 4px 0 12px;vertical-align:middle'></span>{item['label']}"
        for item in data["legend"]
    )
    st.markdown(f"**{t('kpi.map.legend')}:** {legend}", unsafe_allow_html=True)
