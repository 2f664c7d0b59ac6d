"""CLI, services (export, health, rules editing), layering, and the station's view after assignment."""

from __future__ import annotations

import io
import json
import pathlib
import re

import openpyxl
import pytest
from cleaning_factory import DICH_VONG, PRINCIPALS, TODAY, TYT_PHUC_XA, add_resident, build_city
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from cleaning import queue
from cleaning.scan import run_scan
from dashboard.cli import main
from dashboard.components.export import excel_bytes
from dashboard.i18n import catalog
from data_access.cleaning import QueueFilter, raised_and_resolved
from data_access.engine import session_factory
from data_access.models import AuditLog, CleaningItem, CleaningRule
from services import cleaning as svc

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def city(engine, monkeypatch):
    build_city(engine)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return engine


def test_no_streamlit_below_the_pages():
    pattern = re.compile(r"^\s*(import|from)\s+(streamlit|pages|dashboard)\b", re.MULTILINE)
    files = [
        *(ROOT / "cleaning").rglob("*.py"),
        ROOT / "services" / "cleaning.py",
        ROOT / "data_access" / "cleaning.py",
    ]
    for path in files:
        assert not pattern.search(path.read_text(encoding="utf-8")), path


def test_strings_load_and_have_both_languages():
    strings = {k: v for k, v in catalog().items() if k.startswith(("cleaning.", "nav.cleaning"))}
    assert len(strings) > 50
    assert all(vi and en for vi, en in strings.values())


def test_cli_scan_and_stats_json(city, capsys):
    add_resident(city, cccd="1")
    add_resident(city, ward=DICH_VONG, cccd="2")
    url = city.url.render_as_string(hide_password=False)
    assert main(["--db", url, "cleaning", "scan", "--today", TODAY.isoformat(), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["opened"] == 2 and summary["by_rule"]["cccd_format"] == 2
    assert main(["--db", url, "cleaning", "scan", "--district", "001", "--quiet"]) == 0
    assert "0 opened" in capsys.readouterr().out
    assert main(["--db", url, "cleaning", "stats", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {(r["district_code"], r["rule_id"], r["open"], r["resolved"], r["dismissed"]) for r in rows} == {
        ("001", "cccd_format", 1, 0, 0),
        ("005", "cccd_format", 1, 0, 0),
    }
    assert main(["--db", url, "cleaning", "scan", "--district", "999"]) == 2


def test_export_is_neutralised_and_audited(city):
    add_resident(city, cccd="1", full_name="=HYPERLINK(1)")
    run_scan(city, today=TODAY)
    frame = svc.export_queue(city, PRINCIPALS["ql_badinh"], QueueFilter())
    assert frame.height == 1 and "version" not in frame.columns
    sheet = openpyxl.load_workbook(io.BytesIO(excel_bytes(frame, "Làm sạch"))).active
    assert [c.value for c in sheet[1]][:2] == ["id", "rule"]
    with session_factory(city)() as session:
        assert session.scalar(select(AuditLog.action).where(AuditLog.action == "export")) == "export"


def test_queue_health_and_kpi_counts(city):
    add_resident(city, cccd="1")
    add_resident(city, cccd="2")
    run_scan(city, today=TODAY)
    first, second = sorted(session_items(city), key=lambda i: i.id)
    queue.dismiss(city, PRINCIPALS["ql_badinh"], first.id, first.version, "Đã kiểm tra")
    queue.fix(
        city,
        PRINCIPALS["ql_badinh"],
        second.id,
        second.version,
        {"cccd": valid_cccd(city, second)},
        today=TODAY,
    )
    health = svc.queue_health(city, PRINCIPALS["ql_badinh"])
    weekly = health["weekly"]
    assert weekly["opened"].sum() == 2 and weekly["resolved"].sum() == 1 and weekly["open"][-1] == 0
    assert health["oldest"].height == 0
    with session_factory(city)() as session:
        counts = raised_and_resolved(session, None)
    assert list(counts.values()) == [{"raised": 1, "resolved": 1}]  # the dismissed item is not "raised"


def session_items(engine):
    with session_factory(engine)() as session:
        return list(session.scalars(select(CleaningItem)))


def valid_cccd(engine, item):
    from cleaning_factory import good_cccd

    from data_access.models import Resident

    with session_factory(engine)() as session:
        resident = session.get(Resident, item.resident_id)
        return good_cccd(resident.sex, resident.date_of_birth)


def test_only_the_city_administrator_edits_rules(city):
    run_scan(city, today=TODAY)  # loads the rules file
    assert (
        svc.update_rule(city, PRINCIPALS["ql_badinh"], "cccd_format", {"severity": 3})
        == "cleaning.error.not_allowed"
    )
    assert (
        svc.update_rule(city, PRINCIPALS["admin"], "cccd_format", {"severity": 3, "enabled": False}) is None
    )
    with session_factory(city)() as session:
        rule = session.get(CleaningRule, "cccd_format")
        assert (rule.severity, rule.enabled, rule.updated_by_id) == (3, False, PRINCIPALS["admin"].account_id)
    add_resident(city, cccd="1")
    assert "cccd_format" not in run_scan(city, today=TODAY).by_rule  # a disabled rule raises nothing


def _queue_page():
    from pages.cleaning_queue import render

    render()


def _rules_page():
    from pages.cleaning_rules import render

    render()


def test_station_sees_items_assigned_to_it(city):
    add_resident(city, cccd="1")
    add_resident(city, cccd="2")
    run_scan(city, today=TODAY)
    item = sorted(session_items(city), key=lambda i: i.id)[0]
    queue.assign(city, PRINCIPALS["ql_badinh"], [(item.id, item.version)], TYT_PHUC_XA)
    at = AppTest.from_function(_queue_page, default_timeout=60)
    at.session_state["principal"] = PRINCIPALS["tyt_phucxa"]
    at.run()
    assert not at.exception
    assert at.dataframe[0].value["Mã"].tolist() == [item.id]


def test_rules_page_for_the_administrator(city):
    run_scan(city, today=TODAY)
    at = AppTest.from_function(_rules_page, default_timeout=60)
    at.session_state["principal"] = PRINCIPALS["admin"]
    at.run()
    assert not at.exception
    assert len(at.expander) == 15


def test_history_masks_personal_values_until_revealed(city):
    add_resident(city, cccd="00118501234")
    run_scan(city, today=TODAY)
    item = session_items(city)[0]
    good = valid_cccd(city, item)
    queue.fix(city, PRINCIPALS["ql_badinh"], item.id, item.version, {"cccd": good}, today=TODAY)
    masked = svc.item_view(city, PRINCIPALS["ql_badinh"], item.id)
    fixed = next(e for e in masked.events if e["action"] == "fixed")
    assert good not in fixed["after"] and good[-3:] in fixed["after"]
    assert good not in str(masked.people)
    revealed = svc.item_view(city, PRINCIPALS["ql_badinh"], item.id, reveal=True)
    assert good in next(e for e in revealed.events if e["action"] == "fixed")["after"]
    assert revealed.people[0]["cccd"] == good
