"""Catalog import: a merchant's CSV becomes products, upserted by SKU in chunks.

Every row is validated (docs/rules.md, rule 8): a bad row is reported with its row number and field
and skipped, the good rows still import. Rows are compared with what is stored, so only real
changes are written, counted as updated and handed to `sync.changes.products_changed`, which
marks their listings dirty (docs/rules.md, rule 2). Each chunk is one transaction.

CSV columns (header required, any order, names case-insensitive):
  sku, name, price, weight_grams       required
  stock                                on-hand units; left as stored when the cell is empty
  description, image_urls (|-separated), group_sku (variants sharing it form one marketplace
  item; default: the sku), variant_name (required when group_sku differs from sku),
  category_<platform>                  e.g. category_shopee: that platform's category id
The file is the master of content: an empty optional cell clears the stored value.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import Row, Table, select, update
from sqlalchemy.orm import Session

from sync import changes
from sync.store.db import Database
from sync.store.dialect import insert_for
from sync.store.models import Merchant, Product, utcnow

REQUIRED_COLUMNS = ("sku", "name", "price", "weight_grams")
OPTIONAL_COLUMNS = ("stock", "description", "group_sku", "variant_name", "image_urls")
CATEGORY_PREFIX = "category_"
IMAGE_SEPARATOR = "|"
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
"""Product columns the file sets on every row (`on_hand` only when `stock` is given)."""
PRODUCTS = cast(Table, Product.__table__)
_SKU = re.compile(r"\S{1,64}")
_HTTP_URL = re.compile(r"https?://[^\s/?#]+", re.IGNORECASE)
MAX_COUNT = 2**31 - 1
"""The largest stock or weight an integer column holds (PostgreSQL refuses more)."""
_LOOKUP_SLICE = 500
"""SKUs per `IN (...)` lookup: well under every SQLite build's bound-parameter limit."""


class CatalogFileError(ValueError):
    """The file as a whole cannot be imported (no header, unknown or missing columns)."""


@dataclass(frozen=True, slots=True)
class RowError:
    """A rejected row: `row` counts lines as a spreadsheet does (the header is row 1)."""

    row: int
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}: {self.field}" if self.field else f"row {self.row}"
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    changed_product_ids: list[int] = field(default_factory=list)
    stores_due: set[int] = field(default_factory=set)
    """Stores whose listings the import made dirty (from `products_changed`)."""


def _sku(value: str) -> str:
    if not _SKU.fullmatch(value):
        raise PydanticCustomError("sku", "must be 1 to 64 characters without whitespace")
    return value


class CatalogRow(BaseModel):
    """One product as a CSV row declares it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: str
    name: str = Field(min_length=1, max_length=255)
    price: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    stock: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    weight_grams: int = Field(gt=0, le=MAX_COUNT)
    description: str = ""
    group_sku: str = Field(default="", validate_default=True)
    variant_name: str | None = Field(default=None, max_length=120, validate_default=True)
    image_urls: list[str] = Field(default_factory=list)
    categories: dict[str, str] = Field(default_factory=dict)

    @field_validator("sku")
    @classmethod
    def _valid_sku(cls, value: str) -> str:
        return _sku(value)

    @field_validator("group_sku")
    @classmethod
    def _group_defaults_to_sku(cls, value: str, info: ValidationInfo) -> str:
        return _sku(value) if value else info.data.get("sku", "")

    @field_validator("variant_name")
    @classmethod
    def _variant_named(cls, value: str | None, info: ValidationInfo) -> str | None:
        group, sku = info.data.get("group_sku"), info.data.get("sku")
        if not value and group and sku and group != sku:
            raise PydanticCustomError("variant_name", "required when group_sku differs from sku")
        return value

    @field_validator("image_urls")
    @classmethod
    def _http_urls(cls, urls: list[str]) -> list[str]:
        for position, url in enumerate(urls, start=1):
            if not _HTTP_URL.match(url):
                raise PydanticCustomError(
                    "image_url", "image {position} is not an http(s) URL", {"position": position}
                )
        return urls


def import_catalog(
    db: Database,
    merchant_id: int,
    path: Path,
    *,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = 2000,
) -> ImportReport:
    """Import the CSV at `path` into the catalog of `merchant_id`.

    `progress` is called with the number of rows read so far after each chunk. Raises
    `CatalogFileError` (nothing imported) when the header is unusable, `LookupError` when
    the merchant does not exist. Chunks written before a failure stay written; importing
    the file again is safe, as unchanged rows are left alone.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
    path = Path(path)
    with db.session() as session:
        if session.get(Merchant, merchant_id) is None:
            raise LookupError(f"no merchant with id {merchant_id}")
    report = ImportReport()
    first_seen: dict[str, int] = {}
    # Bytes that are not UTF-8 are kept as lone surrogates and reported on their row.
    with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
        rows: list[CatalogRow] = []
        processed = 0
        for number, record in _records(handle, path):
            processed += 1
            row = _parse(number, record, first_seen, report.errors)
            if row is not None:
                rows.append(row)
            if processed % chunk_size == 0:
                _write_chunk(db, merchant_id, rows, report)
                rows = []
                if progress:
                    progress(processed)
        if processed % chunk_size:
            _write_chunk(db, merchant_id, rows, report)
            if progress:
                progress(processed)
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


# --- reading ---------------------------------------------------------------------------------


def _records(handle: TextIO, path: Path) -> Iterator[tuple[int, dict[str, str] | str]]:
    """(row number, {column: stripped cell}, or why the row is unreadable) for each data
    row; blank lines are skipped."""
    first_line = handle.readline()
    handle.seek(0)
    # Spreadsheets in an Indonesian locale save CSV with semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(handle, delimiter=delimiter)
    try:
        header = _header(next(reader, None), path)
    except csv.Error as error:
        raise CatalogFileError(f"{path.name}: unreadable header row: {error}") from None
    number = 1
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # e.g. a cell longer than the csv module's field limit
            yield number, f"unreadable: {error}"
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            yield number, f"has {len(cells)} cells, the header has {len(header)} columns"
            continue
        yield number, {column: cell.strip() for column, cell in zip(header, cells, strict=False)}


def _header(cells: list[str] | None, path: Path) -> list[str]:
    if not cells:
        raise CatalogFileError(f"{path.name}: no header row")
    problem = next(filter(None, map(_cell_problem, cells)), None)
    if problem:
        raise CatalogFileError(f"{path.name}: header row {problem}")
    header = [cell.strip().lower() for cell in cells]
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    unknown = [c for c in header if c not in known and not _is_category(c)]
    if unknown:
        raise CatalogFileError(
            f"{path.name}: unknown columns: {', '.join(unknown)} (known: "
            f"{', '.join((*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))}, {CATEGORY_PREFIX}<platform>)"
        )
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise CatalogFileError(f"{path.name}: columns appear twice: {', '.join(duplicated)}")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CatalogFileError(f"{path.name}: missing required columns: {', '.join(missing)}")
    return header


def _is_category(column: str) -> bool:
    platform = column.removeprefix(CATEGORY_PREFIX)
    return column.startswith(CATEGORY_PREFIX) and platform.replace("_", "").isalnum()


def _parse(
    number: int, record: dict[str, str] | str, first_seen: dict[str, int], errors: list[RowError]
) -> CatalogRow | None:
    """The validated row, or None after recording why it was rejected."""
    if isinstance(record, str):
        errors.append(RowError(number, None, record))
        return None
    unreadable = [(c, p) for c, cell in record.items() if (p := _cell_problem(cell))]
    if unreadable:
        errors.extend(RowError(number, column, problem) for column, problem in unreadable)
        return None
    sku = record.get("sku", "")
    if sku in first_seen:
        errors.append(
            RowError(number, "sku", f"duplicate sku, first seen at row {first_seen[sku]}")
        )
        return None
    if sku:
        first_seen[sku] = number
    try:
        return CatalogRow.model_validate(_row_input(record))
    except ValidationError as error:
        for item in error.errors(include_url=False):
            errors.append(RowError(number, _column(item["loc"]), item["msg"]))
        return None


def _cell_problem(cell: str) -> str | None:
    """Why a cell cannot be stored as text: a NUL byte (PostgreSQL refuses it in text), or
    bytes that are not UTF-8 (read as lone surrogates)."""
    if "\x00" in cell:
        return "contains a NUL byte"
    try:
        cell.encode("utf-8")
    except UnicodeEncodeError:
        return "is not UTF-8 text"
    return None


def _row_input(record: dict[str, str]) -> dict[str, Any]:
    """Cells as `CatalogRow` input: empty cells left out, images split, categories gathered."""
    values: dict[str, Any] = {}
    categories: dict[str, str] = {}
    for column, cell in record.items():
        if not cell:
            continue
        if column.startswith(CATEGORY_PREFIX):
            categories[column.removeprefix(CATEGORY_PREFIX)] = cell
        elif column == "image_urls":
            values[column] = [u.strip() for u in cell.split(IMAGE_SEPARATOR) if u.strip()]
        else:
            values[column] = cell
    values["categories"] = categories
    return values


def _column(loc: tuple[int | str, ...]) -> str:
    if len(loc) > 1 and loc[0] == "categories":
        return f"{CATEGORY_PREFIX}{loc[1]}"
    return str(loc[0]) if loc else "row"


# --- writing ---------------------------------------------------------------------------------


def _write_chunk(
    db: Database, merchant_id: int, rows: Sequence[CatalogRow], report: ImportReport
) -> None:
    """Upsert the new and changed rows of one chunk and mark their listings, in one
    transaction."""
    if not rows:
        return
    with db.session() as session:
        stored = _stored(session, merchant_id, [row.sku for row in rows])
        fresh = [row for row in rows if row.sku not in stored]
        changed = [row for row in rows if row.sku in stored and _differs(row, stored[row.sku])]
        report.unchanged += len(rows) - len(fresh) - len(changed)
        if not fresh and not changed:
            return
        ids = _upsert(session, merchant_id, [*fresh, *changed])
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


def _differs(row: CatalogRow, stored: Row[Any]) -> bool:
    if row.stock is not None and row.stock != stored.on_hand:
        return True
    # Decimal equality is numeric: 15000 equals a stored 15000.00.
    return any(getattr(row, name) != getattr(stored, name) for name in CONTENT_COLUMNS)


def _upsert(session: Session, merchant_id: int, rows: Sequence[CatalogRow]) -> dict[str, int]:
    """INSERT ... ON CONFLICT (merchant_id, sku) DO UPDATE; returns product ids by SKU.

    Rows without a stock cell leave `on_hand` as stored (new products start at 0)."""
    now = utcnow()
    ids: dict[str, int] = {}
    for with_stock in (True, False):
        batch = [
            _values(merchant_id, row, now) for row in rows if (row.stock is not None) is with_stock
        ]
        if not batch:
            continue
        statement = insert_for(session, PRODUCTS)
        updated = [*CONTENT_COLUMNS, "updated_at", *(["on_hand"] if with_stock else [])]
        statement = statement.on_conflict_do_update(
            index_elements=["merchant_id", "sku"],
            set_={name: statement.excluded[name] for name in updated},
        ).returning(PRODUCTS.c.sku, PRODUCTS.c.id)
        ids.update({sku: product_id for sku, product_id in session.execute(statement, batch)})
    return ids


def _values(merchant_id: int, row: CatalogRow, now: datetime) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in CONTENT_COLUMNS}
    return {
        **values,
        "merchant_id": merchant_id,
        "sku": row.sku,
        "on_hand": row.stock or 0,
        "updated_at": now,
    }
