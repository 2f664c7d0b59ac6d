"""Real browser: the coverage map draws offline (no basemap) and is not blank."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kpis.refresh import refresh
from tests.browser.harness import ARGS, CHROMIUM, open_when_up, page_server
from tests.kpis.handbuilt import TODAY, build


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed")
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_map_is_drawn_offline(engine, tmp_path) -> None:
    from PIL import Image
    from playwright.sync_api import sync_playwright

    build(engine)
    refresh(engine, full=True, today=TODAY)
    external: list[str] = []
    with page_server(engine, tmp_path, "pages.kpi_map") as url, sync_playwright() as p:
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
        open_when_up(page, url)
        canvas = page.wait_for_selector("canvas", timeout=45000)
        page.wait_for_timeout(2500)
        shot = canvas.screenshot()
        browser.close()
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    image.save(tmp_path / "map.png")
    pixels = list(image.get_flattened_data())
    coloured = sum(1 for r, g, b in pixels if not (r > 240 and g > 240 and b > 240))
    assert coloured / len(pixels) > 0.01, "the map canvas is blank"  # filled ward polygons
    assert not external, external[:5]
