"""Real browser: clicking a district's row in the overview's league table drills down into its wards."""

from __future__ import annotations

from tests.browser.harness import BROWSER_TEST, chromium_page

pytestmark = BROWSER_TEST


def test_clicking_a_league_row_shows_that_districts_wards(hand_city, tmp_path) -> None:
    with chromium_page(hand_city, tmp_path, "pages.kpi_overview") as page:
        league = page.locator('[data-testid="stDataFrame"]').first
        league.wait_for(timeout=45000)
        league.scroll_into_view_if_needed()
        page.wait_for_timeout(1000)
        assert page.get_by_text("— Các phường/xã", exact=False).count() == 0  # nothing chosen yet
        box = league.bounding_box()
        assert box is not None
        # The row-marker column sits at the left; row 1 is below the ~35 px header.
        page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)
        page.get_by_text("— Các phường/xã", exact=False).first.wait_for(timeout=30000)
        page.locator('[data-testid="stDataFrame"]').nth(1).wait_for(timeout=30000)  # the wards table
