"""A Streamlit server on a free port running one page as the given principal, and Chromium pointed at it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Module marks of a browser test on the hand-built city (SQLite).
BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed"),
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True),
]

ENTRY = """
import sys
sys.path.insert(0, {repo!r})
import streamlit as st
from data_access.scope import CITY_SCOPE, Principal
from data_access.models.enums import Role
st.set_page_config(layout="wide")
st.session_state["principal"] = Principal(1, "lanhdao", Role.LEADERSHIP, CITY_SCOPE)
from {module} import {function}
{function}()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def page_server(engine, tmp_path: Path, module: str, function: str = "render") -> Iterator[str]:
    """Serve ``module``'s ``function()`` to the city leadership; yields the page's URL."""
    entry = tmp_path / f"{module.replace('.', '_')}_entry.py"
    entry.write_text(ENTRY.format(repo=str(REPO), module=module, function=function), encoding="utf-8")
    port = free_port()
    env = os.environ | {"DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(entry),
            "--server.headless=true",
            f"--server.port={port}",
            "--server.address=127.0.0.1",
            "--browser.gatherUsageStats=false",
            "--client.toolbarMode=viewer",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextmanager
def chromium_page(engine, tmp_path: Path, module: str, on_request=None, function: str = "render") -> Iterator:
    """Headless Chromium on ``module``'s page, loaded; ``on_request`` sees every request it makes."""
    from playwright.sync_api import sync_playwright

    with page_server(engine, tmp_path, module, function) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            if on_request is not None:
                page.on("request", on_request)
            open_when_up(page, url)
            yield page
        finally:
            browser.close()


def open_when_up(page, url: str, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while True:
        try:
            page.goto(url, timeout=5000)
            return
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.5)
