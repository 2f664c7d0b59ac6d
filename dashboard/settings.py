"""Where things live. The one place that reads the environment."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = REPO_ROOT / "var"
DEFAULT_SQLITE_PATH = VAR_DIR / "hssk.db"
DEFAULT_DATABASE_URL = f"sqlite:///{DEFAULT_SQLITE_PATH}"
DEMO_SCALE = 0.01
DEMO_SEED = 7
DEFAULT_DEMO_PASSWORD = "HsskDemo@2026"  # demo databases only; README says so


def database_url(cli_value: str | None = None) -> str:
    """``--db`` wins, then ``DATABASE_URL``, then the embedded SQLite file under var/."""
    return cli_value or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def is_embedded_default(url: str) -> bool:
    return url == DEFAULT_DATABASE_URL
