"""The one scope filter: deny by default, city sees all, entries grant only their own rows."""

from __future__ import annotations

from sqlalchemy import column, literal_column, select

from data_access.scope import CITY_SCOPE, NO_SCOPE, Scope, scope_clause, scope_from_rows


def _sql(clause) -> str:
    return str(select(literal_column("1")).where(clause).compile(compile_kwargs={"literal_binds": True}))


def test_empty_scope_matches_nothing() -> None:
    assert NO_SCOPE.is_empty
    assert "false" in _sql(
        scope_clause(NO_SCOPE, ward_col=column("ward_id"), district_col=column("district_id"))
    )
    assert NO_SCOPE.describe() == "none"


def test_city_scope_matches_everything() -> None:
    assert "true" in _sql(scope_clause(CITY_SCOPE, ward_col=column("ward_id")))


def test_entries_grant_only_the_columns_the_table_has() -> None:
    scope = Scope(district_ids=frozenset({3}), facility_ids=frozenset({9}))
    sql = _sql(scope_clause(scope, ward_col=column("ward_id"), district_col=column("district_id")))
    assert "district_id IN (3)" in sql and "9" not in sql
    # a table with only a ward column: a district entry grants nothing there
    assert "false" in _sql(scope_clause(scope, ward_col=column("ward_id")))


def test_scope_from_rows() -> None:
    scope = scope_from_rows([("district", 3, None), ("ward", 40, None), (None, None, 7), ("city", 1, None)])
    assert scope.city and scope.district_ids == {3} and scope.ward_ids == {40} and scope.facility_ids == {7}
    assert hash(scope) == hash(
        scope_from_rows([("city", 1, None), ("district", 3, None), ("ward", 40, None), (None, None, 7)])
    )
