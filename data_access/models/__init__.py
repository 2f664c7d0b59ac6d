"""All mapped tables. Import from here so alembic and callers see one complete metadata."""

from data_access.models.accounts import Account, AccountScope, AuditLog, AuthSession, LoginAttempt
from data_access.models.base import Base
from data_access.models.cleaning import CleaningItem, CleaningItemEvent, CleaningRule
from data_access.models.ground_truth import TruthDefect, TruthDuplicate
from data_access.models.kpi import (
    KpiCurrentTotal,
    KpiDailyFact,
    KpiDefinition,
    KpiDistrictFact,
    KpiMonthFact,
    KpiMonthTotal,
    KpiPopulationChange,
    KpiRefreshState,
    KpiRollup,
)
from data_access.models.org import Facility, FacilityDailySubmission, OrgUnit, OrgUnitMapping
from data_access.models.population import AdminChangeEvent, HealthRecord, Resident, Vaccination
from data_access.models.supervision import Checklist, Evaluation, Finding

__all__ = [
    "Account",
    "AccountScope",
    "AdminChangeEvent",
    "AuditLog",
    "AuthSession",
    "Base",
    "Checklist",
    "CleaningItem",
    "CleaningItemEvent",
    "CleaningRule",
    "Evaluation",
    "Facility",
    "FacilityDailySubmission",
    "Finding",
    "HealthRecord",
    "KpiCurrentTotal",
    "KpiDailyFact",
    "KpiDefinition",
    "KpiDistrictFact",
    "KpiMonthFact",
    "KpiMonthTotal",
    "KpiPopulationChange",
    "KpiRefreshState",
    "KpiRollup",
    "LoginAttempt",
    "OrgUnit",
    "OrgUnitMapping",
    "Resident",
    "TruthDefect",
    "TruthDuplicate",
    "Vaccination",
]
