"""What every page needs: the shared engine and the signed-in principal.

``dashboard/app.py`` re-checks the server-side session on every rerun and stores the fresh
``Principal`` under ``PRINCIPAL_KEY`` before any page runs; pages only read it.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from dashboard.settings import database_url
from data_access.engine import make_engine
from data_access.scope import Principal

PRINCIPAL_KEY = "principal"


def get_engine(url: str | None = None) -> Engine:
    # Resolve the URL before the cache so the cache key is the real URL: tests (AppTest) point one
    # process at several databases through DATABASE_URL.
    return _engine_for(url or database_url())


@st.cache_resource
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def current_principal() -> Principal:
    principal = st.session_state.get(PRINCIPAL_KEY)
    if not isinstance(principal, Principal):
        st.stop()  # never render data without a verified principal
    return principal
