"""Ground-truth labels the synthetic city injects with its defects.

Read ONLY by evaluation code (bench/, tests of the generator). Detection code must never import
this module; a test enforces it.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from data_access.models.base import Base
from data_access.types import BigIntPK, bigintpk


class TruthDefect(Base):
    __tablename__ = "truth_defect"

    id: Mapped[bigintpk]
    resident_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("resident.id"), index=True)
    defect: Mapped[str] = mapped_column(String(48), index=True)  # matches a cleaning rule id
    field: Mapped[str | None] = mapped_column(String(32))


class TruthDuplicate(Base):
    """Two resident rows that are the same person (``resident_id`` < ``other_resident_id``)."""

    __tablename__ = "truth_duplicate"

    resident_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("resident.id"), primary_key=True)
    other_resident_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("resident.id"), primary_key=True)
    variation: Mapped[str] = mapped_column(String(32))  # same_cccd / spelling / no_diacritics / swapped_dob …
