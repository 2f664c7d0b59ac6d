"""AppTest of the cleaning pages with a principal in the session: scope and masking."""

from __future__ import annotations

import pytest
from cleaning_factory import DICH_VONG, PRINCIPALS, TODAY, add_resident, build_city
from streamlit.testing.v1 import AppTest

from cleaning.scan import run_scan


@pytest.fixture
def scanned(engine, monkeypatch):
    build_city(engine)
    add_resident(engine, cccd="00118501234", full_name="Lê Thị Bích Ngọc")
    add_resident(engine, ward=DICH_VONG, cccd="2")
    run_scan(engine, today=TODAY)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return engine


def _queue_page():
    from pages.cleaning_queue import render

    render()


def _health_page():
    from pages.cleaning_health import render

    render()


def run_as(function, username: str) -> AppTest:
    at = AppTest.from_function(function, default_timeout=60)
    at.session_state["principal"] = PRINCIPALS[username]
    return at.run()


def test_manager_sees_only_own_district(scanned):
    at = run_as(_queue_page, "ql_badinh")
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["Quận/huyện"]) == {"Quận Ba Đình"}
    other = run_as(_queue_page, "ql_caugiay")
    assert set(other.dataframe[0].value["Quận/huyện"]) == {"Quận Cầu Giấy"}


def test_item_view_is_masked_and_vietnamese(scanned):
    at = run_as(_queue_page, "ql_badinh")
    texts = " ".join(str(df.value.to_dict()) for df in at.dataframe)
    assert "Lê T. B. N." in texts and "Lê Thị Bích Ngọc" not in texts
    assert any("Cách sửa đề xuất" in m.value for m in at.markdown)


def test_station_without_assignments_sees_nothing(scanned):
    at = run_as(_queue_page, "tyt_phucxa")
    assert not at.exception
    assert any(i.value == "Không có mục nào." for i in at.info)


def test_health_page_renders_charts(scanned):
    at = run_as(_health_page, "admin")
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2
    assert set(at.dataframe[0].value["Quận/huyện"]) == {"Quận Ba Đình", "Quận Cầu Giấy"}


def test_item_history_names_the_action_and_who_did_it(scanned):
    at = run_as(_queue_page, "ql_badinh")
    assert any(c.value == "Chưa có thao tác nào." for c in at.caption)  # nothing done to the item yet
    item_id = at.selectbox(key="cleaning_item_pick").value
    at.text_area[0].input("Đã gọi điện cho trạm")  # inside the form: sent with its submit button
    at.button(key=f"FormSubmitter:cleaning_comment_{item_id}-Thêm bình luận").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Đã lưu."]  # and the history below already shows the comment
    history = at.dataframe[-1].value
    assert list(history.columns) == ["Thời điểm", "Thao tác", "Người thực hiện", "Ghi chú", "Trước", "Sau"]
    assert history.iloc[-1][["Thao tác", "Người thực hiện", "Ghi chú"]].tolist() == [
        "Bình luận",
        "ql_badinh",
        "Đã gọi điện cho trạm",
    ]
