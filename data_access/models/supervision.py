"""Supervision (giám sát) checklists and evaluations by inspection teams."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from data_access.models.base import Base
from data_access.types import created_at, intpk


class Checklist(Base):
    __tablename__ = "supervision_checklist"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # [{"id": "...", "text_vi": "...", "weight": 1.0}, ...]
    items: Mapped[list] = mapped_column(JSON)


class Evaluation(Base):
    __tablename__ = "supervision_evaluation"

    id: Mapped[intpk]
    checklist_id: Mapped[int] = mapped_column(ForeignKey("supervision_checklist.id"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"), index=True)
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    evaluated_on: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")  # EvaluationStatus
    score: Mapped[float | None] = mapped_column(Float)
    answers: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[created_at]


class Finding(Base):
    __tablename__ = "supervision_finding"

    id: Mapped[intpk]
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("supervision_evaluation.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    corrective_action: Mapped[str | None] = mapped_column(Text)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    resolved_on: Mapped[dt.date | None] = mapped_column(Date)
