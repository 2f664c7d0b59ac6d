"""Real browser: the coverage map draws offline (no basemap) and is not blank."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kpis.refresh import refresh
from tests.kpis.handbuilt import TODAY, build

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

ENTRY = """
import sys
sys.path.insert(0, {repo!r})
import streamlit as st
from data_access.scope import CITY_SCOPE, Principal
from data_access.models.enums import Role
st.set_page_config(layout="wide")
st.session_state["principal"] = Principal(1, "lanhdao", Role.LEADERSHIP, CITY_SCOPE)
from pages.kpi_map import render
render()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed")
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_map_is_drawn_offline(engine, tmp_path) -> None:
    from PIL import Image
    from playwright.sync_api import sync_playwright

    build(engine)
    refresh(engine, full=True, today=TODAY)
    entry = tmp_path / "map_entry.py"
    entry.write_text(ENTRY.format(repo=str(REPO)), encoding="utf-8")
    port = _free_port()
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
    external: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.on(
                "request",
                lambda r: (
                    external.append(r.url)
                    if "127.0.0.1" not in r.url and not r.url.startswith(("data:", "blob:"))
                    else None
                ),
            )
            deadline = time.time() + 30
            while True:
                try:
                    page.goto(f"http://127.0.0.1:{port}/", timeout=5000)
                    break
                except Exception:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.5)
            canvas = page.wait_for_selector("canvas", timeout=45000)
            page.wait_for_timeout(2500)
            shot = canvas.screenshot()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    image.save(tmp_path / "map.png")
    pixels = list(image.get_flattened_data())
    coloured = sum(1 for r, g, b in pixels if not (r > 240 and g > 240 and b > 240))
    assert coloured / len(pixels) > 0.01, "the map canvas is blank"  # filled ward polygons
    assert not external, external[:5]
