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
    # KPI pages (issue 4)
    PageSpec(
        "pages.kpi_overview:render",
        "nav.kpi_overview",
        "overview",
        frozenset({Role.LEADERSHIP, Role.CITY_ADMIN, Role.INSPECTOR}),
        section_key="nav.section.kpis",
        icon=":material/dashboard:",
    ),
    PageSpec(
        "pages.kpi_phase:render_phase1",
        "nav.kpi_phase1",
        "phase-1",
        frozenset({Role.LEADERSHIP, Role.CITY_ADMIN}),
        section_key="nav.section.kpis",
        icon=":material/looks_one:",
    ),
    PageSpec(
        "pages.kpi_phase:render_phase2",
        "nav.kpi_phase2",
        "phase-2",
        frozenset({Role.LEADERSHIP, Role.CITY_ADMIN}),
        section_key="nav.section.kpis",
        icon=":material/looks_two:",
    ),
    PageSpec(
        "pages.kpi_phase:render_phase3",
        "nav.kpi_phase3",
        "phase-3",
        frozenset({Role.LEADERSHIP, Role.CITY_ADMIN}),
        section_key="nav.section.kpis",
        icon=":material/looks_3:",
    ),
    PageSpec(
        "pages.kpi_district:render",
        "nav.kpi_district",
        "district",
        frozenset({Role.DISTRICT_MANAGER}),
        section_key="nav.section.kpis",
        icon=":material/location_city:",
    ),
    PageSpec(
        "pages.kpi_map:render",
        "nav.kpi_map",
        "coverage-map",
        frozenset({Role.LEADERSHIP, Role.CITY_ADMIN, Role.DISTRICT_MANAGER}),
        section_key="nav.section.kpis",
        icon=":material/map:",
    ),
    PageSpec(
        "pages.kpi_settings:render",
        "nav.kpi_settings",
        "kpi-settings",
        frozenset({Role.CITY_ADMIN}),
        section_key="nav.section.admin",
        icon=":material/tune:",
    ),
    PageSpec(
        "pages.accounts:render",
        "nav.accounts",
        "accounts",
        frozenset({Role.CITY_ADMIN, Role.DISTRICT_MANAGER}),
        section_key="nav.section.admin",
        icon=":material/manage_accounts:",
    ),
    PageSpec(
        "pages.cleaning_queue:render",
        "nav.cleaning_queue",
        "cleaning",
        frozenset({Role.CITY_ADMIN, Role.DISTRICT_MANAGER, Role.FACILITY_USER}),
        section_key="nav.section.cleaning",
        icon=":material/cleaning_services:",
    ),
    PageSpec(
        "pages.cleaning_health:render",
        "nav.cleaning_health",
        "cleaning-health",
        frozenset({Role.CITY_ADMIN, Role.DISTRICT_MANAGER, Role.FACILITY_USER}),
        section_key="nav.section.cleaning",
        icon=":material/monitoring:",
    ),
    PageSpec(
        "pages.cleaning_rules:render",
        "nav.cleaning_rules",
        "cleaning-rules",
        frozenset({Role.CITY_ADMIN}),
        section_key="nav.section.cleaning",
        icon=":material/rule:",
    ),
    PageSpec(
        "pages.audit_log:render",
        "nav.audit",
        "audit",
        frozenset({Role.CITY_ADMIN}),
        section_key="nav.section.admin",
        icon=":material/policy:",
    ),
]


def pages_for(role: Role) -> list[PageSpec]:
    return [page for page in PAGES if role in page.roles]
