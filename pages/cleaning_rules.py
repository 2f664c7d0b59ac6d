"""City administrator edits the cleaning rules (texts, severity, on/off, parameters) without code."""

from __future__ import annotations

import json

import streamlit as st

from dashboard.components.confirmation import confirm_and_rerun, show_confirmation
from dashboard.context import current_principal, get_engine
from dashboard.i18n import t
from services import cleaning as svc


def render() -> None:
    principal = current_principal()
    engine = get_engine()
    st.title(t("cleaning.rules.title"))
    show_confirmation()
    for rule in svc.rules_table(engine):
        with st.expander(f"{rule['id']} — {rule['name_vi']}"), st.form(f"cleaning_rule_{rule['id']}"):
            values = {
                "name_vi": st.text_input(t("cleaning.rules.name_vi"), rule["name_vi"]),
                "explanation_vi": st.text_area(t("cleaning.rules.explanation_vi"), rule["explanation_vi"]),
                "suggested_fix_vi": st.text_area(t("cleaning.rules.fix_vi"), rule["suggested_fix_vi"]),
                "name_en": st.text_input(t("cleaning.rules.name_en"), rule["name_en"]),
                "explanation_en": st.text_area(
                    t("cleaning.rules.explanation_en"), rule["explanation_en"] or ""
                ),
                "suggested_fix_en": st.text_area(t("cleaning.rules.fix_en"), rule["suggested_fix_en"] or ""),
                "severity": int(st.number_input(t("cleaning.rules.severity"), 1, 3, rule["severity"])),
                "enabled": st.checkbox(t("cleaning.rules.enabled"), rule["enabled"]),
                "standardisation": st.checkbox(t("cleaning.rules.standardisation"), rule["standardisation"]),
            }
            params = st.text_area(
                t("cleaning.rules.params"), json.dumps(rule["params"] or {}, ensure_ascii=False)
            )
            if st.form_submit_button(t("cleaning.rules.save")):
                try:
                    values["params"] = json.loads(params) or None
                except json.JSONDecodeError as bad:
                    st.error(
                        t("cleaning.rules.params_invalid", line=bad.lineno, column=bad.colno, why=bad.msg)
                    )
                    continue
                try:
                    error = svc.update_rule(engine, principal, rule["id"], values)
                except svc.ParamsError as bad:
                    st.error(t(f"cleaning.rules.param_{bad.reason}", name=bad.name, expected=_expected(bad)))
                    continue
                if error:
                    st.error(t(error))
                else:
                    confirm_and_rerun(t("cleaning.action.done"))


def _expected(error) -> str:
    return t(f"cleaning.rules.kind.{error.expected}") if error.reason == "type" else error.expected
