"""The catalog import on bad files: every bad row is reported with its row and field, every
good row still imports, on SQLite and PostgreSQL; nothing escapes but a file-level
`CatalogFileError`."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import strategies as st
from lapak.sync.catalog import CatalogFileError, RowError, import_catalog
from lapak.sync.store.db import Database
from lapak.sync.store.models import Merchant, Product
from sqlalchemy import select

from tests.fuzz.harness import boundary
from tests.fuzz.payloads import NASTY_SCALARS


@pytest.fixture(autouse=True, scope="module")
def english_messages() -> Iterator[None]:
    """These tests read the messages' English wording (the default is Bahasa Indonesia)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAPAK_LANG", "en")
        yield


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
    "category_shopee",
)
HEADER = ",".join(COLUMNS).encode()
_cases = itertools.count()


@pytest.fixture
def merchant(db: Database) -> int:
    with db.session() as session:
        row = Merchant(name="Batik Sekar")
        session.add(row)
        session.flush()
        return row.id


@pytest.fixture
def catalog_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("catalog")


def skus(db: Database, merchant: int) -> set[str]:
    with db.session() as session:
        query = select(Product.sku).where(Product.merchant_id == merchant)
        return set(session.scalars(query))


def write(directory: Path, *rows: bytes) -> Path:
    path = directory / f"catalog-{next(_cases)}.csv"
    path.write_bytes(b"\n".join((HEADER, *rows)) + b"\n")
    return path


def test_a_nul_byte_in_one_cell_is_a_row_error_and_the_good_rows_import(
    db: Database, merchant: int, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        b"KOPI-1,Kopi,45000,3,250,,,,,",
        b"KOPI-2,Ko\x00pi,45000,3,250,,,,,",
        b"KOPI-3,Kopi,45000,3,250,,,,,",
    )
    report = import_catalog(db, merchant, path)
    assert report.errors == [RowError(3, "name", "contains a NUL byte")]
    assert skus(db, merchant) == {"KOPI-1", "KOPI-3"}


def test_bytes_that_are_not_utf8_a_stock_beyond_the_column_and_a_huge_cell_are_row_errors(
    db: Database, merchant: int, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        b"KOPI-1,Kopi \xff\xfe,45000,3,250,,,,,",
        b"KOPI-2,Kopi,45000,2147483648,250,,,,,",
        b'KOPI-3,Kopi,45000,3,250,"' + b"x" * 200_000 + b'",,,,',
        b"KOPI-4,Kopi Gayo \xe2\x80\x93 250 g,45000,3,250,,,,,",  # UTF-8: the file is UTF-8
    )
    report = import_catalog(db, merchant, path)
    assert [(e.row, e.field) for e in report.errors] == [(2, "name"), (3, "stock"), (4, None)]
    assert "not UTF-8" in report.errors[0].message
    assert "field larger than field limit" in report.errors[2].message
    assert skus(db, merchant) == {"KOPI-4"}


def test_a_nul_byte_in_the_header_is_a_file_error(
    db: Database, merchant: int, tmp_path: Path
) -> None:
    path = tmp_path / "catalog.csv"
    path.write_bytes(b"sku,na\x00me,price,weight_grams\n")
    with pytest.raises(CatalogFileError, match="header row contains a NUL byte"):
        import_catalog(db, merchant, path)


# --- fuzzing ---------------------------------------------------------------------------------

cell_text = st.one_of(
    st.sampled_from([str(v) for v in NASTY_SCALARS if not isinstance(v, list | dict)]),
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
cell = st.one_of(
    cell_text.map(lambda t: t.encode("utf-8", errors="surrogatepass")),
    st.binary(max_size=20),
)
bad_row = st.one_of(
    st.lists(cell, min_size=1, max_size=len(COLUMNS) + 2).map(b",".join),
    st.binary(max_size=80),
)


@st.composite
def catalogs(draw: st.DrawFn) -> tuple[list[bytes], list[str]]:
    """Rows of a catalog, good and bad mixed; and the SKUs of the good ones."""
    case = next(_cases)
    good = [f"GOOD-{case}-{i}" for i in range(draw(st.integers(0, 3)))]
    rows = [f"{sku},Kopi Gayo,45000,3,250,,,,,".encode() for sku in good]
    rows += draw(st.lists(bad_row, max_size=4))
    return draw(st.permutations(rows)), good


@boundary(
    "catalog.import",
    catalogs(),
    allowed=(CatalogFileError,),
    fixtures=("db", "merchant", "catalog_dir"),
)
def test_catalog_import(
    case: tuple[list[bytes], list[str]], db: Database, merchant: int, catalog_dir: Path
) -> None:
    rows, good = case
    report = import_catalog(db, merchant, write(catalog_dir, *rows))
    if not any(row.count(b'"') % 2 for row in rows):  # an open quote takes the next lines in
        assert set(good) <= skus(db, merchant), report.errors
    for error in report.errors:
        assert error.row >= 2 and error.message
