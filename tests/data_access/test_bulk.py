"""The bulk path stores exactly what the ORM would: reads through the ORM see the same values."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from data_access.bulk import bulk_load, load_mode
from data_access.engine import session_factory
from data_access.models import AuditLog, OrgUnit, Resident


def _org_unit() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": [1],
            "level": ["city"],
            "code": ["01"],
            "name": ["Thành phố Hà Nội"],
            "short_name": ["Hà Nội"],
            "unit_type": ["Thành phố"],
            "parent_id": [None],
            "path": ["/01/"],
            "valid_from": [dt.date(2008, 8, 1)],
        }
    )


def _residents(n: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": list(range(1, n + 1)),
            "cccd": ["001090012345", None, ""] * (n // 3) + ["001090012345"] * (n % 3),
            "full_name": ['Nguyễn Thị Đào, "Bé"'] * n,
            "sex": ["F"] * n,
            "date_of_birth": [dt.date(1990, 1, 31)] * n,
            "residence_type": ["permanent"] * n,
            "ward_id": [1] * n,
            "district_id": [1] * n,
            "resident_since": [dt.date(2000, 1, 1)] * n,
            "resident_until": [None] * n,
            "created_at": [dt.datetime(2024, 1, 1, 7, 30, tzinfo=dt.UTC)] * n,
        },
        schema_overrides={"resident_until": pl.Date},
    )


def test_bulk_load_round_trips_through_the_orm(engine) -> None:
    with bulk_load(engine) as bulk, load_mode(bulk, ["resident"]):
        bulk.load("org_unit", _org_unit())
        bulk.load("resident", _residents(9))
        bulk.load(
            "audit_log",
            pl.DataFrame(
                {
                    "id": [1],
                    "at": [dt.datetime(2024, 5, 6, 1, 2, 3, tzinfo=dt.UTC)],
                    "action": ["seed"],
                    "details": [{"note": "Đống Đa"}],
                }
            ),
        )
    with session_factory(engine)() as session:
        first, second, third = (session.get(Resident, i) for i in (1, 2, 3))
        assert first.full_name == 'Nguyễn Thị Đào, "Bé"'
        assert first.date_of_birth == dt.date(1990, 1, 31)
        assert first.created_at == dt.datetime(2024, 1, 1, 7, 30, tzinfo=dt.UTC)
        assert first.resident_until is None
        assert second.cccd is None  # NULL stays NULL …
        assert third.cccd == ""  # … and an empty string stays an empty string
        audit = session.get(AuditLog, 1)
        assert audit.at == dt.datetime(2024, 5, 6, 1, 2, 3, tzinfo=dt.UTC)
        assert audit.details == {"note": "Đống Đa"}


def test_load_mode_restores_indexes(engine) -> None:
    from sqlalchemy import inspect

    before = {ix["name"] for ix in inspect(engine).get_indexes("resident")}
    with bulk_load(engine) as bulk, load_mode(bulk, ["resident"]):
        bulk.load("org_unit", _org_unit())
        bulk.load("resident", _residents(3))
    after = {ix["name"] for ix in inspect(engine).get_indexes("resident")}
    assert before == after and "ix_resident_cccd" in after


def test_failed_load_leaves_nothing_behind(engine) -> None:
    """Foreign keys are still enforced in load mode (rebuilt and validated after the load)."""
    bad = _residents(3).with_columns(pl.lit(999).alias("ward_id"))  # no such org unit
    with pytest.raises(IntegrityError), bulk_load(engine) as bulk:
        bulk.load("org_unit", _org_unit())
        with load_mode(bulk, ["resident"]):
            bulk.load("resident", bad)
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(OrgUnit)) == 0
        assert session.scalar(select(func.count()).select_from(Resident)) == 0


def test_unknown_column_is_refused(engine) -> None:
    with pytest.raises(ValueError, match="columns the table lacks"), bulk_load(engine) as bulk:
        bulk.load("org_unit", _org_unit().with_columns(pl.lit(1).alias("bogus")))


def test_duplicate_key_fails_the_whole_load(engine) -> None:
    with pytest.raises(IntegrityError), bulk_load(engine) as bulk:
        bulk.load("org_unit", _org_unit())
        bulk.load("org_unit", _org_unit())
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(OrgUnit)) == 0
