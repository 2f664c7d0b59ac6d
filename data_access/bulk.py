"""Fast bulk loading of polars frames into the mapped tables.

PostgreSQL: polars writes CSV in chunks and ``COPY … FROM STDIN`` streams it (the fast path; see
stack-notes). SQLite: ``executemany`` over typed Python rows inside the caller's single
transaction. Either way the caller's transaction makes a load all-or-nothing.

Frames must use the tables' column names; values are converted here to what SQLAlchemy itself
would store (ISO dates, naive-UTC datetimes on SQLite), so ORM reads see exactly what the ORM writes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import polars as pl
from sqlalchemy import JSON, Connection, Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

from data_access.models import Base

CHUNK_ROWS = 250_000


def table_named(name: str) -> Table:
    return Base.metadata.tables[name]


def load_frame(
    connection: Connection,
    table: str | Table,
    frame: pl.DataFrame,
    on_rows: Callable[[int], None] | None = None,
) -> int:
    """Append ``frame`` to ``table`` (a mapped table's name, or a Table) inside the open transaction."""
    if frame.height == 0:
        return 0
    table = table_named(table) if isinstance(table, str) else table
    unknown = set(frame.columns) - set(table.columns.keys())
    if unknown:
        raise ValueError(f"{table.name}: frame has columns the table lacks: {sorted(unknown)}")
    frame = _encode_json_columns(table, frame)
    loader = _copy_postgres if connection.dialect.name == "postgresql" else _insert_sqlite
    driver_error = connection.dialect.loaded_dbapi.Error
    for start in range(0, frame.height, CHUNK_ROWS):
        chunk = frame.slice(start, CHUNK_ROWS)
        try:
            loader(connection, table, chunk)
        except driver_error as error:
            # The fast paths talk to the driver directly: wrap its error as SQLAlchemy would, so
            # callers catch one family of exceptions (IntegrityError, OperationalError, …).
            raise DBAPIError.instance(f"bulk load into {table.name}", None, error, driver_error) from error
        if on_rows:
            on_rows(chunk.height)
    return frame.height


@contextmanager
def load_mode(connection: Connection, table_names: list[str]) -> Iterator[None]:
    """Drop secondary indexes (and, on PostgreSQL, foreign keys) of the tables, then rebuild them.

    Maintaining indexes and checking foreign keys row by row costs 2–4× the load itself at
    millions of rows; one rebuild (and one validation pass per foreign key) afterwards is far
    cheaper. DDL is transactional on both engines, so a failure restores everything.
    """
    tables = [table_named(name) for name in table_names]
    foreign_keys = (
        [fk for table in tables for fk in table.foreign_key_constraints]
        if connection.dialect.name == "postgresql"
        else []
    )
    indexes = [index for table in tables for index in table.indexes]
    for fk in foreign_keys:
        connection.execute(DropConstraint(fk))
    for index in indexes:
        connection.execute(DropIndex(index))
    yield
    for index in indexes:
        connection.execute(CreateIndex(index))
    for fk in foreign_keys:
        connection.execute(AddConstraint(fk))


def _encode_json_columns(table: Table, frame: pl.DataFrame) -> pl.DataFrame:
    json_columns = [c for c in frame.columns if isinstance(table.columns[c].type, JSON)]
    if not json_columns:
        return frame
    return frame.with_columns(
        pl.col(c).map_elements(_json_text, return_dtype=pl.String, skip_nulls=True) for c in json_columns
    )


def _json_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, pl.Series):
        value = value.to_list()
    return json.dumps(value, ensure_ascii=False)


def _copy_postgres(connection: Connection, table: Table, chunk: pl.DataFrame) -> None:
    columns = ", ".join(f'"{c}"' for c in chunk.columns)
    csv_bytes = chunk.write_csv(include_header=False, datetime_format="%Y-%m-%dT%H:%M:%S%.f%z").encode()
    statement = f'COPY "{table.name}" ({columns}) FROM STDIN (FORMAT csv)'
    raw = connection.connection.driver_connection  # psycopg Connection, same transaction
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(csv_bytes)


def _insert_sqlite(connection: Connection, table: Table, chunk: pl.DataFrame) -> None:
    chunk = chunk.with_columns(_sqlite_storage_expr(chunk, name) for name in chunk.columns)
    placeholders = ", ".join("?" for _ in chunk.columns)
    columns = ", ".join(f'"{c}"' for c in chunk.columns)
    sql = f'INSERT INTO "{table.name}" ({columns}) VALUES ({placeholders})'
    connection.connection.driver_connection.executemany(sql, chunk.iter_rows())


def _sqlite_storage_expr(chunk: pl.DataFrame, name: str) -> pl.Expr:
    """The text SQLAlchemy's SQLite dialect stores for dates and datetimes."""
    dtype = chunk.schema[name]
    if dtype == pl.Date:
        return pl.col(name).dt.strftime("%Y-%m-%d")
    if isinstance(dtype, pl.Datetime):
        column = pl.col(name)
        if dtype.time_zone is not None:
            column = column.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        return column.dt.strftime("%Y-%m-%d %H:%M:%S.%6f")
    return pl.col(name)


def utc_timestamp(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC)
