"""The shared table: formats by column type and UI language, identifiers ungrouped, a dash for missing."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
from streamlit.testing.v1 import AppTest

from dashboard.components.data_table import column_formats

FRAME = pl.DataFrame(
    {
        "id": [12345],
        "residents": [8412345],
        "share": [97.3],
        "day": [dt.date(2026, 11, 25)],
        "at": [dt.datetime(2026, 11, 25, 8, 30)],
        "name": ["Phường Phúc Xá"],
    }
)


def _format(config: dict) -> tuple[str, str]:
    return config["type_config"]["type"], config["type_config"]["format"]


def test_formats_follow_the_column_type_and_language() -> None:
    vi = {name: _format(c) for name, c in column_formats(FRAME, "vi", identifiers=["id"]).items()}
    assert vi == {
        "id": ("number", "%d"),
        "residents": ("number", "%'.,d"),  # 8.412.345
        "share": ("number", "localized"),
        "day": ("date", "DD/MM/YYYY"),
        "at": ("datetime", "DD/MM/YYYY HH:mm"),
    }  # text is shown as it is
    en = column_formats(FRAME, "en")
    assert _format(en["residents"]) == ("number", "%,d") and _format(en["id"]) == ("number", "%,d")


def _page() -> None:
    import datetime as dt

    import polars as pl
    import streamlit as st

    from dashboard.components.data_table import data_table

    frame = pl.DataFrame({"n": [2039284, None], "projected": [dt.date(2030, 7, 6), None]})
    data_table(frame, column_config={"n": st.column_config.NumberColumn(format="%d")}, hide_index=True)
    data_table([{"field": "Ngày sinh", "left": "••/••/2007", "right": 2007}], hide_index=True)


def test_tables_render_with_a_dash_for_missing_values_and_caller_overrides() -> None:
    at = AppTest.from_function(_page).run()
    assert not at.exception
    first, rows = at.dataframe
    assert first.proto.placeholder == rows.proto.placeholder == "—"
    columns = json.loads(first.proto.columns)
    assert columns["n"]["type_config"]["format"] == "%d"  # the caller's choice wins
    assert columns["projected"]["type_config"]["format"] == "DD/MM/YYYY"
    assert rows.value.iloc[0].tolist() == ["Ngày sinh", "••/••/2007", 2007]  # mixed types shown as given
