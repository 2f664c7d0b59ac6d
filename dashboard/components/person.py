"""A resident's personal data, masked by default, with an explicit audited "reveal" for roles that act
on people. Reuse it on any page that shows a person::

    from dashboard.components.person import person_card
    person_card(engine, principal, resident_id)

Leadership and inspectors get nothing (they see aggregates); outside the scope: nothing either.
The clear values live only in this rerun's output: the next rerun shows the masked card again.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from dashboard.i18n import t
from data_access.scope import Principal
from services.people import masked_card, revealed_card


def person_card(engine: Engine, principal: Principal, resident_id: int, *, key: str | None = None) -> None:
    key = key or f"person_{resident_id}"
    card = masked_card(engine, principal, resident_id)
    if card is None:
        st.info(t("person.not_available"))
        return
    shown = card
    with st.form(f"{key}_reveal", clear_on_submit=True, border=False):
        reason = st.text_input(t("person.reason"), key=f"{key}_reason", max_chars=200)
        if st.form_submit_button(t("person.reveal"), icon=":material/visibility:"):
            if reason.strip():
                shown = revealed_card(engine, principal, resident_id, reason) or card
            else:
                st.warning(t("person.reason_required"))
    rows = {
        t("person.full_name"): shown.full_name,
        t("person.cccd"): shown.cccd,
        t("person.date_of_birth"): shown.date_of_birth,
        t("person.bhyt"): shown.bhyt_card,
        t("person.address"): shown.address,
    }
    st.table({t("person.field"): list(rows), t("person.value"): [v or "–" for v in rows.values()]})
    if not shown.masked:
        st.caption(t("person.revealed_note"))
