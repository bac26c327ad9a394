"""Catalog export: a merchant's products written back in the import's own columns.

A CSV is written the way a spreadsheet in an Indonesian locale reads it: UTF-8 with a
byte-order mark (so Excel knows the encoding), `;` between cells, prices with a decimal
comma and no grouping (`85000,5`), which the import reads back exactly. An `.xlsx` holds
prices, stock and weights as numbers and every other cell as text (a SKU or category id
keeps its leading zeros). Importing the export again changes nothing.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from lapak.sync import numbers
from lapak.sync.catalog_files import CatalogFileError
from lapak.sync.catalog_rows import CATEGORY_PREFIX, IMAGE_SEPARATOR
from lapak.sync.i18n import N_, translate
from lapak.sync.store.db import Database
from lapak.sync.store.models import Merchant, Product
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import select

COLUMNS = (
    "sku",
    "name",
    "price",
    "stock",
    "weight_grams",
    "description",
    "group_sku",
    "variant_name",
    "image_urls",
)
"""The export's columns before one `category_<platform>` column per platform in use."""
SHEET_TITLE = "Katalog"
_PRICE_FORMATS = ("#,##0", "#,##0.00")
"""Whole prices and prices with cents; Excel shows the grouping of the reader's locale."""

# --- messages (user-facing; kept together so they can be translated) ---
# (marked with N_, translated when raised: `sync.i18n.translate`)
UNKNOWN_FORMAT = N_("write the catalog to a .csv or .xlsx file")
CANNOT_WRITE = N_("cannot write it: %(error)s")


def export_catalog(db: Database, merchant_id: int, path: Path) -> int:
    """Write the catalog of `merchant_id` to `path` (.csv or .xlsx, by its suffix); returns the
    number of products written. The file is replaced whole or not at all; raises
    `CatalogFileError` for another suffix or a place that cannot be written."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise CatalogFileError(f"{path.name}: {translate(UNKNOWN_FORMAT)}")
    with db.session() as session:
        if session.get(Merchant, merchant_id) is None:
            raise LookupError(f"no merchant with id {merchant_id}")
        query = (
            select(Product)
            .where(Product.merchant_id == merchant_id)
            .order_by(Product.group_sku, Product.sku)
        )
        products = list(session.scalars(query))
        session.expunge_all()
    platforms = sorted({p for product in products for p in (product.categories or {})})
    header = [*COLUMNS, *(f"{CATEGORY_PREFIX}{p}" for p in platforms)]
    rows = (_row(product, platforms) for product in products)
    try:
        with _replacing(path) as temporary:
            if suffix == ".csv":
                _write_csv(temporary, header, rows)
            else:
                _write_xlsx(temporary, header, rows)
    except OSError as error:
        message = translate(CANNOT_WRITE, error=error.strerror)
        raise CatalogFileError(f"{path}: {message}") from None
    return len(products)


def _row(product: Product, platforms: list[str]) -> list[Any]:
    categories = product.categories or {}
    return [
        product.sku,
        product.name,
        product.price,
        product.on_hand,
        product.weight_grams,
        product.description or "",
        product.group_sku,
        product.variant_name or "",
        IMAGE_SEPARATOR.join(product.image_urls or []),
        *(str(categories.get(p, "")) for p in platforms),
    ]


class _replacing:
    """A temporary file beside `path` that replaces it once written without an error."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> Path:
        handle, name = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=self.path.suffix
        )
        os.close(handle)
        self.temporary = Path(name)
        return self.temporary

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        if kind is None:
            os.chmod(self.temporary, 0o644)
            os.replace(self.temporary, self.path)
        else:
            self.temporary.unlink(missing_ok=True)


def _write_csv(path: Path, header: list[str], rows: Iterator[list[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        for row in rows:
            writer.writerow([_csv_cell(cell) for cell in row])


def _csv_cell(cell: Any) -> str:
    if isinstance(cell, Decimal):
        return numbers.indonesian(cell)
    return str(cell)


def _write_xlsx(path: Path, header: list[str], rows: Iterator[list[Any]]) -> None:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, cell) for cell in row])
    workbook.save(path)


def _xlsx_cell(sheet: Any, cell: Any) -> Any:
    if not isinstance(cell, Decimal):
        return cell
    # A price has at most 14 digits: a float holds it exactly as Excel shows it (15).
    written = WriteOnlyCell(sheet, value=float(cell))
    written.number_format = _PRICE_FORMATS[cell != cell.to_integral_value()]
    return written
