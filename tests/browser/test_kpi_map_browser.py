"""Real browser: the coverage map draws offline (no basemap) and is not blank."""

from __future__ import annotations

import io

from tests.browser.harness import BROWSER_TEST, chromium_page

pytestmark = BROWSER_TEST


def test_map_is_drawn_offline(hand_city, tmp_path) -> None:
    from PIL import Image

    external: list[str] = []

    def note_external(request) -> None:
        if "127.0.0.1" not in request.url and not request.url.startswith(("data:", "blob:")):
            external.append(request.url)

    with chromium_page(hand_city, tmp_path, "pages.kpi_map", on_request=note_external) as page:
        canvas = page.wait_for_selector("canvas", timeout=45000)
        page.wait_for_timeout(2500)
        shot = canvas.screenshot()
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    image.save(tmp_path / "map.png")
    pixels = list(image.get_flattened_data())
    coloured = sum(1 for r, g, b in pixels if not (r > 240 and g > 240 and b > 240))
    assert coloured / len(pixels) > 0.01, "the map canvas is blank"  # filled ward polygons
    assert not external, external[:5]
