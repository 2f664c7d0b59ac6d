"""The operator CLI: clear one-line errors, exact status counts, same answers on both engines."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dashboard.cli import main
from dashboard.settings import REPO_ROOT


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120
    )


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["seed", "--scale", "abc"], 2, "--scale must be a number"),
        (["seed", "--scale", "-1"], 2, "--scale must be in"),
        (["--db", "nosuchdriver://x", "status"], 2, "invalid database URL"),
        (["--db", "postgresql://postgres@127.0.0.1:1/none", "status"], 3, "cannot reach the database"),
        (["frobnicate"], 2, "invalid arguments"),
    ],
)
def test_bad_input_gives_one_clear_line_and_nonzero_exit(args, code, message) -> None:
    result = run_cli(*args)
    assert result.returncode == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_status_refuses_a_database_without_schema(tmp_path, capsys) -> None:
    assert main(["--db", f"sqlite:///{tmp_path / 'empty.db'}", "status", "--json"]) == 2
    assert "init-db" in capsys.readouterr().err


def test_init_db_then_status_on_an_empty_database(db_url, capsys) -> None:
    assert main(["--db", db_url, "init-db"]) == 0
    assert main(["--db", db_url, "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert status["residents"] == 0 and status["accounts"] == 0


def test_status_json_has_the_exact_reference_counts(seeded_engine, capsys) -> None:
    url = seeded_engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["org_units"] == {"district": 30, "ward": 526, "commune_2025": 126}
    facilities = status["facilities"]
    assert (facilities["TTYT"], facilities["PKDK"], facilities["TYT"]) == (30, 54, 579)
    assert 35 <= facilities["hospital_public"] <= 50
    assert 100 <= facilities["private"] <= 600
    assert status["records"] <= status["residents"]
    # 3 city accounts + 30 district managers + 579 stations
    assert status["accounts"] == 3 + 30 + 579


def test_seed_refuses_a_database_with_data_unless_replace(seeded_engine) -> None:
    url = seeded_engine.url.render_as_string(hide_password=False)
    result = run_cli("--db", url, "seed", "--scale", "0.001", "--quiet")
    assert result.returncode == 2
    assert "--replace" in result.stderr
