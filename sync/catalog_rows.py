"""Catalog columns and rows: which columns a file has, and each row's cells as a product.

Columns (header required, any order, names case-insensitive):
  sku, name, price, weight_grams       required, a value on every row
  stock                                on-hand units, a value on every row
  description, image_urls (|-separated)            may be empty: an empty cell clears it
  group_sku, variant_name              together: variants sharing a group_sku form one
                                       marketplace item (empty group_sku: the sku itself)
  category_<platform>                  e.g. category_shopee: that platform's category id;
                                       may be empty: an empty cell clears it
A column the file does not have leaves the stored value alone. Numbers are read by
`sync.numbers`, the column's convention decided from the whole file first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lapak.sync import numbers
from lapak.sync.catalog_files import CatalogFileError, CatalogSource, Cell
from lapak.sync.i18n import N_, translate
from lapak.sync.numbers import Convention, NumberColumn, NumberError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

REQUIRED_COLUMNS = ("sku", "name", "price", "weight_grams")
OPTIONAL_COLUMNS = ("stock", "description", "group_sku", "variant_name", "image_urls")
CATEGORY_PREFIX = "category_"
IMAGE_SEPARATOR = "|"
CLEARABLE_COLUMNS = ("description", "image_urls")
"""Besides the category columns: an empty cell clears the stored value."""
DEFAULTED_COLUMNS = ("group_sku", "variant_name")
"""An empty cell means the default: a product of its own, without a variant name."""
WHOLE_NUMBER_COLUMNS = ("stock", "weight_grams")
NUMBER_COLUMNS = ("price", *WHOLE_NUMBER_COLUMNS)
_SKU = re.compile(r"\S{1,64}")
_HTTP_URL = re.compile(r"https?://[^\s/?#]+", re.IGNORECASE)
MAX_COUNT = 2**31 - 1
"""The largest stock or weight an integer column holds (PostgreSQL refuses more)."""

# --- messages (user-facing; kept together so they can be translated) ---
# (marked with N_, translated where a row or file is read: `sync.i18n.translate`)
HEADER_PROBLEM = N_("header row %(problem)s")
UNKNOWN_COLUMNS = N_("unknown columns: %(unknown)s (known: %(known)s)")
COLUMNS_TWICE = N_("columns appear twice: %(columns)s")
MISSING_COLUMNS = N_("missing required columns: %(columns)s")
GROUP_WITHOUT_VARIANT = N_("group_sku and variant_name go together: add the %(missing)s column")
TOO_MANY_CELLS = N_("has %(cells)d cells, the header has %(columns)d columns")
UNNAMED_COLUMN = N_("a value in column %(position)d, which has no name in the header row")
EMPTY = N_("is empty; every product needs one")
EMPTY_STOCK = N_("is empty; write 0 for none, or leave the stock column out to keep stored stock")
NOT_WHOLE = N_("%(value)s is not a whole number")
DUPLICATE_SKU = N_("duplicate sku, first seen at row %(row)d")
NUL_BYTE = N_("contains a NUL byte")
NOT_UTF8 = N_("is not UTF-8 text")
ROW = N_("row %(row)d: %(message)s")
ROW_COLUMN = N_("row %(row)d: %(column)s: %(message)s")
VALIDATION = {
    "sku": N_("must be 1 to 64 characters without whitespace"),
    "variant_name": N_("required when group_sku differs from sku"),
    "image_url": N_("image %(position)s is not an http(s) URL"),
    "string_too_short": N_("must be at least %(min_length)s characters long"),
    "string_too_long": N_("must be at most %(max_length)s characters long"),
    "greater_than": N_("must be more than %(gt)s"),
    "greater_than_equal": N_("must be %(ge)s or more"),
    "less_than_equal": N_("must be %(le)s or less"),
    "decimal_max_digits": N_("has more than %(max_digits)s digits"),
    "decimal_max_places": N_("has more than %(decimal_places)s decimals"),
    "decimal_whole_digits": N_("has more than %(whole_digits)s digits before the decimal point"),
}
"""A cell pydantic refused, by its error type, in words for the person who wrote it; the
values (`ge`, `max_length`…) come from the error's context. Another type keeps pydantic's
own (English) words."""


@dataclass(frozen=True, slots=True)
class RowError:
    """A rejected row: `row` counts rows as a spreadsheet does (the header is row 1)."""

    row: int
    field: str | None
    message: str

    def __str__(self) -> str:
        if self.field:
            return translate(ROW_COLUMN, row=self.row, column=self.field, message=self.message)
        return translate(ROW, row=self.row, message=self.message)


def _sku(value: str) -> str:
    if not _SKU.fullmatch(value):
        raise PydanticCustomError("sku", "must be 1 to 64 characters without whitespace")
    return value


class CatalogRow(BaseModel):
    """One product as a row declares it; a column the file lacks holds its default here."""

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
    """Category id per platform of the file's category columns; "" clears it."""

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
        return value or None

    @field_validator("image_urls")
    @classmethod
    def _http_urls(cls, urls: list[str]) -> list[str]:
        for position, url in enumerate(urls, start=1):
            if not _HTTP_URL.match(url):
                raise PydanticCustomError(
                    "image_url", "image {position} is not an http(s) URL", {"position": position}
                )
        return urls


@dataclass(frozen=True)
class Columns:
    """The columns of one file: names by position ("" for a column without a name)."""

    names: list[str]

    @property
    def present(self) -> frozenset[str]:
        return frozenset(name for name in self.names if name)

    @property
    def platforms(self) -> list[str]:
        """The platforms whose category column the file has."""
        return [n.removeprefix(CATEGORY_PREFIX) for n in self.names if _is_category(n)]


def columns_of(source: CatalogSource) -> Columns:
    """The file's columns; raises `CatalogFileError` when the header row is unusable."""

    def fail(message: str) -> CatalogFileError:
        return CatalogFileError(f"{source.path.name}: {message}")

    problem = next(filter(None, map(cell_problem, source.header)), None)
    if problem:
        raise fail(translate(HEADER_PROBLEM, problem=problem))
    names = [cell.strip().lower() for cell in source.header]
    while names and not names[-1]:
        names.pop()
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    unknown = [c for c in names if c and c not in known and not _is_category(c)]
    if unknown:
        listed = f"{', '.join((*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))}, {CATEGORY_PREFIX}<platform>"
        raise fail(translate(UNKNOWN_COLUMNS, unknown=", ".join(unknown), known=listed))
    duplicated = sorted({c for c in names if c and names.count(c) > 1})
    if duplicated:
        raise fail(translate(COLUMNS_TWICE, columns=", ".join(duplicated)))
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise fail(translate(MISSING_COLUMNS, columns=", ".join(missing)))
    grouping = [c for c in DEFAULTED_COLUMNS if c in names]
    if len(grouping) == 1:
        (lacking,) = set(DEFAULTED_COLUMNS) - set(grouping)
        raise fail(translate(GROUP_WITHOUT_VARIANT, missing=lacking))
    return Columns(names)


def _is_category(column: str) -> bool:
    platform = column.removeprefix(CATEGORY_PREFIX)
    return column.startswith(CATEGORY_PREFIX) and platform.replace("_", "").isalnum()


def cell_problem(cell: Cell) -> str | None:
    """Why a cell cannot be stored as text: a NUL byte (PostgreSQL refuses it in text), or
    bytes that are not UTF-8 (read as lone surrogates)."""
    if not isinstance(cell, str):
        return None
    if "\x00" in cell:
        return translate(NUL_BYTE)
    try:
        cell.encode("utf-8")
    except UnicodeEncodeError:
        return translate(NOT_UTF8)
    return None


@dataclass
class Conventions:
    """The number convention of each number column, decided from the whole file."""

    columns: dict[str, NumberColumn] = field(default_factory=dict)
    file_default: Convention | None = None
    """Semicolon-separated files come from an Indonesian spreadsheet."""

    def observe(self, column: str, cell: Cell) -> None:
        if isinstance(cell, str) and cell:
            self.columns.setdefault(column, NumberColumn()).observe(cell)

    def of(self, column: str) -> Convention | None:
        """A column's own convention; when it shows none, the one every other number column
        of the file agrees on, else the file's default."""
        shown = {hint for c in self.columns.values() for hint in c.hints}
        fallback = next(iter(shown)) if len(shown) == 1 else self.file_default
        return self.columns.get(column, NumberColumn()).convention(fallback)


def conventions_of(source: CatalogSource, columns: Columns) -> tuple[Conventions, int]:
    """The number conventions of the file's columns, and how many rows it has."""
    found = Conventions(file_default=Convention.INDONESIAN if source.separator == ";" else None)
    positions = [(i, n) for i, n in enumerate(columns.names) if n in NUMBER_COLUMNS]
    count = 0
    for _, cells in source.rows():
        count += 1
        if isinstance(cells, str):
            continue
        for position, name in positions:
            if position < len(cells):
                found.observe(name, cells[position])
    return found, count


def parse_row(
    number: int,
    cells: list[Cell] | str,
    columns: Columns,
    conventions: Conventions,
    first_seen: dict[str, int],
    errors: list[RowError],
) -> CatalogRow | None:
    """The validated row, or None after recording every reason it was rejected."""
    if isinstance(cells, str):
        errors.append(RowError(number, None, cells))
        return None
    names = columns.names
    if len(cells) > len(names) and any(cells[len(names) :]):
        errors.append(
            RowError(number, None, translate(TOO_MANY_CELLS, cells=len(cells), columns=len(names)))
        )
        return None
    unnamed = [i + 1 for i, n in enumerate(names) if not n and i < len(cells) and cells[i]]
    if unnamed:
        errors.append(RowError(number, None, translate(UNNAMED_COLUMN, position=unnamed[0])))
        return None
    record = {name: cells[i] if i < len(cells) else "" for i, name in enumerate(names) if name}
    unreadable = [(c, p) for c, cell in record.items() if (p := cell_problem(cell))]
    if unreadable:
        errors.extend(RowError(number, column, problem) for column, problem in unreadable)
        return None
    sku = _text(record.get("sku", ""))
    if sku in first_seen:
        errors.append(RowError(number, "sku", translate(DUPLICATE_SKU, row=first_seen[sku])))
        return None
    if sku:
        first_seen[sku] = number
    found: list[RowError] = []
    values = _row_input(number, record, conventions, found)
    try:
        row = CatalogRow.model_validate(values)
    except ValidationError as error:
        reported = {e.field for e in found}
        for item in error.errors(include_url=False):
            column = _column(item["loc"])
            if column not in reported:
                found.append(RowError(number, column, _refusal(item)))
        row = None
    errors.extend(sorted(found, key=lambda e: names.index(e.field) if e.field in names else 0))
    return None if found else row


def _row_input(
    number: int, record: dict[str, Cell], conventions: Conventions, errors: list[RowError]
) -> dict[str, Any]:
    """Cells as `CatalogRow` input: numbers read, images split, categories gathered; a cell
    that cannot be read is recorded in `errors` and left out."""
    values: dict[str, Any] = {}
    categories: dict[str, str] = {}
    for column, cell in record.items():
        if column.startswith(CATEGORY_PREFIX):
            categories[column.removeprefix(CATEGORY_PREFIX)] = _text(cell)
        elif cell == "":
            if column in REQUIRED_COLUMNS or column == "stock":
                empty = EMPTY_STOCK if column == "stock" else EMPTY
                errors.append(RowError(number, column, translate(empty)))
            elif column in CLEARABLE_COLUMNS:
                values[column] = [] if column == "image_urls" else ""
        elif column in NUMBER_COLUMNS:
            try:
                values[column] = _number(column, cell, conventions)
            except NumberError as error:
                errors.append(RowError(number, column, str(error)))
        elif column == "image_urls":
            text = _text(cell)
            values[column] = [u.strip() for u in text.split(IMAGE_SEPARATOR) if u.strip()]
        else:
            values[column] = _text(cell)
    values["categories"] = categories
    return values


def _number(column: str, cell: Cell, conventions: Conventions) -> Decimal | int:
    value = cell if isinstance(cell, Decimal) else numbers.read(cell, conventions.of(column))
    if column not in WHOLE_NUMBER_COLUMNS:
        return value
    if value != value.to_integral_value():
        raise NumberError(translate(NOT_WHOLE, value=numbers.plain(value)))
    return int(value)


def _text(cell: Cell) -> str:
    """A text column's cell: a number an xlsx cell holds is written in plain digits."""
    return cell if isinstance(cell, str) else numbers.plain(cell)


def _refusal(item: Any) -> str:
    """Why pydantic refused a cell, in the current language (`VALIDATION`)."""
    template = VALIDATION.get(item["type"])
    if template is None:
        return str(item["msg"])
    context = {key: _shown(value) for key, value in (item.get("ctx") or {}).items()}
    return translate(template, **context)


def _shown(value: Any) -> Any:
    return numbers.plain(value) if isinstance(value, Decimal) else value


def _column(loc: tuple[int | str, ...]) -> str:
    if len(loc) > 1 and loc[0] == "categories":
        return f"{CATEGORY_PREFIX}{loc[1]}"
    return str(loc[0]) if loc else "row"
