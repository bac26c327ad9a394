"""The few statements whose SQL differs between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, Result, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


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
    if not rows:
        return 0
    statement = insert_for(session, model).values(list(rows))
    statement = statement.on_conflict_do_nothing(index_elements=list(conflict))
    # RETURNING counts reliably on both backends (psycopg reports rowcount -1 here).
    return len(session.execute(statement.returning(literal_column("1"))).all())


def affected(result: Result[Any]) -> int:
    """Rows matched by an UPDATE or DELETE (SQLAlchemy types `rowcount` on cursor results)."""
    return int(cast(CursorResult[Any], result).rowcount or 0)
