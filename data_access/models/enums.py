"""Closed vocabularies. Stored as short strings (not native enums) so that adding a value is a
code change, not a schema migration, and bulk loaders can write plain text."""

from __future__ import annotations

from enum import StrEnum


class OrgLevel(StrEnum):
    CITY = "city"
    DISTRICT = "district"  # legacy quận/huyện/thị xã (abolished 01/07/2025, still the reporting unit)
    WARD = "ward"  # legacy phường/xã/thị trấn (526 in Hà Nội)
    COMMUNE_2025 = "commune_2025"  # commune-level unit in force since 01/07/2025 (126 in Hà Nội)


class FacilityType(StrEnum):
    TTYT = "TTYT"  # district health centre
    PKDK = "PKDK"  # district polyclinic
    TYT = "TYT"  # commune health station
    HOSPITAL_PUBLIC = "hospital_public"
    HOSPITAL_PRIVATE = "hospital_private"
    CLINIC_PRIVATE = "clinic_private"

    @property
    def is_private(self) -> bool:
        return self in (FacilityType.HOSPITAL_PRIVATE, FacilityType.CLINIC_PRIVATE)


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"


class ResidenceType(StrEnum):
    PERMANENT = "permanent"  # thường trú
    TEMPORARY = "temporary"  # tạm trú
    WORKING = "working"  # lives elsewhere, works stably in Hà Nội


class VerificationStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    MISMATCH = "mismatch"


class RecordStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"  # died or moved out, applied


class AdminEventType(StrEnum):
    MOVE_IN = "move_in"
    MOVE_OUT = "move_out"
    DEATH = "death"
    BIRTH = "birth"
    ID_CHANGE = "id_change"


class Role(StrEnum):
    LEADERSHIP = "leadership"
    CITY_ADMIN = "city_admin"
    DISTRICT_MANAGER = "district_manager"
    FACILITY_USER = "facility_user"
    INSPECTOR = "inspector"


class CleaningStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


class EvaluationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CLOSED = "closed"
