"""Catalog files as spreadsheets save them: rows of cells, whatever the file's format.

A CSV is read in the encoding its bytes show (a UTF-8 or UTF-16 byte-order mark; UTF-8 when
the bytes are valid UTF-8; Windows-1252 when they are not and hold no UTF-8 character at all)
or the one asked for, with the separator its header row uses (`;` from a spreadsheet in an
Indonesian locale, `,`, or tab from Excel's "Unicode text"). An `.xlsx` workbook is read with
openpyxl in read-only mode, its first sheet or the one named; a cell holding a number gives
a `Decimal` (as Excel shows it: 15 significant digits), every other cell text.

Every problem with the file as a whole is a `CatalogFileError` naming the file; a row that
cannot be read is yielded as the reason instead of its cells.
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import openpyxl
from lapak.sync.i18n import N_, translate
from openpyxl.utils.exceptions import InvalidFileException

Cell = str | Decimal
"""A cell: text (stripped), or a number an `.xlsx` cell holds as a number."""
Row = tuple[int, list[Cell] | str]
"""(row number as the spreadsheet counts it, the cells or why the row is unreadable)."""

# --- messages (user-facing; kept together so they can be translated) ---
# (marked with N_, translated when raised: `sync.i18n.translate`)
EMPTY_FILE = N_("the file is empty: its first row must name the columns")
NOT_A_CATALOG = N_("not a CSV or .xlsx file (%(what)s); save the catalog as .xlsx or CSV")
XLS_WORKBOOK = N_("an Excel 97-2003 workbook (.xls); save it as .xlsx or CSV")
NOT_XLSX = N_("not an .xlsx workbook (%(error)s); save the catalog as .xlsx or CSV")
NO_SHEET = N_("no sheet named %(sheet)r (sheets: %(sheets)s)")
UNKNOWN_ENCODING = N_("unknown encoding %(encoding)r (e.g. utf-8, utf-16, cp1252)")
UNDECODABLE = N_(
    "not %(encoding)s text: byte %(position)d (%(byte)s) cannot be read; try another --encoding"
)
UNREADABLE_HEADER = N_("unreadable header row: %(error)s")
UNREADABLE_ROW = N_("unreadable: %(error)s")
_MAGIC = {
    b"%PDF": N_("a PDF document"),
    b"\x89PNG": N_("a PNG image"),
    b"\xff\xd8\xff": N_("a JPEG image"),
    b"GIF8": N_("a GIF image"),
    b"\x1f\x8b": N_("a gzip archive"),
}
_OLE = b"\xd0\xcf\x11\xe0"
"""Excel 97-2003 (.xls) files are OLE compound documents."""
_ZIP = b"PK\x03\x04"
_SEPARATORS = (";", ",", "\t")
_UTF8_CHARACTER = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
"""One well-formed multi-byte UTF-8 character."""
EXCEL_DIGITS = 15
"""Excel keeps and shows 15 significant digits: a computed 16500.000000000002 is 16500."""


class CatalogFileError(ValueError):
    """The file as a whole cannot be imported; the message starts with the file's name."""


@dataclass(frozen=True)
class CatalogSource:
    """A catalog file opened for reading: its header and, as often as asked, its rows."""

    path: Path
    header: list[str]
    separator: str | None
    """The CSV separator; None for a workbook."""
    _rows: Callable[[], Iterator[Row]]

    def rows(self) -> Iterator[Row]:
        """The data rows after the header; rows with no value at all are skipped."""
        return self._rows()


def open_source(
    path: Path, *, encoding: str | None = None, sheet: str | None = None
) -> CatalogSource:
    """Open the catalog at `path` and read its header; raises `CatalogFileError`."""
    path = Path(path)
    with path.open("rb") as handle:
        start = handle.read(8)
    if not start:
        raise _error(path, translate(EMPTY_FILE))
    if start.startswith(_ZIP):
        return _open_workbook(path, sheet)
    if start.startswith(_OLE):
        raise _error(path, translate(XLS_WORKBOOK))
    for magic, what in _MAGIC.items():
        if start.startswith(magic):
            raise _error(path, translate(NOT_A_CATALOG, what=translate(what)))
    return _open_csv(path, encoding)


def _error(path: Path, message: str) -> CatalogFileError:
    return CatalogFileError(f"{path.name}: {message}")


# --- CSV -------------------------------------------------------------------------------------


def _open_csv(path: Path, asked: str | None) -> CatalogSource:
    """The rows are read from the file on each pass, never held: a text copy of a 100,000-SKU
    catalog (24 MB) and the StringIO over it (4 bytes a character) took more memory than the
    whole import besides."""
    encoding, errors = _encoding(path, path.read_bytes(), asked)

    def text() -> TextIO:
        return path.open(encoding=encoding, errors=errors, newline="")

    with text() as handle:
        first_line = handle.readline().lstrip("\ufeff")
    if not first_line.strip():
        raise _error(path, translate(EMPTY_FILE))
    separator = max(_SEPARATORS, key=first_line.count) if _any_of(first_line) else ","
    try:
        with text() as handle:
            header = next(csv.reader(_without_bom(handle), delimiter=separator))
    except csv.Error as error:
        raise _error(path, translate(UNREADABLE_HEADER, error=error)) from None
    return CatalogSource(
        path, [cell.strip() for cell in header], separator, lambda: _csv_rows(text, separator)
    )


def _without_bom(handle: TextIO) -> Iterator[str]:
    """The lines of a text file, byte-order marks before its first character dropped."""
    lines = iter(handle)
    first = next(lines, "")
    yield first.lstrip("\ufeff")
    yield from lines


def _any_of(line: str) -> bool:
    return any(separator in line for separator in _SEPARATORS)


def _encoding(path: Path, data: bytes, asked: str | None) -> tuple[str, str]:
    """The encoding and error handler that read `data`: the one asked for (bytes it cannot
    read are a file error), else the one its bytes show."""
    if asked:
        try:
            codecs.lookup(asked)
        except LookupError:
            raise _error(path, translate(UNKNOWN_ENCODING, encoding=asked)) from None
        _strictly(path, data, asked)
        return asked, "strict"
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "surrogateescape"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        _strictly(path, data, "utf-16")  # Excel's "Unicode text"
        return "utf-16", "strict"
    try:
        data.decode("utf-8")
        return "utf-8", "strict"
    except UnicodeDecodeError:
        pass
    if _UTF8_CHARACTER.search(data):
        # UTF-8 with a few bad bytes: they are kept as lone surrogates and reported on
        # their rows, instead of every UTF-8 character turning into two wrong ones.
        return "utf-8", "surrogateescape"
    # No UTF-8 character at all: Windows-1252, as Excel on Windows saves "CSV"; the five
    # bytes it leaves undefined read as their Latin-1 characters.
    return "cp1252", "lapak-latin1"


def _strictly(path: Path, data: bytes, encoding: str) -> None:
    try:
        data.decode(encoding)
    except UnicodeDecodeError as error:
        byte = data[error.start : error.start + 1].hex()
        message = translate(UNDECODABLE, encoding=encoding, position=error.start + 1, byte=byte)
        raise _error(path, message) from None


def _latin1(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("lapak-latin1", _latin1)


def _csv_rows(text: Callable[[], TextIO], separator: str) -> Iterator[Row]:
    with text() as handle:
        reader = csv.reader(_without_bom(handle), delimiter=separator)
        next(reader, None)  # the header
        number = 1
        while True:
            number += 1  # a record is one spreadsheet row, even with line breaks in a cell
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:  # e.g. a cell longer than the csv module's field limit
                yield number, translate(UNREADABLE_ROW, error=error)
                continue
            stripped: list[Cell] = [cell.strip() for cell in cells]
            if any(stripped):
                yield number, stripped


# --- xlsx ------------------------------------------------------------------------------------


def _load(path: Path) -> Any:
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise _error(
            path, translate(NOT_XLSX, error=str(error).strip("'\"") or type(error).__name__)
        ) from None


def _worksheet(path: Path, workbook: Any, sheet: str | None) -> Any:
    if sheet is None:
        return workbook.worksheets[0]
    if sheet not in workbook.sheetnames:
        names = ", ".join(workbook.sheetnames)
        raise _error(path, translate(NO_SHEET, sheet=sheet, sheets=names))
    return workbook[sheet]


def _open_workbook(path: Path, sheet: str | None) -> CatalogSource:
    workbook = _load(path)
    try:
        worksheet = _worksheet(path, workbook, sheet)
        first = next(worksheet.iter_rows(values_only=True), None)
    finally:
        workbook.close()
    header = [_text_of(value) for value in first or ()]
    if not any(header):
        raise _error(path, EMPTY_FILE)
    return CatalogSource(path, header, None, lambda: _sheet_rows(path, sheet))


def _sheet_rows(path: Path, sheet: str | None) -> Iterator[Row]:
    workbook = _load(path)
    try:
        worksheet = _worksheet(path, workbook, sheet)
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            if number == 1:
                continue
            cells = [_cell(value) for value in values]
            if any(cells):
                yield number, cells
    finally:
        workbook.close()


def _cell(value: object) -> Cell:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return _text_of(value)
    if isinstance(value, float):
        return Decimal(f"{value:.{EXCEL_DIGITS}g}")
    return Decimal(value)


def _text_of(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.{EXCEL_DIGITS}g}"
    return str(value).strip()
