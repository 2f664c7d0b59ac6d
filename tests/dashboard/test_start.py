"""README's first command: on the embedded default, `start` creates + seeds a demo database,
prints the demo logins and serves the app."""

from __future__ import annotations

import json
import os
import selectors
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from dashboard.settings import REPO_ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_until(process: subprocess.Popen, marker: str, timeout: float) -> str:
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    output = ""
    deadline = time.monotonic() + timeout
    while marker not in output:
        if time.monotonic() > deadline or process.poll() is not None:
            raise AssertionError(f"{marker!r} not printed; output so far:\n{output}")
        if selector.select(timeout=1):
            line = process.stdout.readline()
            output += line
    return output


@pytest.mark.slow
def test_first_start_seeds_a_demo_database_and_serves(tmp_path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {
        "HSSK_VAR_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "start", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = read_until(process, f"http://127.0.0.1:{port}", timeout=240)
        assert "First start" in output
        assert "lanhdao" in output and "ttyt.001" in output and "HsskDemo@2026" in output
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as response:
                    assert response.read().decode() == "ok"
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
    finally:
        process.terminate()
        process.wait(timeout=30)

    status = subprocess.run(
        [sys.executable, "-m", "dashboard", "status", "--json"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(status.stdout)
    assert 80_000 <= figures["residents"] <= 90_000
    assert figures["facilities"]["TYT"] == 579


def test_start_computes_kpi_facts_once_when_a_database_has_none(engine, capsys) -> None:
    """An upgraded or restored database with residents but no KPI facts gets them at start, once."""
    from dashboard.commands.app import _compute_missing_kpi_facts
    from data_access.kpi_facts import current_totals_day
    from tests.kpis.handbuilt import build

    build(engine)
    with engine.connect() as connection:
        assert current_totals_day(connection) is None
    _compute_missing_kpi_facts(engine)
    assert "No KPI facts yet" in capsys.readouterr().out
    with engine.connect() as connection:
        assert current_totals_day(connection) is not None
    _compute_missing_kpi_facts(engine)
    assert capsys.readouterr().out == ""
