"""Which pages exist and which roles get them. ``dashboard/app.py`` builds ``st.navigation`` from this.

A page is referenced as ``"module:function"`` and imported lazily, so one page's import error
cannot take the whole app down for every role.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from data_access.models.enums import Role

ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class PageSpec:
    target: str  # "pages.home:render"
    title_key: str  # i18n key
    url_path: str  # unique, stable: tests and bookmarks use it
    roles: frozenset[Role]
    section_key: str = "nav.section.general"
    icon: str | None = None
    default: bool = False

    def load(self) -> Callable[[], None]:
        module_name, function_name = self.target.split(":")
        return getattr(importlib.import_module(module_name), function_name)


# Order is menu order. Add a page: one line here, one module in pages/ with a render().
PAGES: list[PageSpec] = [
    PageSpec("pages.home:render", "nav.home", "home", ALL_ROLES, default=True, icon=":material/home:"),
]


def pages_for(role: Role) -> list[PageSpec]:
    return [page for page in PAGES if role in page.roles]
