"""The confirmation of a saved change, shown after the rerun that redraws the page with the change.

An action's ``st.success`` followed by ``st.rerun()`` is never seen, and without the rerun the page
shows the state from before the change (tables are drawn before the form that changes them).
Owns the session key ``confirmation_message``.
"""

from __future__ import annotations

from typing import NoReturn

import streamlit as st

_KEY = "confirmation_message"


def confirm_and_rerun(message: str) -> NoReturn:
    st.session_state[_KEY] = message
    st.rerun()


def show_confirmation() -> None:
    """Shows the last action's confirmation once; call it near the top of the page."""
    message = st.session_state.pop(_KEY, None)
    if message:
        st.success(message)
