"""Where things live. The one place that reads the environment."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# Runtime state (embedded database, generated secrets). Git-ignored; HSSK_VAR_DIR moves it (tests do).
VAR_DIR = Path(os.environ.get("HSSK_VAR_DIR") or REPO_ROOT / "var")
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


# Sign-in (issue 3). The cookie key is never a default: HSSK_COOKIE_KEY, else a secret generated on
# first start into var/secrets/cookie_key (0600, outside git); see dashboard/auth.py.
SECRETS_DIR = VAR_DIR / "secrets"


def cookie_key_from_env() -> str | None:
    return os.environ.get("HSSK_COOKIE_KEY") or None


def secrets_dir() -> Path:
    return Path(os.environ.get("HSSK_SECRETS_DIR") or SECRETS_DIR)


def session_hours() -> float:
    """Sign-in lifetime in hours (server-side session and cookie alike); default one working day."""
    return float(os.environ.get("HSSK_SESSION_HOURS") or 8)
