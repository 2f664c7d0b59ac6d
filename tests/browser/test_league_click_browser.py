"""Real browser: clicking a district's row in the overview's league table drills down into its wards."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpis.refresh import refresh
from tests.browser.harness import ARGS, CHROMIUM, open_when_up, page_server
from tests.kpis.handbuilt import TODAY, build


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed")
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_clicking_a_league_row_shows_that_districts_wards(engine, tmp_path) -> None:
    from playwright.sync_api import sync_playwright

    build(engine)
    refresh(engine, full=True, today=TODAY)
    with page_server(engine, tmp_path, "pages.kpi_overview") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        open_when_up(page, url)
        league = page.locator('[data-testid="stDataFrame"]').first
        league.wait_for(timeout=45000)
        league.scroll_into_view_if_needed()
        page.wait_for_timeout(1000)
        assert page.get_by_text("— Các phường/xã", exact=False).count() == 0  # nothing chosen yet
        box = league.bounding_box()
        assert box is not None
        # The row-marker column sits at the left; row 1 is below the ~35 px header.
        page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)
        drill = page.get_by_text("— Các phường/xã", exact=False)
        drill.first.wait_for(timeout=30000)
        page.locator('[data-testid="stDataFrame"]').nth(1).wait_for(timeout=30000)  # the wards table
        browser.close()
