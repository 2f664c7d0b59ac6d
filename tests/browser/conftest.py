from __future__ import annotations

import pytest

from kpis.refresh import refresh
from tests.kpis.handbuilt import TODAY, build


@pytest.fixture
def hand_city(engine):
    """The hand-built city with its KPI facts computed."""
    build(engine)
    refresh(engine, full=True, today=TODAY)
    return engine
