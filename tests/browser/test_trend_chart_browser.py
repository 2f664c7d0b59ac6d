"""Real browser: a phase page's trend chart draws its line (the series travel as typed arrays)."""

from __future__ import annotations

from tests.browser.harness import BROWSER_TEST, chromium_page

pytestmark = BROWSER_TEST


def test_phase_trend_lines_are_drawn(hand_city, tmp_path) -> None:
    with chromium_page(hand_city, tmp_path, "pages.kpi_phase", function="render_phase2") as page:
        page.locator(".js-plotly-plot").first.wait_for(timeout=45000)
        page.wait_for_timeout(1500)
        lines = page.locator(".js-plotly-plot .scatterlayer path.js-line")
        assert lines.count() >= 2  # the KPI's trend and its target line
        trend_path = lines.first.get_attribute("d") or ""
        assert trend_path.count("L") > 20, trend_path[:200]  # a daily series, not an empty trace
