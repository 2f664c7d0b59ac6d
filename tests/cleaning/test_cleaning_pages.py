"""AppTest of the cleaning pages with a principal in the session: scope and masking."""

from __future__ import annotations

import pytest
from cleaning_factory import DICH_VONG, PRINCIPALS, TODAY, add_resident, build_city
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from cleaning.scan import run_scan
from data_access.models import CleaningRule


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


def _rules_page():
    from pages.cleaning_rules import render

    render()


def test_rule_parameters_are_checked_before_anything_is_saved(scanned):
    at = run_as(_rules_page, "admin")

    def submit(text: str) -> AppTest:
        form = "cleaning_rule_duplicate"
        next(a for a in at.text_area if a.form_id == form and a.label == "Tham số (JSON)").input(text)
        return next(b for b in at.button if b.form_id == form).click().run()

    submit('{"threshold": }')
    assert [e.value for e in at.error] == ["Tham số không phải JSON hợp lệ (dòng 1, cột 15): Expecting value"]
    submit('{"threshold": "cao"}')
    assert [e.value for e in at.error] == [
        "Tham số “threshold” phải là một số (dấu chấm thập phân, ví dụ 0.85)."
    ]
    submit('{"distance": 2}')
    assert [e.value for e in at.error] == [
        "Quy tắc này không có tham số “distance” (các tham số: neighbour_km, threshold)."
    ]
    submit("[0.9]")
    assert at.error[0].value.startswith("Tham số phải là một đối tượng JSON")
    with scanned.connect() as connection:
        unchanged = connection.execute(
            select(CleaningRule.params).where(CleaningRule.id == "duplicate")
        ).scalar()
    assert unchanged == {"threshold": 0.85, "neighbour_km": 2.5}
    submit('{"threshold": 0.9, "neighbour_km": 3}')  # a whole number is a number too
    assert not at.error and [s.value for s in at.success] == ["Đã lưu."]
    assert _params(scanned, "duplicate") == {"threshold": 0.9, "neighbour_km": 3}


def _params(engine, rule_id: str) -> dict:
    with engine.connect() as connection:
        return connection.execute(select(CleaningRule.params).where(CleaningRule.id == rule_id)).scalar()
