"""KPI card: value, target, deadline, status, projection (no session state)."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import current_language, format_date, format_number, format_percent, t
from kpis.catalogue import Kpi

# In table cells (plain text): a coloured emoji before the status name.
STATUS_ICONS = {"met": "🟢", "on_track": "🔵", "at_risk": "🟠", "overdue": "🔴", None: "⚪"}
# On cards: a coloured badge with one of the icons Streamlit bundles (drawn without an emoji font).
STATUS_BADGES = {
    "met": ("green", ":material/check_circle:"),
    "on_track": ("blue", ":material/trending_up:"),
    "at_risk": ("orange", ":material/warning:"),
    "overdue": ("red", ":material/event_busy:"),
    None: ("gray", ":material/remove:"),
}


def status_label(status: str | None) -> str:
    return f"{STATUS_ICONS.get(status, '⚪')} {status_name(status)}"


def status_name(status: str | None) -> str:
    return t(f"kpi.status.{status or 'none'}")


def status_badge(status: str | None) -> None:
    color, icon = STATUS_BADGES.get(status, STATUS_BADGES[None])
    st.badge(status_name(status), icon=icon, color=color)


def kpi_card(kpi: Kpi, row: dict | None, *, container=None) -> None:
    target = container or st
    lang = current_language()
    with target.container(border=True):
        st.markdown(f"**{kpi.name(lang)}**")
        value = row["value"] if row else None
        st.metric(
            kpi.id,
            format_percent(value),
            label_visibility="collapsed",
            help=f"{kpi.numerator_vi if lang == 'vi' else kpi.numerator_en} / "
            f"{kpi.denominator_vi if lang == 'vi' else kpi.denominator_en}",
        )
        status = row["status"] if row else None
        status_badge(status)
        st.caption(
            t("kpi.card.target", target=format_percent(kpi.target, 0), deadline=format_date(kpi.deadline))
        )
        if row:
            st.caption(
                t(
                    "kpi.card.fraction",
                    num=format_number(row["numerator"]),
                    den=format_number(row["denominator"]),
                )
            )
            if status not in ("met", None):
                if row["projected_date"]:
                    st.caption(t("kpi.card.projected", day=format_date(row["projected_date"])))
                else:
                    st.caption(t("kpi.card.never"))
                if row.get("rate_needed"):
                    st.caption(t("kpi.card.needed", rate=format_number(row["rate_needed"] * 100, 2)))
                if row.get("days_overdue"):
                    st.caption(t("kpi.card.overdue", days=format_number(row["days_overdue"])))
