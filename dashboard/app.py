"""Entry script: ``streamlit run dashboard/app.py``.

Every rerun: page config → language switch → sign-in check against the server-side session
(``dashboard.auth.require_principal``; stops with the sign-in screen when there is none) → the
role's pages only, through ``st.navigation``. Each page is also wrapped in a role check, so a page
reached by a URL outside the role refuses cleanly even if navigation were misconfigured.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run dashboard/app.py` puts dashboard/ on sys.path, not the repository root.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from collections.abc import Callable  # noqa: E402

import streamlit as st  # noqa: E402

from dashboard import auth  # noqa: E402
from dashboard.context import PRINCIPAL_KEY, get_engine  # noqa: E402
from dashboard.i18n import LANGUAGES, current_language, set_language, t  # noqa: E402
from dashboard.navigation import PageSpec, pages_for  # noqa: E402

_LANGUAGE_LABELS = {"vi": "Tiếng Việt", "en": "English"}


def _on_language_change() -> None:
    set_language(st.session_state["hssk_language_select"])


def _language_switch() -> None:
    st.sidebar.selectbox(
        t("common.language"),
        LANGUAGES,
        index=LANGUAGES.index(current_language()),
        format_func=_LANGUAGE_LABELS.get,
        key="hssk_language_select",
        on_change=_on_language_change,
    )


def _guarded(spec: PageSpec) -> Callable[[], None]:
    target = spec.load()

    def run() -> None:
        principal = st.session_state.get(PRINCIPAL_KEY)
        if principal is None or principal.role not in spec.roles:
            st.error(t("nav.denied"))
            st.stop()
        target()

    run.__name__ = f"page_{spec.url_path.replace('-', '_')}"
    run.__qualname__ = run.__name__
    return run


def main() -> None:
    st.set_page_config(
        page_title=t("app.short_title"), page_icon=":material/health_and_safety:", layout="wide"
    )
    _language_switch()
    engine = get_engine()
    principal = auth.require_principal(engine)

    sections: dict[str, list[st.Page]] = {}
    for spec in pages_for(principal.role):
        page = st.Page(
            _guarded(spec),
            title=t(spec.title_key),
            url_path=spec.url_path,
            default=spec.default,
            icon=spec.icon,
        )
        sections.setdefault(t(spec.section_key), []).append(page)
    navigation = st.navigation(sections)

    with st.sidebar:
        st.caption(f"**{principal.username}** · {t(f'role.{principal.role.value}')}")
        if st.button(t("auth.logout"), key="hssk_logout_button", icon=":material/logout:"):
            auth.logout(engine)
            st.rerun()
    navigation.run()


main()
