"""Audit log for the city administrator: filter, read, export (the export is itself audited)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.components.data_table import data_table
from dashboard.components.export import XLSX_MIME, excel_bytes
from dashboard.context import current_principal, get_engine
from dashboard.i18n import format_number, t
from data_access.audit import VN_TZ, AuditFilter
from services import audit as svc


def render() -> None:
    principal = current_principal()
    engine = get_engine()
    st.title(t("audit.title"))
    today = dt.datetime.now(VN_TZ).date()
    c1, c2, c3, c4, c5 = st.columns(5)
    date_from = c1.date_input(
        t("audit.from"), today - dt.timedelta(days=30), format="DD/MM/YYYY", key="aud_from"
    )
    date_to = c2.date_input(t("audit.to"), today, format="DD/MM/YYYY", key="aud_to")
    actions = [None, *sorted({a.split(".")[0] + "." for a in svc.action_names(engine, principal)})]
    action = c3.selectbox(
        t("audit.action"),
        actions,
        format_func=lambda a: t("accounts.filter.all") if a is None else a,
        key="aud_action",
    )
    actor = c4.text_input(t("audit.actor"), key="aud_actor")
    target = c5.text_input(t("audit.target"), key="aud_target")
    flt = AuditFilter(date_from, date_to, action, actor or None, target or None)
    frame = svc.audit_frame(engine, principal, flt)
    st.caption(t("audit.count", n=format_number(frame.height)))
    shown = frame.rename({c: t(f"audit.col.{c}") for c in frame.columns})
    data_table(
        shown,
        hide_index=True,
        width="stretch",
        column_config={t("audit.col.at"): st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm:ss")},
    )
    filters = {"from": str(date_from), "to": str(date_to), "action": action, "actor": actor, "target": target}
    st.download_button(
        t("common.export_excel"),
        data=excel_bytes(shown, t("audit.title")),
        file_name=f"nhat_ky_{today:%Y%m%d}.xlsx",
        mime=XLSX_MIME,
        on_click=svc.record_export,
        args=(engine, principal, "audit_log", frame.height, filters),
        key="aud_download",
    )
