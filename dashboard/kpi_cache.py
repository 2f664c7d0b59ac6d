"""Cached calls into ``services.kpis`` for the KPI pages (results keyed by database, scope and filters).

The KPI facts change once per refresh; a short TTL keeps pages fresh after one. The engine is not
hashed (leading underscore): the database URL stands in for it.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st
from sqlalchemy import Engine

from data_access.scope import Scope
from services import kpis as svc

TTL_SECONDS = 300


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _default_as_of(_engine: Engine, url: str) -> dt.date:
    return svc.default_as_of(_engine)


def default_as_of(engine: Engine) -> dt.date:
    return _default_as_of(engine, _url(engine))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _scope_units(_engine: Engine, url: str, scope: Scope) -> dict:
    return svc.scope_units(_engine, scope)


def scope_units(engine: Engine, scope: Scope) -> dict:
    return _scope_units(engine, _url(engine), scope)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _overview(_engine: Engine, url: str, scope: Scope, as_of: dt.date) -> dict:
    return svc.overview(_engine, scope, as_of)


def overview(engine: Engine, scope: Scope, as_of: dt.date) -> dict:
    return _overview(engine, _url(engine), scope, as_of)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _phase(_engine: Engine, url: str, scope: Scope, phase: int, as_of: dt.date) -> dict:
    return svc.phase_view(_engine, scope, phase, as_of)


def phase_view(engine: Engine, scope: Scope, phase: int, as_of: dt.date) -> dict:
    return _phase(engine, _url(engine), scope, phase, as_of)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _district(_engine: Engine, url: str, scope: Scope, as_of: dt.date) -> dict:
    return svc.district_view(_engine, scope, as_of)


def district_view(engine: Engine, scope: Scope, as_of: dt.date) -> dict:
    return _district(engine, _url(engine), scope, as_of)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _trend(_engine: Engine, url: str, scope: Scope, kpi_id: str, as_of: dt.date, on_day: tuple) -> dict:
    return svc.kpi_trend(_engine, scope, kpi_id, as_of, on_day)


def kpi_trend(engine: Engine, scope: Scope, kpi_id: str, as_of: dt.date, on_day: tuple[int, int]) -> dict:
    return _trend(engine, _url(engine), scope, kpi_id, as_of, on_day)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _units_table(_engine: Engine, url: str, scope: Scope, as_of: dt.date, level: str, parent_id: int | None):
    return svc.units_table(_engine, scope, as_of, level, parent_id)


def units_table(engine: Engine, scope: Scope, as_of: dt.date, level: str, parent_id: int | None = None):
    return _units_table(engine, _url(engine), scope, as_of, level, parent_id)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _map(_engine: Engine, url: str, scope: Scope, kpi_id: str, level: str, as_of: dt.date) -> dict:
    return svc.map_data(_engine, scope, kpi_id, level, as_of)


def map_data(engine: Engine, scope: Scope, kpi_id: str, level: str, as_of: dt.date) -> dict:
    return _map(engine, _url(engine), scope, kpi_id, level, as_of)


def clear() -> None:
    """After an administrator edits a target or deadline."""
    for function in (_overview, _phase, _district, _units_table, _map):
        function.clear()


def catalogue(engine: Engine):
    return svc.catalogue(engine)  # a few rows: read fresh so an edited deadline shows at once
