"""Vietnamese-first UI strings and number/date formats (dd/mm/yyyy, 8.412.345, 97,3 %).

Strings live in ``dashboard/strings/<area>.py`` modules, each exposing
``STRINGS = {"key": ("tiếng Việt", "English"), ...}``; keys must be unique across modules.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
from functools import cache

from dashboard import strings as _strings_pkg

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
_LANGUAGE_KEY = "ui_language"


@cache
def catalog() -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for module_info in pkgutil.iter_modules(_strings_pkg.__path__):
        module = importlib.import_module(f"{_strings_pkg.__name__}.{module_info.name}")
        for key, value in module.STRINGS.items():
            if key in merged:
                raise ValueError(f"duplicate i18n key {key!r} in dashboard/strings/{module_info.name}.py")
            merged[key] = value
    return merged


def current_language() -> str:
    try:
        import streamlit as st

        return st.session_state.get(_LANGUAGE_KEY, DEFAULT_LANGUAGE)
    except Exception:  # outside a Streamlit script run (CLI, tests)
        return DEFAULT_LANGUAGE


def set_language(lang: str) -> None:
    import streamlit as st

    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    st.session_state[_LANGUAGE_KEY] = lang


def t(key: str, lang: str | None = None, **params: object) -> str:
    """Translate ``key``; an unknown key shows itself so a missing string is visible, not fatal."""
    entry = catalog().get(key)
    if entry is None:
        return key
    text = entry[LANGUAGES.index(lang or current_language())]
    return text.format(**params) if params else text


# (decimal mark, grouping mark) per language: 8.412.345 and 97,3 in Vietnamese.
NUMBER_MARKS = {"vi": (",", "."), "en": (".", ",")}


def number_marks(lang: str | None = None) -> tuple[str, str]:
    return NUMBER_MARKS[lang or current_language()]


def format_number(value: float | int | None, decimals: int = 0, lang: str | None = None) -> str:
    if value is None:
        return "–"
    decimal, grouping = number_marks(lang)
    return f"{value:,.{decimals}f}".translate(str.maketrans({",": grouping, ".": decimal}))


def format_percent(ratio: float | None, decimals: int = 1, lang: str | None = None) -> str:
    if ratio is None:
        return "–"
    return f"{format_number(ratio * 100, decimals, lang)} %"


def format_date(value: dt.date | dt.datetime | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "–"


def format_datetime(value: dt.datetime | None) -> str:
    return value.strftime("%d/%m/%Y %H:%M") if value else "–"
