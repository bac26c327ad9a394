"""The few statements whose SQL differs between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, cast

from sqlalchemy import (
    JSON,
    CursorResult,
    Result,
    any_,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement


def among(session: Session, column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL `column = ANY(:values)`, one array parameter.

    An IN list is one parameter per value, so the SQL text changes with the count and, past
    50 parameters, psycopg parses it afresh on every execution (its statement cache keeps
    statements of at most 50): a quarter of intake's CPU on PostgreSQL went there."""
    if session.get_bind().dialect.name == "postgresql":
        array = bindparam(None, list(values), type_=postgresql.ARRAY(column.type))
        return cast(ColumnElement[bool], column == any_(array))
    return cast(ColumnElement[bool], column.in_(values))


def among_bound(dialect: str, column: Any, name: str) -> ColumnElement[bool]:
    """`among` with its values given at execution as the list `name`: one statement for
    any count of values, which a caller may build once and keep."""
    if dialect == "postgresql":
        array = bindparam(name, type_=postgresql.ARRAY(column.type))
        return cast(ColumnElement[bool], column == any_(array))
    return cast(ColumnElement[bool], column.in_(bindparam(name, expanding=True)))


def insert_for(session: Session, model: Any) -> Any:
    """The INSERT construct of the session's dialect (it has ON CONFLICT clauses)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise NotImplementedError(f"unsupported database dialect {dialect!r}")


def insert_ignore(
    session: Session, model: Any, rows: Sequence[dict[str, Any]], conflict: Sequence[str]
) -> int:
    """INSERT rows, skipping those that collide on the unique `conflict` columns.

    Returns how many rows were inserted.
    """
    # RETURNING counts reliably on both backends (psycopg reports rowcount -1 here).
    return len(inserted_rows(session, model, rows, conflict, literal_column("1")))


def inserted_rows(
    session: Session,
    model: Any,
    rows: Sequence[dict[str, Any]],
    conflict: Sequence[str],
    *returning: Any,
) -> list[tuple[Any, ...]]:
    """INSERT rows, skipping those that collide on the unique `conflict` columns; the
    `returning` columns of each row inserted.

    Every row has the same keys. One compiled statement for every row: on PostgreSQL an
    INSERT ... SELECT of the columns as arrays (`_unnested`), elsewhere one executemany
    (SQLAlchemy batches it into multi-row INSERTs); a statement of many VALUES compiled
    afresh for each batch cost more than the database's work."""
    if not rows:
        return []
    table = model.__table__
    statement = insert_for(session, table)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.from_select(list(rows[0]), _unnested(table, rows))
        parameters: list[dict[str, Any]] | None = None
    else:
        parameters = list(rows)
    statement = statement.on_conflict_do_nothing(index_elements=list(conflict)).returning(
        *returning
    )
    return [tuple(row) for row in session.execute(statement, parameters)]


def _unnested(table: Any, rows: Sequence[dict[str, Any]]) -> Any:
    """The rows as a SELECT of one array parameter per column, unnested side by side: the
    statement's text is the same for any number of rows, so psycopg parses it once (a
    multi-row VALUES of hundreds of parameters it parsed afresh on every execution)."""
    return select(*(_unnested_column(table.c[name], rows).label(name) for name in rows[0]))


def _unnested_column(column: Any, rows: Sequence[dict[str, Any]]) -> Any:
    values = [row[column.name] for row in rows]
    if isinstance(column.type, JSON):  # one JSON array, its elements taken side by side
        return func.json_array_elements(bindparam(None, values, type_=JSON))
    return func.unnest(bindparam(None, values, type_=postgresql.ARRAY(column.type)))


def affected(result: Result[Any]) -> int:
    """Rows matched by an UPDATE or DELETE (SQLAlchemy types `rowcount` on cursor results)."""
    return int(cast(CursorResult[Any], result).rowcount or 0)
