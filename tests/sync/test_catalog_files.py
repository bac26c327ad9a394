"""Catalog files as MSMEs keep them: spreadsheets saved in an Indonesian locale, in any of the
encodings Excel writes, as .xlsx; columns left out; and the export that reads back unchanged."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from lapak.sync.catalog import CatalogFileError, import_catalog, set_stock
from lapak.sync.catalog_export import export_catalog
from lapak.sync.store.db import Database
from lapak.sync.store.models import Merchant, Product
from sqlalchemy import select


@pytest.fixture(autouse=True, scope="module")
def english_messages() -> Iterator[None]:
    """These tests read the messages' English wording (the default is Bahasa Indonesia)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAPAK_LANG", "en")
        yield


REPOSITORY = Path(__file__).resolve().parents[2]
INDONESIAN = (
    "sku;name;price;weight_grams;stock\n"
    "KOPI-1;Kopi Gayo;15.000;1.000;1.200\n"
    "KAOS-M;Kaos Batik Dewasa;Rp 85.000,50;250;3\n"
    "SAMBAL;Sambal Roa;Rp45.000,-;350;12\n"
)


@pytest.fixture
def merchant(db: Database) -> int:
    return _merchant(db)


@pytest.fixture
def sqlite_merchant(sqlite_db: Database) -> int:
    return _merchant(sqlite_db)


def _merchant(db: Database) -> int:
    with db.session() as session:
        row = Merchant(name="Batik Sekar")
        session.add(row)
        session.flush()
        return row.id


def products(db: Database, merchant: int) -> dict[str, Product]:
    with db.session() as session:
        rows = session.scalars(select(Product).where(Product.merchant_id == merchant))
        return {p.sku: p for p in rows}


def counts(db: Database, merchant: int) -> dict[str, tuple[Decimal, int, int]]:
    return {sku: (p.price, p.weight_grams, p.on_hand) for sku, p in products(db, merchant).items()}


INDONESIAN_VALUES = {
    "KOPI-1": (Decimal(15000), 1000, 1200),
    "KAOS-M": (Decimal("85000.50"), 250, 3),
    "SAMBAL": (Decimal(45000), 350, 12),
}


def test_an_indonesian_spreadsheet_reads_fifteen_thousand_as_fifteen_thousand(
    sqlite_db: Database, sqlite_merchant: int, tmp_path: Path
) -> None:
    path = tmp_path / "katalog.csv"
    path.write_text(INDONESIAN, encoding="utf-8")
    report = import_catalog(sqlite_db, sqlite_merchant, path)
    assert (report.created, report.errors) == (3, [])
    assert counts(sqlite_db, sqlite_merchant) == INDONESIAN_VALUES


@pytest.mark.parametrize(
    ("encoding", "separator"),
    [
        ("utf-8", ";"),
        ("utf-8-sig", ";"),
        ("utf-16", "\t"),  # Excel's "Unicode text": UTF-16 with a BOM, tab-separated
        ("cp1252", ";"),  # Excel's "CSV" on Windows
    ],
)
def test_every_encoding_excel_writes(
    sqlite_db: Database, sqlite_merchant: int, tmp_path: Path, encoding: str, separator: str
) -> None:
    text = INDONESIAN.replace("Kopi Gayo", "Kopi Gayo – Café").replace(";", separator)
    path = tmp_path / "katalog.csv"
    path.write_bytes(text.encode(encoding))
    report = import_catalog(sqlite_db, sqlite_merchant, path)
    assert (report.created, report.errors) == (3, [])
    stored = products(sqlite_db, sqlite_merchant)
    assert stored["KOPI-1"].name == "Kopi Gayo – Café"
    assert counts(sqlite_db, sqlite_merchant) == INDONESIAN_VALUES


def test_latin1_bytes_windows_1252_leaves_undefined_still_read(
    sqlite_db: Database, sqlite_merchant: int, tmp_path: Path
) -> None:
    path = tmp_path / "katalog.csv"
    path.write_bytes(b"sku;name;price;weight_grams\nA;Caf\xe9 \x81;1.000;100\n")
    report = import_catalog(sqlite_db, sqlite_merchant, path)
    assert report.errors == []
    assert products(sqlite_db, sqlite_merchant)["A"].name == "Café \x81"


def test_an_encoding_asked_for_that_does_not_fit_is_one_file_error(
    sqlite_db: Database, sqlite_merchant: int, tmp_path: Path
) -> None:
    path = tmp_path / "katalog.csv"
    path.write_bytes(INDONESIAN.replace("Kopi", "Kopi Caf\xe9").encode("cp1252"))
    with pytest.raises(
        CatalogFileError, match=r"^katalog\.csv: not utf-8 text: byte \d+ \(e9\) cannot be read"
    ):
        import_catalog(sqlite_db, sqlite_merchant, path, encoding="utf-8")
    with pytest.raises(CatalogFileError, match=r"unknown encoding 'klingon'"):
        import_catalog(sqlite_db, sqlite_merchant, path, encoding="klingon")
    assert products(sqlite_db, sqlite_merchant) == {}
    report = import_catalog(sqlite_db, sqlite_merchant, path, encoding="cp1252")
    assert products(sqlite_db, sqlite_merchant)["KOPI-1"].name == "Kopi Café Gayo"
    assert report.created == 3


def test_an_ambiguous_price_is_rejected_with_both_readings_and_the_rest_imports(
    sqlite_db: Database, sqlite_merchant: int, tmp_path: Path
) -> None:
    path = tmp_path / "katalog.csv"
    path.write_text(
        "sku,name,price,weight_grams\nA,Apel,15000.50,100\nB,Bayam,2500.75,100\nC,Cabai,1.500,100\n"
    )
    report = import_catalog(sqlite_db, sqlite_merchant, path)
    assert [str(e) for e in report.errors] == [
        "row 4: price: '1.500' reads as 1500 or 1.5; write 1500 or 1,5"
    ]
    assert set(products(sqlite_db, sqlite_merchant)) == {"A", "B"}


def test_a_comma_file_without_a_hint_does_not_guess_but_a_semicolon_file_is_indonesian(
    sqlite_db: Database, sqlite_merchant: int, tmp_path: Path
) -> None:
    comma = tmp_path / "comma.csv"
    comma.write_text("sku,name,price,weight_grams\nA,Apel,15.000,100\n")
    report = import_catalog(sqlite_db, sqlite_merchant, comma)
    assert [(e.row, e.field) for e in report.errors] == [(2, "price")]
    assert "reads as 15000 or 15" in report.errors[0].message
    semicolon = tmp_path / "semicolon.csv"
    semicolon.write_text("sku;name;price;weight_grams\nA;Apel;15.000;100\n")
    assert import_catalog(sqlite_db, sqlite_merchant, semicolon).errors == []
    assert products(sqlite_db, sqlite_merchant)["A"].price == Decimal(15000)


def test_a_workbook_with_numbers_as_numbers_and_numbers_as_text(
    sqlite_db: Database, sqlite_merchant: int, tmp_path: Path
) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.title = "Petunjuk"
    workbook.active.append(["Isi lembar Katalog"])
    sheet = workbook.create_sheet("Katalog")
    sheet.append(["SKU", "Name", "Price", "Weight_Grams", "Stock", "Category_Shopee", None])
    sheet.append(["KOPI-1", "Kopi Gayo", 15000, 1000, 1200, 100644, None])
    sheet.append(["KAOS-M", "Kaos", 85000.5, 250.0, 3, "100017", None])
    sheet.append([None] * 6)
    sheet.append(["TEH", "Teh", "Rp 12.500", "1.000", 16500.000000000002, None, None])
    sheet.append(["HALF", "Setengah", 1000, 100, 2.5, None, None])
    path = tmp_path / "katalog.xlsx"
    workbook.save(path)

    with pytest.raises(CatalogFileError, match=r"unknown columns: isi lembar katalog"):
        import_catalog(sqlite_db, sqlite_merchant, path)  # the first sheet is the notes
    with pytest.raises(CatalogFileError, match=r"no sheet named 'Sheet1' \(sheets: Petunjuk"):
        import_catalog(sqlite_db, sqlite_merchant, path, sheet="Sheet1")
    report = import_catalog(sqlite_db, sqlite_merchant, path, sheet="Katalog")

    assert [str(e) for e in report.errors] == ["row 6: stock: 2.5 is not a whole number"]
    stored = products(sqlite_db, sqlite_merchant)
    assert counts(sqlite_db, sqlite_merchant) == {
        "KOPI-1": (Decimal(15000), 1000, 1200),
        "KAOS-M": (Decimal("85000.50"), 250, 3),
        "TEH": (Decimal(12500), 1000, 16500),  # as Excel shows a computed 16500.000000000002
    }
    assert stored["KOPI-1"].categories == {"shopee": "100644"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"%PDF-1.7\n...", r"not a CSV or \.xlsx file \(a PDF document\)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", r"an Excel 97-2003 workbook \(\.xls\)"),
        (b"PK\x03\x04 not really a zip", r"not an \.xlsx workbook"),
        (b"sku;name;price;weight_grams;name\n", "columns appear twice: name"),
        (b"sku;name;price;group_sku\n", "missing required columns: weight_grams"),
        (
            b"sku;name;price;weight_grams;group_sku\n",
            "group_sku and variant_name go together: add the variant_name column",
        ),
    ],
    ids=["empty", "pdf", "xls", "bad-zip", "twice", "missing", "group-alone"],
)
def test_file_problems_are_one_located_error_and_nothing_is_lost(
    sqlite_db: Database, sqlite_merchant: int, tmp_path: Path, content: bytes, message: str
) -> None:
    good = tmp_path / "good.csv"
    good.write_text(INDONESIAN)
    import_catalog(sqlite_db, sqlite_merchant, good)
    path = tmp_path / "katalog.csv"
    path.write_bytes(content)
    with pytest.raises(CatalogFileError, match=rf"^katalog\.csv: {message}") as caught:
        import_catalog(sqlite_db, sqlite_merchant, path)
    assert "\n" not in str(caught.value)
    assert counts(sqlite_db, sqlite_merchant) == INDONESIAN_VALUES


FULL = (
    "sku;name;price;stock;weight_grams;description;group_sku;variant_name;image_urls;"
    "category_shopee;category_lazada\n"
    "TS-M;Kaos Batik M;85.000;3;200;Katun;TS;M;https://img.example.com/ts.jpg;100017;4401\n"
    "TS-L;Kaos Batik L;85.000;4;210;Katun;TS;L;https://img.example.com/ts.jpg;100017;4401\n"
)


def test_columns_left_out_keep_what_is_stored(db: Database, merchant: int, tmp_path: Path) -> None:
    full = tmp_path / "full.csv"
    full.write_text(FULL)
    import_catalog(db, merchant, full)
    short = tmp_path / "short.csv"
    short.write_text(
        "sku;name;price;weight_grams;stock;category_shopee\n"
        "TS-M;Kaos Batik M;90.000;200;3;\n"
        "TS-L;Kaos Batik L;85.000;210;4;100018\n"
    )

    report = import_catalog(db, merchant, short)

    assert (report.updated, report.unchanged, report.errors) == (2, 0, [])
    stored = products(db, merchant)
    for sku, variant in (("TS-M", "M"), ("TS-L", "L")):
        product = stored[sku]
        assert (product.description, product.group_sku, product.variant_name) == (
            "Katun",
            "TS",
            variant,
        )
        assert product.image_urls == ["https://img.example.com/ts.jpg"]
    assert stored["TS-M"].categories == {"lazada": "4401"}  # shopee's cleared, lazada's kept
    assert stored["TS-L"].categories == {"shopee": "100018", "lazada": "4401"}
    assert stored["TS-M"].price == Decimal(90000)
    cleared = tmp_path / "cleared.csv"
    cleared.write_text("sku;name;price;weight_grams;description;image_urls\nTS-M;Kaos;1;1;;\n")
    assert import_catalog(db, merchant, cleared).updated == 1
    product = products(db, merchant)["TS-M"]
    assert (product.description, product.image_urls, product.on_hand) == ("", [], 3)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_export_imports_back_unchanged(
    db: Database, merchant: int, tmp_path: Path, suffix: str
) -> None:
    full = tmp_path / "full.csv"
    full.write_text(
        FULL
        + "KOPI;Kopi Gayo;45.000,50;12;1.000;Arabika;;;;;\n"
        + 'MIE;Mi Aceh;0012,5;0;150;"Pedas;\n""gurih""";;;;00123;\n'
    )
    assert import_catalog(db, merchant, full).errors == []
    set_stock(db, merchant, "KOPI", 7)
    before = {sku: p.updated_at for sku, p in products(db, merchant).items()}
    exported = tmp_path / f"katalog{suffix}"

    assert export_catalog(db, merchant, exported) == 4

    report = import_catalog(db, merchant, exported)
    assert (report.created, report.updated, report.unchanged, report.errors) == (0, 0, 4, [])
    assert {sku: p.updated_at for sku, p in products(db, merchant).items()} == before
    if suffix == ".csv":
        data = exported.read_bytes()
        assert data.startswith(codecs.BOM_UTF8)
        assert b"KOPI;Kopi Gayo;45000,5;7;1000;Arabika;KOPI;;;;" in data
    stored = products(db, merchant)
    assert stored["MIE"].categories == {"shopee": "00123"}
    assert stored["MIE"].description == 'Pedas;\n"gurih"'


def test_the_sample_catalog_imports_cleanly(sqlite_db: Database, sqlite_merchant: int) -> None:
    sample = REPOSITORY / "config" / "catalog.example.csv"
    report = import_catalog(sqlite_db, sqlite_merchant, sample)
    assert (report.errors, report.created) == ([], 7)
    stored = products(sqlite_db, sqlite_merchant)
    assert {p.group_sku for p in stored.values() if p.variant_name} == {"BTK-PARANG"}
    assert stored["KOPI-GAYO-1KG"].weight_grams == 1050
    assert stored["KERIPIK-TEMPE"].on_hand == 1200
    assert stored["SAMBAL-ROA"].price == Decimal(45000)
    assert all(p.image_urls for p in stored.values())
