"""Row ids and page numbers as the web accepts them: within what the database can hold.

Orders, listings and dead letters have 32-bit ids (PostgreSQL INTEGER), job events 64-bit
ones (BIGINT); a larger number in a path or query does not name any row, and handed to the
database it is an error ("integer out of range", or the driver's `OverflowError`): a 500.
Route parameters use these types instead of a bare `int`, so such a number is a 422 naming
the parameter.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_ROW_ID = 2**31 - 1
"""The largest id of an order, listing or dead letter (INTEGER primary keys)."""
MAX_BIG_ID = 2**63 - 1
"""The largest job event id (BIGINT) and the largest row offset."""
MAX_PAGE = 1_000_000
"""Beyond any history a store can have; keeps page × page size within the database's range."""

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A row id (1 to 2^31 - 1).")]
"""A row id in a path (`/api/orders/{order_id}`)."""
EventIdQuery = Annotated[int | None, Query(ge=1, le=MAX_BIG_ID)]
"""An optional job event id in a query (`?before=`)."""
Offset = Annotated[int, Query(ge=0, le=MAX_BIG_ID)]
"""How many rows to skip."""
Page = Annotated[int, Query(le=MAX_PAGE, description="Page number, from 1.")]
"""A page number in a query (`?page=`); below 1 counts as 1."""


def parse_row_id(text: str | None) -> int | None:
    """A row id written in a form field, or None when `text` is not one (not ASCII decimal
    digits, zero, or out of range)."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ROW_ID else None
