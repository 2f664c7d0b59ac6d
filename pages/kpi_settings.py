"""City administrator: edit KPI targets and deadlines (each change audited in the same transaction)."""

from __future__ import annotations

import streamlit as st

from dashboard import kpi_cache
from dashboard.components.confirmation import confirm_and_rerun, show_confirmation
from dashboard.components.kpi_table import breakdown_table
from dashboard.context import current_principal, get_engine
from dashboard.i18n import current_language, t
from data_access.models.enums import Role
from kpis.catalogue import SettingsError
from services import kpis as svc


def render() -> None:
    principal = current_principal()
    if principal.role != Role.CITY_ADMIN:
        st.error(t("nav.denied"))
        st.stop()
    engine = get_engine()
    st.title(t("kpi.settings.title"))
    show_confirmation()
    st.caption(t("kpi.settings.help"))
    frame = svc.settings_frame(engine)
    lang = current_language()
    shown = frame.select(
        "kpi_id", "phase", "name_vi" if lang == "vi" else "name_en", "target", "deadline"
    ).rename({"name_vi": "name", "name_en": "name"}, strict=False)
    breakdown_table(
        shown.with_columns(shown["target"] * 100),
        key="kpi_settings_table",
        title=t("kpi.settings.title"),
        file_stem="chi_tieu_thoi_han",
    )
    rows = {r["kpi_id"]: r for r in frame.iter_rows(named=True)}
    kpi_id = st.selectbox(
        t("kpi.settings.kpi"),
        list(rows),
        format_func=lambda k: f"{k} — {rows[k]['name_' + lang]}",
        key="kpi_settings_kpi",
    )
    row = rows[kpi_id]
    with st.form("kpi_settings_form"):
        target = st.number_input(
            t("kpi.settings.target"),
            min_value=1.0,
            max_value=100.0,
            value=float(row["target"] * 100),
            step=0.5,
            key=f"kpi_settings_target_{kpi_id}",
        )
        deadline = st.date_input(
            t("kpi.settings.deadline"),
            value=row["deadline"],
            format="DD/MM/YYYY",
            key=f"kpi_settings_deadline_{kpi_id}",
        )
        submitted = st.form_submit_button(t("kpi.settings.save"))
    if submitted:
        try:
            changed = svc.save_setting(engine, principal, kpi_id, target / 100, deadline)
        except SettingsError as error:
            st.error(t("kpi.settings.invalid", error=error))
            return
        if changed:
            kpi_cache.clear()
            confirm_and_rerun(t("kpi.settings.saved", kpi=kpi_id))
        else:
            st.info(t("kpi.settings.unchanged"))
