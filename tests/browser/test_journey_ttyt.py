"""Real browser (headless Debian Chromium): ttyt.001 signs in, opens every page it has, and no ward of
another district appears anywhere in any page's DOM (including the dataframes' accessible tables).

Pages after the first are opened by URL, i.e. in a fresh Streamlit session: that exercises the
re-login cookie and its server-side session check too.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from dashboard.navigation import pages_for
from data_access.engine import make_engine, transaction
from data_access.models import OrgUnit
from data_access.models.enums import OrgLevel, Role
from tests.browser.harness import ARGS as CHROMIUM_ARGS
from tests.browser.harness import CHROMIUM, free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Test-Demo-Pass-1"


def _seed_function():
    try:
        from seeds import seed_database
    except ImportError:  # the package facade may not re-export it yet
        from seeds.city import seed_database
    return seed_database


@pytest.fixture(scope="module")
def seeded_sqlite(tmp_path_factory) -> str:
    import datetime as dt

    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'hssk.db'}"
    engine = make_engine(url)
    _seed_function()(
        engine,
        scale=0.002,
        seed=7,
        demo_users=True,
        demo_password=PASSWORD,
        progress=False,
        today=dt.date(2026, 11, 25),
    )
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def server(seeded_sqlite, tmp_path_factory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=seeded_sqlite,
        HSSK_COOKIE_KEY="browser-test-cookie-key-" + "z" * 24,
        HSSK_SECRETS_DIR=str(tmp_path_factory.mktemp("secrets")),
    )
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "dashboard" / "app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]
    log = (tmp_path_factory.mktemp("log") / "streamlit.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/_stcore/health", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("streamlit did not start")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wards(url: str, district_code: str) -> tuple[list[str], list[str]]:
    engine = make_engine(url)
    with transaction(engine) as session:
        district_id = session.scalar(
            select(OrgUnit.id).where(OrgUnit.level == OrgLevel.DISTRICT, OrgUnit.code == district_code)
        )
        rows = session.execute(
            select(OrgUnit.name, OrgUnit.parent_id).where(OrgUnit.level == OrgLevel.WARD)
        ).all()
    engine.dispose()
    own = {name for name, parent in rows if parent == district_id}
    # Namesakes of an own ward are legitimate; the rest must never show.
    return sorted(own), sorted({name for name, parent in rows if parent != district_id} - own)


def _settle(page, timeout_s: float = 30) -> str:
    """Wait until the script run is over and the DOM stops changing (dataframes draw lazily); return it."""
    deadline = time.monotonic() + timeout_s
    last, stable_since = "", time.monotonic()
    while time.monotonic() < deadline:
        page.wait_for_timeout(250)
        html = page.content()
        running = page.locator('[data-testid="stStatusWidget"]').count() > 0
        if running or html != last:
            last, stable_since = html, time.monotonic()
        elif time.monotonic() - stable_since > 1.0:
            return html
    return last


def test_ttyt_001_sees_no_ward_of_another_district(server, seeded_sqlite):
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    own, foreign = _wards(seeded_sqlite, "001")
    assert len(foreign) > 400 and len(own) >= 10
    # Case-insensitive: facility names say "Trạm Y tế phường Phúc Xá" for the ward "Phường Phúc Xá".
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(name)}(?!\w)" for name in foreign), re.IGNORECASE)
    own_pattern = re.compile("|".join(rf"(?<!\w){re.escape(name)}(?!\w)" for name in own), re.IGNORECASE)
    own_seen = 0
    pages = [spec.url_path for spec in pages_for(Role.DISTRICT_MANAGER)]
    default = next(spec.url_path for spec in pages_for(Role.DISTRICT_MANAGER) if spec.default)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(locale="vi-VN")
        page.goto(server + "/")
        page.get_by_label("Tên đăng nhập").fill("ttyt.001")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.get_by_text("ttyt.001 · ").wait_for(timeout=20_000)
        assert any(c["name"] == "hssk_auth" for c in page.context.cookies())
        visited = {}
        for url_path in pages:
            page.goto(server + ("/" if url_path == default else f"/{url_path}"))
            page.get_by_text("ttyt.001 · ").wait_for(timeout=20_000)  # signed in again from the cookie
            html = _settle(page)
            assert page.locator('[data-testid="stException"]').count() == 0, url_path
            leak = pattern.search(html)
            assert leak is None, f"{url_path}: ward of another district shown: {leak.group(0)!r}"
            visited[url_path] = len(html)
            own_seen += bool(own_pattern.search(html))
        browser.close()
    assert set(visited) == set(pages)
    assert own_seen >= 1  # positive control: the check does see ward names that are rendered
    print(f"\nttyt.001 visited {len(visited)} pages in {time.monotonic() - started:.1f} s: {sorted(visited)}")
