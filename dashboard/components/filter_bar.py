"""Shared filter bar of the KPI pages: as-of date and org unit, always inside the viewer's scope.

Owns the session keys ``kpi_filter_as_of``, ``kpi_filter_district`` and ``kpi_filter_ward``; the
selection survives page switches so the leadership can compare phases for the same unit and day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st
from sqlalchemy import Engine

from dashboard import kpi_cache
from dashboard.i18n import t
from data_access.scope import Principal, Scope
from services.kpis import narrow_scope

KEY_AS_OF = "kpi_filter_as_of"
KEY_DISTRICT = "kpi_filter_district"
KEY_WARD = "kpi_filter_ward"


@dataclass(frozen=True)
class Filters:
    as_of: dt.date
    scope: Scope  # the principal's scope narrowed to the selected unit
    district_id: int | None
    ward_id: int | None


def filter_bar(engine: Engine, principal: Principal, *, wards: bool = True, units: bool = True) -> Filters:
    latest = kpi_cache.default_as_of(engine)
    if KEY_AS_OF not in st.session_state or st.session_state[KEY_AS_OF] > latest:
        st.session_state[KEY_AS_OF] = latest
    choices = kpi_cache.scope_units(engine, principal.scope)
    columns = st.columns([1, 1, 1] if wards else [1, 1])
    as_of = columns[0].date_input(
        t("kpi.filter.as_of"),
        min_value=dt.date(2023, 7, 1),
        max_value=latest,
        format="DD/MM/YYYY",
        key=KEY_AS_OF,
    )
    district_id = ward_id = None
    if units:
        district_names = {u.id: f"{u.name}" for u in choices["district"]}
        options = [None, *district_names]
        if st.session_state.get(KEY_DISTRICT) not in options:
            st.session_state[KEY_DISTRICT] = None
        district_id = columns[1].selectbox(
            t("kpi.filter.district"),
            options,
            format_func=lambda d: t("kpi.filter.all_scope") if d is None else district_names[d],
            placeholder=t("kpi.filter.all_scope"),  # shown, instead of the None option, when cleared
            key=KEY_DISTRICT,
        )
        if wards:
            ward_names = {
                u.id: u.name
                for u in choices["ward"]
                if district_id is not None and u.parent_id == district_id
            }
            ward_options = [None, *ward_names]
            if st.session_state.get(KEY_WARD) not in ward_options:
                st.session_state[KEY_WARD] = None
            ward_id = columns[2].selectbox(
                t("kpi.filter.ward"),
                ward_options,
                format_func=lambda w: t("kpi.filter.all_wards") if w is None else ward_names[w],
                placeholder=t("kpi.filter.all_wards"),
                key=KEY_WARD,
                disabled=district_id is None,
            )
    scope = narrow_scope(principal.scope, district_id, ward_id, engine)
    return Filters(as_of=as_of, scope=scope, district_id=district_id, ward_id=ward_id)
