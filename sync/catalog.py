"""Catalog import: a merchant's catalog file becomes products, upserted by SKU in chunks.

The file (CSV or .xlsx, `sync.catalog_files`) is read twice: once to decide how each number
column writes its numbers (`sync.numbers`) and count the rows, then row by row. Every row is
validated (docs/rules.md, rule 8; `sync.catalog_rows`): a bad row is reported with its row
number and column and skipped, the good rows still import. A problem with the file as a
whole is found before anything is written. Rows are compared with what is stored, so only
real changes are written, counted as updated and handed to `sync.changes.products_changed`,
which marks their listings dirty (docs/rules.md, rule 2). Each chunk is one transaction.

Only the columns the file has are written: re-importing a file of sku, name, price,
weight_grams and stock keeps the stored descriptions, images, categories and variants, and
a `category_<platform>` column sets or clears that platform's category only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from lapak.sync import changes
from lapak.sync.catalog_files import CatalogFileError, open_source
from lapak.sync.catalog_rows import (
    CATEGORY_PREFIX,
    IMAGE_SEPARATOR,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    CatalogRow,
    Columns,
    RowError,
    columns_of,
    conventions_of,
    parse_row,
)
from lapak.sync.store.db import Database
from lapak.sync.store.dialect import insert_for
from lapak.sync.store.models import Merchant, Product, utcnow
from sqlalchemy import Row, Table, select, update
from sqlalchemy.orm import Session

__all__ = [
    "CATEGORY_PREFIX",
    "IMAGE_SEPARATOR",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "CatalogFileError",
    "ImportReport",
    "RowError",
    "import_catalog",
    "set_stock",
]

CONTENT_COLUMNS = (
    "group_sku",
    "variant_name",
    "name",
    "description",
    "price",
    "weight_grams",
    "image_urls",
    "categories",
)
"""Product columns a file can set (`on_hand` through its `stock` column)."""
PRODUCTS = cast(Table, Product.__table__)
_LOOKUP_SLICE = 500
"""SKUs per `IN (...)` lookup: well under every SQLite build's bound-parameter limit."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    changed_product_ids: list[int] = field(default_factory=list)
    stores_due: set[int] = field(default_factory=set)
    """Stores whose listings the import made dirty (from `products_changed`)."""


@dataclass(frozen=True)
class _Written:
    """Which product columns a file sets: those it has a column for."""

    columns: frozenset[str]
    platforms: tuple[str, ...]
    stock: bool

    @classmethod
    def of(cls, columns: Columns) -> _Written:
        present = columns.present
        content = {c for c in CONTENT_COLUMNS if c in present}
        if columns.platforms:
            content.add("categories")
        return cls(frozenset(content), tuple(columns.platforms), "stock" in present)


def import_catalog(
    db: Database,
    merchant_id: int,
    path: Path,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int = 2000,
) -> ImportReport:
    """Import the catalog file at `path` (CSV or .xlsx) into the catalog of `merchant_id`.

    `encoding` overrides the detected encoding of a CSV, `sheet` picks a workbook's sheet
    (default: the first). `progress` is called with (rows read, rows in the file) after each
    chunk. Raises `CatalogFileError` (nothing imported) when the file as a whole is unusable,
    `LookupError` when the merchant does not exist. Chunks written before a failure stay
    written; importing the file again is safe, as unchanged rows are left alone.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
    with db.session() as session:
        if session.get(Merchant, merchant_id) is None:
            raise LookupError(f"no merchant with id {merchant_id}")
    source = open_source(Path(path), encoding=encoding, sheet=sheet)
    columns = columns_of(source)
    conventions, total = conventions_of(source, columns)
    written = _Written.of(columns)
    report = ImportReport()
    first_seen: dict[str, int] = {}
    rows: list[CatalogRow] = []
    processed = 0
    for number, cells in source.rows():
        processed += 1
        row = parse_row(number, cells, columns, conventions, first_seen, report.errors)
        if row is not None:
            rows.append(row)
        if processed % chunk_size == 0:
            _write_chunk(db, merchant_id, rows, written, report)
            rows = []
            if progress:
                progress(processed, total)
    if processed % chunk_size:
        _write_chunk(db, merchant_id, rows, written, report)
        if progress:
            progress(processed, total)
    return report


def set_stock(db: Database, merchant_id: int, sku: str, on_hand: int) -> int:
    """Set the on-hand count of one SKU (a stock take); returns the product id."""
    if on_hand < 0:
        raise ValueError(f"on-hand stock of {sku!r} cannot be negative ({on_hand})")
    with db.session() as session:
        product_id = session.scalar(
            update(Product)
            .where(Product.merchant_id == merchant_id, Product.sku == sku)
            .values(on_hand=on_hand, updated_at=utcnow())
            .returning(Product.id),
            execution_options={"synchronize_session": False},
        )
        if product_id is None:
            raise LookupError(f"unknown sku {sku!r} for merchant {merchant_id}")
        changes.products_changed(session, [product_id])
    return product_id


# --- writing ---------------------------------------------------------------------------------


def _write_chunk(
    db: Database,
    merchant_id: int,
    rows: Sequence[CatalogRow],
    written: _Written,
    report: ImportReport,
) -> None:
    """Upsert the new and changed rows of one chunk and mark their listings, in one
    transaction."""
    if not rows:
        return
    now = utcnow()
    with db.session() as session:
        stored = _stored(session, merchant_id, [row.sku for row in rows])
        fresh = [
            _values(merchant_id, row, None, written, now) for row in rows if row.sku not in stored
        ]
        changed = []
        for row in rows:
            if row.sku in stored:
                values = _values(merchant_id, row, stored[row.sku], written, now)
                if _differs(values, stored[row.sku], written):
                    changed.append(values)
        report.unchanged += len(rows) - len(fresh) - len(changed)
        if not fresh and not changed:
            return
        ids = _upsert(session, [*fresh, *changed], written)
        report.created += len(fresh)
        report.updated += len(changed)
        product_ids = sorted(ids.values())
        report.changed_product_ids.extend(product_ids)
        report.stores_due |= changes.products_changed(session, product_ids)


def _stored(session: Session, merchant_id: int, skus: Sequence[str]) -> dict[str, Row[Any]]:
    columns = [getattr(Product, name) for name in ("sku", *CONTENT_COLUMNS, "on_hand")]
    found: dict[str, Row[Any]] = {}
    for start in range(0, len(skus), _LOOKUP_SLICE):
        query = select(*columns).where(
            Product.merchant_id == merchant_id,
            Product.sku.in_(skus[start : start + _LOOKUP_SLICE]),
        )
        found.update((row.sku, row) for row in session.execute(query))
    return found


def _values(
    merchant_id: int, row: CatalogRow, stored: Row[Any] | None, written: _Written, now: datetime
) -> dict[str, Any]:
    """The product's columns after the import: the file's columns from `row`, the others as
    stored (a new product's from `row`'s defaults); categories merged per platform."""
    values = {
        name: getattr(row, name)
        if stored is None or name in written.columns
        else getattr(stored, name)
        for name in CONTENT_COLUMNS
    }
    categories = dict(stored.categories or {}) if stored is not None else {}
    for platform, category in row.categories.items():
        if category:
            categories[platform] = category
        else:
            categories.pop(platform, None)
    values["categories"] = categories
    on_hand = stored.on_hand if stored is not None else 0
    if written.stock and row.stock is not None:
        on_hand = row.stock
    return {
        **values,
        "merchant_id": merchant_id,
        "sku": row.sku,
        "on_hand": on_hand,
        "updated_at": now,
    }


def _differs(values: dict[str, Any], stored: Row[Any], written: _Written) -> bool:
    # Decimal equality is numeric: 15000 equals a stored 15000.00.
    if written.stock and values["on_hand"] != stored.on_hand:
        return True
    return any(values[name] != getattr(stored, name) for name in written.columns)


def _upsert(session: Session, batch: list[dict[str, Any]], written: _Written) -> dict[str, int]:
    """INSERT ... ON CONFLICT (merchant_id, sku) DO UPDATE of the file's columns only;
    returns product ids by SKU."""
    statement = insert_for(session, PRODUCTS)
    updated = [
        *(c for c in CONTENT_COLUMNS if c in written.columns),
        "updated_at",
        *(["on_hand"] if written.stock else []),
    ]
    statement = statement.on_conflict_do_update(
        index_elements=["merchant_id", "sku"],
        set_={name: statement.excluded[name] for name in updated},
    ).returning(PRODUCTS.c.sku, PRODUCTS.c.id)
    return {sku: product_id for sku, product_id in session.execute(statement, batch)}
