"""AppTest: every KPI page renders for every role that has it, with numbers inside the viewer's scope."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from dashboard.navigation import PAGES, pages_for
from data_access.models import OrgUnit
from data_access.models.enums import Role
from data_access.scope import CITY_SCOPE, Principal, Scope
from kpis.refresh import refresh
from tests.kpis.handbuilt import TODAY, build

KPI_PAGES = {spec.url_path: spec for spec in PAGES if spec.target.startswith("pages.kpi_")}
EXPECTED = {
    Role.LEADERSHIP: {"overview", "phase-1", "phase-2", "phase-3", "coverage-map"},
    Role.CITY_ADMIN: {"overview", "phase-1", "phase-2", "phase-3", "coverage-map", "kpi-settings"},
    Role.DISTRICT_MANAGER: {"district", "coverage-map"},
    Role.INSPECTOR: {"overview"},
    Role.FACILITY_USER: set(),
}


def _script(target: str) -> None:
    import importlib

    module_name, function_name = target.split(":")
    getattr(importlib.import_module(module_name), function_name)()


@pytest.fixture
def hand_city(engine, monkeypatch):
    ids = build(engine)
    refresh(engine, full=True, today=TODAY)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return engine, ids


def _principal(role: Role, ids: dict) -> Principal:
    if role in (Role.DISTRICT_MANAGER, Role.INSPECTOR):
        return Principal(7, f"{role.value}.x", role, Scope(district_ids=frozenset({ids["districts"][0]})))
    return Principal(1, role.value, role, CITY_SCOPE)


def render(target: str, principal: Principal) -> AppTest:
    at = AppTest.from_function(_script, args=(target,), default_timeout=60)
    at.session_state["principal"] = principal
    return at.run()


def test_role_page_registry() -> None:
    for role, expected in EXPECTED.items():
        assert {p.url_path for p in pages_for(role)} & set(KPI_PAGES) == expected


@pytest.mark.parametrize("role", [r for r in EXPECTED if EXPECTED[r]], ids=str)
def test_every_page_renders_for_each_role(hand_city, role) -> None:
    _, ids = hand_city
    principal = _principal(role, ids)
    for url_path in sorted(EXPECTED[role]):
        started = time.perf_counter()
        at = render(KPI_PAGES[url_path].target, principal)
        assert not at.exception, (url_path, at.exception)
        assert time.perf_counter() - started < 30
        assert at.title, url_path
        if url_path in ("overview", "phase-1", "district"):
            assert at.dataframe, url_path


def test_overview_numbers_and_scope(hand_city) -> None:
    _, ids = hand_city
    at = render(KPI_PAGES["overview"].target, _principal(Role.LEADERSHIP, ids))
    labels = [m.label for m in at.metric]
    assert "Dân số" in labels  # Vietnamese by default
    residents_city = next(m.value for m in at.metric if m.label == "Dân số")
    league = at.dataframe[0].value
    assert len(league) == 2  # both districts
    inspector = render(KPI_PAGES["overview"].target, _principal(Role.INSPECTOR, ids))
    residents_mine = next(m.value for m in inspector.metric if m.label == "Dân số")
    assert int(residents_mine.replace(".", "")) < int(residents_city.replace(".", ""))
    assert len(inspector.dataframe[0].value) == 1  # only the assigned district
    # sort by a KPI, then click a district's row: its wards appear
    at.selectbox(key="kpi_overview_league_sort").select("P1_RECORDS_CREATED").run()
    tables_before = len(at.dataframe)
    first_row_name = at.dataframe[0].value.iloc[1]["Tên"]
    at.session_state["kpi_overview_league_table"] = {"selection": {"rows": [1], "columns": []}}
    at.run()
    assert not at.exception
    assert len(at.dataframe) == tables_before + 1
    assert any(first_row_name in m.value for m in at.markdown)
    wards = at.dataframe[-1].value
    assert len(wards) > 0


def test_phase_page_has_trend_with_target_line(hand_city) -> None:
    _, ids = hand_city
    at = render(KPI_PAGES["phase-2"].target, _principal(Role.LEADERSHIP, ids))
    charts = at.get("plotly_chart")
    assert charts
    assert '"dash":"dash"' in charts[0].proto.spec.replace(" ", "")
    assert '"separators":",."' in charts[0].proto.spec.replace(" ", "")  # 99,5 % on the axis


def test_district_view_has_a_trend_of_the_chosen_kpi(hand_city) -> None:
    _, ids = hand_city
    at = render(KPI_PAGES["district"].target, _principal(Role.DISTRICT_MANAGER, ids))
    assert not at.exception
    choice = at.selectbox(key="kpi_district_trend_kpi")
    totals = at.dataframe[0].value.set_index("Chỉ tiêu")
    assert totals.loc[choice.format_func(choice.value), "Trạng thái"] != "🟢 Đạt"  # a KPI not yet met first
    first = at.get("plotly_chart")[0].proto.spec
    assert '"dash":"dash"' in first.replace(" ", "")  # the target line
    choice.select("P1_RECORDS_CREATED").run()
    assert not at.exception and at.get("plotly_chart")[0].proto.spec != first


def test_kpi_tables_and_cards_read_in_the_ui_language(hand_city) -> None:
    """Breakdown tables: counts grouped 8.412.345, dates dd/mm/yyyy, KPI values with one decimal,
    a dash for a missing value; cards: a coloured status badge (no emoji font needed)."""
    import json

    _, ids = hand_city
    at = render(KPI_PAGES["phase-2"].target, _principal(Role.LEADERSHIP, ids))
    columns = json.loads(at.dataframe[0].proto.columns)
    assert columns["Tử số"]["type_config"]["format"] == "%'.,d"
    assert columns["Dự kiến đạt"]["type_config"] == {"type": "date", "format": "DD/MM/YYYY"}
    assert columns["Tỷ lệ (%)"]["type_config"]["format"] == "localized"
    assert at.dataframe[0].proto.placeholder == "—"
    badges = [m.value for m in at.markdown if "-badge[:material/" in m.value]
    assert badges and all(b.startswith((":green", ":blue", ":orange", ":red", ":gray")) for b in badges)
    english = render(KPI_PAGES["overview"].target, _principal(Role.LEADERSHIP, ids))
    english.session_state["ui_language"] = "en"
    english.run()
    league = json.loads(english.dataframe[0].proto.columns)
    formats = {c["type_config"].get("format") for c in league.values() if "type_config" in c}
    assert formats >= {"%,d", "localized"}


def test_map_draws_offline_at_every_level(hand_city) -> None:
    _, ids = hand_city
    at = render(KPI_PAGES["coverage-map"].target, _principal(Role.LEADERSHIP, ids))
    for level in ("ward", "district", "commune_2025"):
        at.selectbox(key="kpi_map_level").select(level).run()
        assert not at.exception
        spec = at.get("deck_gl_json_chart")[0].proto.json
        assert "GeoJsonLayer" in spec and "mapbox" not in spec.lower() and "carto" not in spec.lower()
    at.selectbox(key="kpi_map_kpi").select("P2_VNEID_SHARED").run()
    assert not at.exception
    # a district manager's map shows their own district only
    manager = render(KPI_PAGES["coverage-map"].target, _principal(Role.DISTRICT_MANAGER, ids))
    manager.selectbox(key="kpi_map_level").select("district").run()
    assert manager.get("deck_gl_json_chart")[0].proto.json.count('"Feature"') == 1


def test_settings_change_is_audited(hand_city) -> None:
    engine, ids = hand_city
    from data_access.models import AuditLog, KpiDefinition

    with engine.connect() as connection:
        admin_id = connection.execute(select(OrgUnit.id).limit(1)).scalar()  # any id; no FK on actor needed
    principal = Principal(None, "quantri", Role.CITY_ADMIN, CITY_SCOPE)
    at = render(KPI_PAGES["kpi-settings"].target, principal)
    assert not at.exception
    at.selectbox(key="kpi_settings_kpi").select("P2_VNEID_SHARED").run()
    at.number_input(key="kpi_settings_target_P2_VNEID_SHARED").set_value(90.0)
    at.date_input(key="kpi_settings_deadline_P2_VNEID_SHARED").set_value(dt.date(2025, 6, 30))
    at.button[0].click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Đã lưu P2_VNEID_SHARED."]
    table = at.dataframe[0].value.set_index("Chỉ tiêu")  # redrawn with the change
    assert table.loc["P2_VNEID_SHARED", "Chỉ tiêu (%)"] == pytest.approx(90)
    with engine.connect() as connection:
        row = connection.execute(select(KpiDefinition).where(KpiDefinition.id == "P2_VNEID_SHARED")).one()
        audit = connection.execute(select(AuditLog).where(AuditLog.target_id == "P2_VNEID_SHARED")).all()
    assert row.target == pytest.approx(0.9) and row.deadline == dt.date(2025, 6, 30)
    assert len(audit) == 1 and audit[0].details["after"]["target"] == pytest.approx(0.9)
    assert admin_id is not None
    denied = render(KPI_PAGES["kpi-settings"].target, _principal(Role.LEADERSHIP, ids))
    assert denied.error


@pytest.mark.parametrize(
    ("lat_span", "lon_span", "fills"),
    [(0.90, 0.80, "height"), (0.20, 0.90, "width"), (0.02, 0.02, None)],
)
def test_map_zoom_fits_the_units_to_the_frame(lat_span, lon_span, fills) -> None:
    import math

    from services.kpis import DECK_WORLD_PX, MAP_HEIGHT_PX, MAP_MIN_WIDTH_PX, zoom_to_fit

    zoom = zoom_to_fit(lat_span, lon_span, 21.0)
    scale = DECK_WORLD_PX * 2**zoom / 360  # px per degree of longitude
    height = lat_span * scale / math.cos(math.radians(21.0))
    width = lon_span * scale
    assert height <= MAP_HEIGHT_PX * 0.86 and width <= MAP_MIN_WIDTH_PX * 0.91  # all of it shows
    if fills == "height":
        assert height == pytest.approx(MAP_HEIGHT_PX * 0.85)
    elif fills == "width":
        assert width == pytest.approx(MAP_MIN_WIDTH_PX * 0.9)
    else:
        assert zoom == 14.0  # one ward: not zoomed in past street level
