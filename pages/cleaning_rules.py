"""City administrator edits the cleaning rules (texts, severity, on/off, parameters) without code."""

from __future__ import annotations

import json

import streamlit as st

from dashboard.context import current_principal, get_engine
from dashboard.i18n import t
from services import cleaning as svc


def render() -> None:
    principal = current_principal()
    engine = get_engine()
    st.title(t("cleaning.rules.title"))
    for rule in svc.rules_table(engine):
        with st.expander(f"{rule['id']} — {rule['name_vi']}"), st.form(f"cleaning_rule_{rule['id']}"):
            values = {
                "name_vi": st.text_input("name_vi", rule["name_vi"]),
                "explanation_vi": st.text_area("explanation_vi", rule["explanation_vi"]),
                "suggested_fix_vi": st.text_area("suggested_fix_vi", rule["suggested_fix_vi"]),
                "name_en": st.text_input("name_en", rule["name_en"]),
                "explanation_en": st.text_area("explanation_en", rule["explanation_en"] or ""),
                "suggested_fix_en": st.text_area("suggested_fix_en", rule["suggested_fix_en"] or ""),
                "severity": int(st.number_input(t("cleaning.rules.severity"), 1, 3, rule["severity"])),
                "enabled": st.checkbox(t("cleaning.rules.enabled"), rule["enabled"]),
                "standardisation": st.checkbox(t("cleaning.rules.standardisation"), rule["standardisation"]),
            }
            params = st.text_area("params (JSON)", json.dumps(rule["params"] or {}, ensure_ascii=False))
            if st.form_submit_button(t("cleaning.rules.save")):
                try:
                    values["params"] = json.loads(params) or None
                except json.JSONDecodeError:
                    st.error("params: JSON")
                    continue
                error = svc.update_rule(engine, principal, rule["id"], values)
                st.error(t(error)) if error else st.success(t("cleaning.action.done"))
