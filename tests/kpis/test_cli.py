"""``kpis refresh`` / ``kpis show --json`` on the seeded city."""

from __future__ import annotations

import json

from dashboard.cli import main
from tests.conftest import TEST_TODAY


def _run(capsys, engine, *args) -> str:
    url = engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, *args]) == 0
    return capsys.readouterr().out


def test_show_city_level(kpi_seeded_engine, capsys) -> None:
    engine = kpi_seeded_engine
    rows = json.loads(_run(capsys, engine, "kpis", "show", "--json", "--as-of", TEST_TODAY.isoformat()))
    by_kpi = {r["kpi_id"]: r for r in rows}
    required = {
        "kpi_id",
        "level",
        "code",
        "numerator",
        "denominator",
        "value",
        "target",
        "deadline",
        "status",
        "projected_date",
    }
    assert all(required <= set(r) for r in rows)
    assert [
        by_kpi[k]["denominator"] for k in ("P1_ACCOUNTS_TTYT", "P1_ACCOUNTS_PKDK", "P1_ACCOUNTS_TYT")
    ] == [30, 54, 579]
    assert by_kpi["P1_STAFF_TRAINED"]["denominator"] == 663
    status = json.loads(_run(capsys, engine, "status", "--json"))
    # status counts "today"; the seeded city's today is TEST_TODAY
    show_today = json.loads(
        _run(
            capsys,
            engine,
            "kpis",
            "show",
            "--json",
            "--kpi",
            "P1_RECORDS_CREATED",
            "--as-of",
            status["as_of"],
        )
    )
    assert show_today[0]["denominator"] == status["residents"]
    districts = json.loads(
        _run(
            capsys, engine, "kpis", "show", "--json", "--level", "district", "--as-of", TEST_TODAY.isoformat()
        )
    )
    assert len({r["code"] for r in districts}) == 30
    for kpi_id, city_row in by_kpi.items():
        parts = [r for r in districts if r["kpi_id"] == kpi_id]
        assert sum(r["numerator"] for r in parts) == city_row["numerator"], kpi_id
        assert sum(r["denominator"] for r in parts) == city_row["denominator"], kpi_id
    for row in rows:
        assert row["status"] in {"met", "on_track", "at_risk", "overdue", None}


def test_show_one_unit_and_errors(kpi_seeded_engine, capsys) -> None:
    engine = kpi_seeded_engine
    rows = json.loads(_run(capsys, engine, "kpis", "show", "--json", "--level", "district", "--code", "001"))
    assert rows and {r["code"] for r in rows} == {"001"}
    url = engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "kpis", "show", "--level", "ward", "--code", "zzz"]) == 2
    assert main(["--db", url, "kpis", "show", "--as-of", "31/12/2023"]) == 2


def test_incremental_refresh_command(kpi_seeded_engine, capsys) -> None:
    out = json.loads(
        _run(capsys, kpi_seeded_engine, "kpis", "refresh", "--json", "--today", TEST_TODAY.isoformat())
    )
    assert out["full"] is False
    assert out["sources"]["population"]["mode"] == "changes"  # the trigger log, not a rescan
    assert out["sources"]["submission"]["since"] is not None
