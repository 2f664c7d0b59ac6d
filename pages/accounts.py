"""Accounts: list and filter in scope, act on one account, create, bulk-issue, phase-1 rollout picture.

Thin: the rules (scope, delegation, audit) live in ``data_access.accounts`` behind ``services.accounts``.
Temporary passwords are kept only in this browser session until downloaded once or closed.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.components.confirmation import confirm_and_rerun, show_confirmation
from dashboard.components.data_table import data_table
from dashboard.components.export import XLSX_MIME, excel_bytes
from dashboard.context import current_principal, get_engine
from dashboard.i18n import format_number, format_percent, t
from data_access.accounts import AccountError, AccountFilter, Grant
from data_access.models.enums import FacilityType, Role
from services import accounts as svc

_ISSUED_KEY = "hssk_issued_credentials"


def render() -> None:
    principal = current_principal()
    engine = get_engine()
    st.title(t("accounts.title"))
    show_confirmation()
    _draw_issued(engine, principal)
    tab_list, tab_create, tab_bulk, tab_progress = st.tabs(
        [t("accounts.tab.list"), t("accounts.tab.create"), t("accounts.tab.bulk"), t("accounts.tab.progress")]
    )
    with tab_list:
        _list(engine, principal)
    with tab_create:
        _create(engine, principal)
    with tab_bulk:
        _bulk(engine, principal)
    with tab_progress:
        _progress(engine, principal)


def _grantable_roles(principal) -> list[str]:
    if principal.role == Role.CITY_ADMIN:
        return [r.value for r in Role]
    return [Role.FACILITY_USER.value]


def _error(error: AccountError) -> None:
    st.error(t(error.key, **error.params))


# ------------------------------------------------------------------------------------------------ list


def _list(engine, principal) -> None:
    districts = svc.district_options(engine, principal)
    c1, c2, c3, c4 = st.columns(4)
    roles = [None, *_grantable_roles(principal)]
    role = c1.selectbox(
        t("accounts.filter.role"),
        roles,
        format_func=lambda r: t("accounts.filter.all") if r is None else t(f"role.{r}"),
        key="acc_f_role",
    )
    district_ids = [None, *(d.id for d in districts)]
    names = {d.id: d.name for d in districts}
    district_id = c2.selectbox(
        t("accounts.district"),
        district_ids,
        format_func=lambda d: t("accounts.filter.all") if d is None else names[d],
        key="acc_f_district",
    )
    status = c3.selectbox(
        t("accounts.filter.status"),
        [None, "active", "disabled", "pending"],
        format_func=lambda s: t("accounts.filter.all") if s is None else t(f"accounts.status.{s}"),
        key="acc_f_status",
    )
    text = c4.text_input(t("accounts.filter.text"), key="acc_f_text")
    frame = svc.accounts_frame(engine, principal, AccountFilter(role, district_id, status, text or None))
    if frame.is_empty():
        st.info(t("accounts.none"))
        return
    st.caption(t("accounts.count", n=format_number(frame.height)))
    shown = frame.drop("id").with_columns(
        pl.col("role").map_elements(lambda r: t(f"role.{r}"), return_dtype=pl.String)
    )
    data_table(
        shown.rename({c: t(f"accounts.col.{c}") for c in shown.columns}), hide_index=True, width="stretch"
    )
    usernames = dict(zip(frame["id"].to_list(), frame["username"].to_list(), strict=True))
    account_id = st.selectbox(
        t("accounts.select"),
        [None, *usernames],
        format_func=lambda i: "—" if i is None else usernames[i],
        key="acc_selected",
    )
    if account_id is not None:
        _actions(engine, principal, account_id)


def _actions(engine, principal, account_id: int) -> None:
    account = svc.get_account(engine, principal, account_id)
    if account is None or account.id == principal.account_id:
        st.info(t("accounts.not_manageable"))
        return
    c1, c2 = st.columns(2)
    try:
        if account.is_active and c1.button(t("accounts.disable"), key="acc_disable"):
            svc.set_active(engine, principal, account.id, False)
            confirm_and_rerun(t("accounts.done"))
        if not account.is_active and c1.button(t("accounts.enable"), key="acc_enable"):
            svc.set_active(engine, principal, account.id, True)
            confirm_and_rerun(t("accounts.done"))
        if c2.button(t("accounts.reset"), key="acc_reset"):
            temporary = svc.reset_password(engine, principal, account.id)
            st.warning(t("accounts.temp_once"))
            st.code(f"{account.username}  {temporary}", language=None)
    except AccountError as error:
        _error(error)
        return
    with st.expander(t("accounts.change_scope")):
        roles = _grantable_roles(principal)
        role = st.selectbox(
            t("accounts.filter.role"),
            roles,
            index=roles.index(account.role) if account.role in roles else 0,
            format_func=lambda r: t(f"role.{r}"),
            key="acc_edit_role",
        )
        grant = _scope_picker(engine, principal, role, prefix="acc_edit")
        if st.button(t("accounts.save"), key="acc_save_scope") and grant is not None:
            try:
                svc.change_role_scope(engine, principal, account.id, grant)
            except AccountError as error:
                _error(error)
            else:
                confirm_and_rerun(t("accounts.done"))


def _scope_picker(engine, principal, role: str, *, prefix: str) -> Grant | None:
    """Scope widgets for a role; returns the Grant (or None until complete)."""
    districts = svc.district_options(engine, principal)
    names = {d.id: d.name for d in districts}
    if role in (Role.LEADERSHIP, Role.CITY_ADMIN):
        city_id = svc.city_unit_id(engine)
        return Grant(role, frozenset({city_id})) if city_id else None
    if role == Role.INSPECTOR:
        chosen = st.multiselect(
            t("accounts.districts"),
            list(names),
            format_func=names.get,
            placeholder=t("common.choose"),
            key=f"{prefix}_districts",
        )
        return Grant(role, frozenset(chosen)) if chosen else None
    district_id = st.selectbox(
        t("accounts.district"), list(names), format_func=names.get, key=f"{prefix}_district"
    )
    if district_id is None:
        return None
    if role == Role.DISTRICT_MANAGER:
        return Grant(role, frozenset({district_id}))
    facilities = svc.facility_options(engine, principal, district_id)
    labels = {f.id: f"{f.code} — {f.name}" for f in facilities}
    facility_id = st.selectbox(
        t("accounts.facility"), list(labels), format_func=labels.get, key=f"{prefix}_facility"
    )
    if facility_id is None:
        return None
    facility = next(f for f in facilities if f.id == facility_id)
    return Grant(role, frozenset({facility.ward_id}), frozenset({facility.id}))


# ------------------------------------------------------------------------------------------------ create


def _create(engine, principal) -> None:
    roles = _grantable_roles(principal)
    role = st.selectbox(
        t("accounts.filter.role"), roles, format_func=lambda r: t(f"role.{r}"), key="acc_new_role"
    )
    grant = _scope_picker(engine, principal, role, prefix="acc_new")
    with st.form("acc_create_form", clear_on_submit=True):
        username = st.text_input(t("accounts.username"), key="acc_new_username")
        full_name = st.text_input(t("accounts.full_name"), key="acc_new_full_name")
        submitted = st.form_submit_button(t("accounts.create"))
    if not submitted:
        return
    if grant is None:
        st.error(t("accounts.error.empty_scope"))
        return
    facility_id = (
        next(iter(grant.facility_ids)) if role == Role.FACILITY_USER and grant.facility_ids else None
    )
    try:
        issued = svc.create_account(
            engine, principal, username=username, full_name=full_name, grant=grant, facility_id=facility_id
        )
    except AccountError as error:
        _error(error)
        return
    st.success(t("accounts.created", username=issued.username))
    st.warning(t("accounts.temp_once"))
    st.code(f"{issued.username}  {issued.temporary_password}", language=None)


# ------------------------------------------------------------------------------------------------ bulk


def _bulk(engine, principal) -> None:
    st.caption(t("accounts.bulk.intro"))
    districts = svc.district_options(engine, principal)
    names = {d.id: d.name for d in districts}
    c1, c2 = st.columns(2)
    district_choices = list(names) if principal.role == Role.DISTRICT_MANAGER else [None, *names]
    district_id = c1.selectbox(
        t("accounts.district"),
        district_choices,
        format_func=lambda d: t("accounts.filter.all") if d is None else names[d],
        key="acc_bulk_district",
    )
    facility_type = c2.selectbox(
        t("accounts.facility_type"),
        [None, *(f.value for f in FacilityType)],
        format_func=lambda f: t("accounts.filter.all") if f is None else t(f"facility_type.{f}"),
        key="acc_bulk_type",
    )
    if st.button(t("accounts.bulk.submit"), key="acc_bulk_submit", type="primary"):
        try:
            result = svc.bulk_issue(engine, principal, district_id=district_id, facility_type=facility_type)
        except AccountError as error:
            _error(error)
            return
        st.session_state[_ISSUED_KEY] = result.issued
        confirm_and_rerun(
            t("accounts.bulk.result", issued=len(result.issued), skipped=len(result.skipped_usernames))
        )


def _credential_labels() -> dict[str, str]:
    return {
        "username": t("accounts.col.username"),
        "password": t("accounts.col.password"),
        "facility_code": t("accounts.col.facility_code"),
        "unit": t("accounts.col.full_name"),
        "district": t("accounts.col.district"),
    }


def _draw_issued(engine, principal) -> None:
    """The one-time list of new temporary passwords: shown until downloaded once or closed."""
    issued = st.session_state.get(_ISSUED_KEY)
    if not issued:
        return
    frame = svc.credentials_frame(issued, _credential_labels())
    st.warning(t("accounts.temp_once"))
    data_table(frame, hide_index=True, width="stretch")
    usernames = [c.username for c in issued]

    def downloaded() -> None:
        svc.record_credentials_export(engine, principal, usernames)
        st.session_state.pop(_ISSUED_KEY, None)

    c1, c2 = st.columns(2)
    c1.download_button(
        t("accounts.bulk.download"),
        data=excel_bytes(frame, t("accounts.col.password")),
        file_name="tai_khoan_mat_khau_tam_thoi.xlsx",
        mime=XLSX_MIME,
        on_click=downloaded,
        key="acc_issued_download",
        type="primary",
    )
    if c2.button(t("accounts.bulk.close"), key="acc_issued_close"):
        st.session_state.pop(_ISSUED_KEY, None)
        st.rerun()


# ------------------------------------------------------------------------------------------------ progress


def _progress(engine, principal) -> None:
    st.caption(t("accounts.progress.intro"))
    frame = svc.activation_frame(engine, principal)
    if frame.is_empty():
        st.info(t("accounts.none"))
        return
    totals = frame.select(pl.col("facilities", "issued", "activated", "active_30d").sum()).row(0, named=True)
    c1, c2, c3 = st.columns(3)
    base = totals["facilities"] or 1
    c1.metric(
        t("accounts.col.issued"), format_number(totals["issued"]), format_percent(totals["issued"] / base)
    )
    c2.metric(
        t("accounts.col.activated"),
        format_number(totals["activated"]),
        format_percent(totals["activated"] / base),
    )
    c3.metric(
        t("accounts.col.active_30d"),
        format_number(totals["active_30d"]),
        format_percent(totals["active_30d"] / base),
    )
    shown = frame.with_columns(
        pl.col("facility_type").map_elements(lambda f: t(f"facility_type.{f}"), return_dtype=pl.String)
    )
    labels = {c: t(f"accounts.col.{c}") for c in shown.columns}
    data_table(shown.rename(labels), hide_index=True, width="stretch")
