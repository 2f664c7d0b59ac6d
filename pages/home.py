"""Home: who you are, your role, what part of the city you see; change your password."""

from __future__ import annotations

import streamlit as st

from dashboard import auth
from dashboard.context import current_principal, get_engine
from dashboard.i18n import format_datetime, t
from data_access.audit import VN_TZ
from services.accounts import scope_names


def render() -> None:
    principal = current_principal()
    engine = get_engine()
    flash = auth.pop_flash()
    if flash:
        st.success(flash)
    name = st.session_state.get("name") or principal.username
    st.title(t("home.welcome", name=name))
    col_role, col_scope = st.columns(2)
    col_role.metric(t("home.role"), t(f"role.{principal.role.value}"))
    with col_scope:
        st.markdown(f"**{t('home.scope')}**")
        if principal.scope.city:
            st.write(t("home.scope_city"))
        elif principal.scope.is_empty:
            st.warning(t("home.scope_none"))
        else:
            for unit in scope_names(engine, principal):
                st.write(f"- {unit}")
    if not principal.may_see_people:
        st.info(t("home.aggregates_only"))
    expires = auth.session_expires_at()
    if expires is not None:
        st.caption(t("home.session_until", time=format_datetime(expires.astimezone(VN_TZ))))
    with st.expander(t("auth.change.title")):
        auth.draw_password_change(engine)
