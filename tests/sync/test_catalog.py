from __future__ import annotations

from collections.abc import Collection, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from lapak.sync import changes
from lapak.sync.catalog import CatalogFileError, RowError, import_catalog, set_stock
from lapak.sync.store.db import Database
from lapak.sync.store.models import Listing, Merchant, Product, Store
from sqlalchemy import select
from sqlalchemy.orm import Session


@pytest.fixture(autouse=True, scope="module")
def english_messages() -> Iterator[None]:
    """These tests read the messages' English wording (the default is Bahasa Indonesia)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAPAK_LANG", "en")
        yield


HEADER = (
    "sku,name,price,stock,weight_grams,description,group_sku,variant_name,image_urls,"
    "category_shopee"
)

CATALOG = f"""{HEADER}
KOPI-250,Kopi Gayo 250 g,45000,12,260,Arabika,,,https://img.example.id/kopi.jpg,100644
TS-M,Kaos Batik M,85000.50,3,200,,TS,M,https://img.example.id/ts-1.jpg|https://img.example.id/ts-2.jpg,100017
TS-L,Kaos Batik L,85000.50,0,200,,TS,L,,100017
"""


@pytest.fixture
def merchant(db: Database) -> int:
    with db.session() as session:
        row = Merchant(name="Batik Sekar")
        session.add(row)
        session.flush()
        return row.id


@pytest.fixture
def changed_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[int], bool]]:
    """Records each `products_changed` call: the ids and whether the import's own transaction
    already shows those products; the real function still runs."""
    calls: list[tuple[list[int], bool]] = []
    real = changes.products_changed

    def spy(session: Session, product_ids: Collection[int]) -> set[int]:
        ids = sorted(product_ids)
        visible = session.scalars(select(Product.id).where(Product.id.in_(ids))).all()
        calls.append((ids, session.in_transaction() and sorted(visible) == ids))
        return real(session, product_ids)

    monkeypatch.setattr(changes, "products_changed", spy)
    return calls


def write(tmp_path: Path, text: str, name: str = "catalog.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def products(db: Database, merchant: int) -> dict[str, Product]:
    with db.session() as session:
        rows = session.scalars(select(Product).where(Product.merchant_id == merchant))
        return {p.sku: p for p in rows}


def test_good_rows_are_imported(db: Database, merchant: int, tmp_path: Path, changed_calls) -> None:
    report = import_catalog(db, merchant, write(tmp_path, CATALOG))

    assert (report.created, report.updated, report.unchanged, report.errors) == (3, 0, 0, [])
    stored = products(db, merchant)
    assert sorted(report.changed_product_ids) == sorted(p.id for p in stored.values())
    kopi = stored["KOPI-250"]
    assert (kopi.name, kopi.price, kopi.on_hand, kopi.weight_grams) == (
        "Kopi Gayo 250 g",
        Decimal("45000.00"),
        12,
        260,
    )
    assert (kopi.group_sku, kopi.variant_name, kopi.description) == ("KOPI-250", None, "Arabika")
    assert kopi.image_urls == ["https://img.example.id/kopi.jpg"]
    assert kopi.categories == {"shopee": "100644"}
    assert stored["TS-M"].image_urls == [
        "https://img.example.id/ts-1.jpg",
        "https://img.example.id/ts-2.jpg",
    ]
    assert stored["TS-L"].on_hand == 0
    assert [visible for _, visible in changed_calls] == [True]
    assert changed_calls[0][0] == sorted(report.changed_product_ids)


def test_variants_share_a_group_and_need_a_variant_name(
    db: Database, merchant: int, tmp_path: Path
) -> None:
    text = CATALOG + "TS-XL,Kaos Batik XL,90000,1,210,,TS,,,100017\n"
    report = import_catalog(db, merchant, write(tmp_path, text))

    assert report.errors == [
        RowError(5, "variant_name", "required when group_sku differs from sku")
    ]
    stored = products(db, merchant)
    assert {sku: (p.group_sku, p.variant_name) for sku, p in stored.items()} == {
        "KOPI-250": ("KOPI-250", None),
        "TS-M": ("TS", "M"),
        "TS-L": ("TS", "L"),
    }


def test_bad_rows_are_reported_and_good_rows_still_import(
    db: Database, merchant: int, tmp_path: Path
) -> None:
    text = f"""{HEADER}
GOOD-1,Good,1000,1,100,,,,,
bad sku,Spaced,-5,x,0,,,,ftp://img/a.jpg,
GOOD-2,Good too,2000,2,100,,,,,

NO-NAME,,10.555,1,100,,,,,
HALF,Half,10.5,1.5,100,,,,,
"""
    report = import_catalog(db, merchant, write(tmp_path, text))

    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert [str(e) for e in report.errors] == [
        "row 3: sku: must be 1 to 64 characters without whitespace",
        "row 3: price: must be 0 or more",
        "row 3: stock: 'x' is not a number",
        "row 3: weight_grams: must be more than 0",
        "row 3: image_urls: image 1 is not an http(s) URL",
        "row 6: name: is empty; every product needs one",
        "row 6: price: '10.555' reads as 10555 or 10.555; write 10555 (without a separator)",
        "row 7: stock: 1.5 is not a whole number",
    ]
    assert set(products(db, merchant)) == {"GOOD-1", "GOOD-2"}


def test_a_row_with_more_cells_than_the_header_is_rejected(
    db: Database, merchant: int, tmp_path: Path
) -> None:
    text = "sku,name,price,weight_grams\nA,Apel,1000,100,extra\nB,Bayam,500,100,,\n"
    report = import_catalog(db, merchant, write(tmp_path, text))
    assert report.errors == [RowError(2, None, "has 5 cells, the header has 4 columns")]
    assert report.created == 1


def test_duplicate_sku_in_the_file_is_reported_at_the_later_row(
    db: Database, merchant: int, tmp_path: Path
) -> None:
    text = CATALOG + "KOPI-250,Kopi lagi,1,1,1,,,,,\n"
    report = import_catalog(db, merchant, write(tmp_path, text))

    assert report.errors == [RowError(5, "sku", "duplicate sku, first seen at row 2")]
    assert products(db, merchant)["KOPI-250"].name == "Kopi Gayo 250 g"


def test_reimporting_the_same_file_changes_nothing(
    db: Database, merchant: int, tmp_path: Path, changed_calls
) -> None:
    path = write(tmp_path, CATALOG)
    import_catalog(db, merchant, path)
    before = {sku: p.updated_at for sku, p in products(db, merchant).items()}

    report = import_catalog(db, merchant, path)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert report.changed_product_ids == []
    assert len(changed_calls) == 1  # only the first import
    assert {sku: p.updated_at for sku, p in products(db, merchant).items()} == before


def test_a_changed_price_is_an_update(
    db: Database, merchant: int, tmp_path: Path, changed_calls
) -> None:
    import_catalog(db, merchant, write(tmp_path, CATALOG))
    kopi_id = products(db, merchant)["KOPI-250"].id
    changed = CATALOG.replace("KOPI-250,Kopi Gayo 250 g,45000,", "KOPI-250,Kopi Gayo 250 g,47500,")

    report = import_catalog(db, merchant, write(tmp_path, changed, "changed.csv"))

    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert report.changed_product_ids == [kopi_id]
    assert changed_calls[-1] == ([kopi_id], True)
    assert products(db, merchant)["KOPI-250"].price == Decimal("47500.00")


def test_a_file_without_a_stock_column_keeps_the_counted_stock(
    db: Database, merchant: int, tmp_path: Path
) -> None:
    path = write(tmp_path, CATALOG)
    import_catalog(db, merchant, path)
    ts_l = set_stock(db, merchant, "TS-L", 9)
    without_stock = "sku,name,price,weight_grams\nTS-L,Kaos Batik L,85000.50,200\n"

    report = import_catalog(db, merchant, write(tmp_path, without_stock, "no-stock.csv"))

    assert (report.updated, report.unchanged) == (0, 1)
    assert products(db, merchant)["TS-L"].on_hand == 9
    assert products(db, merchant)["TS-L"].id == ts_l
    empty_cell = "sku,name,price,stock,weight_grams\nTS-L,Kaos Batik L,85000.50,,200\n"
    report = import_catalog(db, merchant, write(tmp_path, empty_cell, "empty-stock.csv"))
    assert [str(e) for e in report.errors] == [
        "row 2: stock: is empty; write 0 for none, or leave the stock column out to keep "
        "stored stock"
    ]
    assert products(db, merchant)["TS-L"].on_hand == 9
    restocked = CATALOG.replace(
        "KOPI-250,Kopi Gayo 250 g,45000,12,", "KOPI-250,Kopi Gayo 250 g,45000,0,"
    )
    report = import_catalog(db, merchant, write(tmp_path, restocked, "restock.csv"))
    assert report.updated == 2  # KOPI-250, and TS-L: counted 9, the file says 0
    assert products(db, merchant)["KOPI-250"].on_hand == 0


def test_unknown_columns_are_named_and_nothing_is_imported(
    db: Database, merchant: int, tmp_path: Path
) -> None:
    text = "sku,name,price,weight_grams,colour,Harga Grosir\nA,Apel,1000,100,red,900\n"
    with pytest.raises(
        CatalogFileError, match=r"catalog\.csv: unknown columns: colour, harga grosir"
    ):
        import_catalog(db, merchant, write(tmp_path, text))
    assert products(db, merchant) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"catalog\.csv: the file is empty: its first row must name the columns"),
        ("\n\nA,Apel\n", r"catalog\.csv: the file is empty: its first row must name the columns"),
        ("sku,name,price\nA,Apel,1\n", r"catalog\.csv: missing required columns: weight_grams"),
        ("sku,name,price,weight_grams,name\n", r"catalog\.csv: columns appear twice: name"),
    ],
    ids=["empty", "blank-first-line", "missing", "twice"],
)
def test_unusable_headers(
    db: Database, merchant: int, tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(CatalogFileError, match=message):
        import_catalog(db, merchant, write(tmp_path, text))


def test_spreadsheet_exports_with_bom_and_semicolons(
    db: Database, merchant: int, tmp_path: Path
) -> None:
    text = "SKU;Name;Price;Weight_Grams;Category_Tokopedia\nA-1;Apel;1000;100;55\n"
    report = import_catalog(db, merchant, write(tmp_path, text, encoding="utf-8-sig"))
    assert (report.created, report.errors) == (1, [])
    assert products(db, merchant)["A-1"].categories == {"tokopedia": "55"}


def test_chunks_report_progress_and_each_marks_its_products(
    db: Database, merchant: int, tmp_path: Path, changed_calls
) -> None:
    rows = "".join(f"S{i},Item {i},{1000 + i},1,100,,,,,\n" for i in range(5))
    seen: list[tuple[int, int]] = []

    report = import_catalog(
        db,
        merchant,
        write(tmp_path, HEADER + "\n" + rows),
        progress=lambda done, total: seen.append((done, total)),
        chunk_size=2,
    )

    assert seen == [(2, 5), (4, 5), (5, 5)]
    assert report.created == 5
    assert [len(ids) for ids, _ in changed_calls] == [2, 2, 1]
    assert all(visible for _, visible in changed_calls)


def test_import_creates_the_listings_of_every_store(
    db: Database, merchant: int, tmp_path: Path
) -> None:
    with db.session() as session:
        store = Store(name="shop-a", platform="shopee", merchant_id=merchant)
        session.add(store)
        session.flush()
        store_id = store.id

    report = import_catalog(db, merchant, write(tmp_path, CATALOG))

    assert report.stores_due == {store_id}
    with db.session() as session:
        listed = session.scalars(select(Listing.product_id).where(Listing.store_id == store_id))
        assert sorted(listed) == sorted(report.changed_product_ids)


def test_set_stock(db: Database, merchant: int, tmp_path: Path, changed_calls) -> None:
    import_catalog(db, merchant, write(tmp_path, CATALOG))

    product_id = set_stock(db, merchant, "TS-M", 40)

    assert products(db, merchant)["TS-M"].on_hand == 40
    assert changed_calls[-1] == ([product_id], True)
    with pytest.raises(LookupError, match="unknown sku 'NOPE'"):
        set_stock(db, merchant, "NOPE", 1)
    with pytest.raises(ValueError, match="cannot be negative"):
        set_stock(db, merchant, "TS-M", -1)


def test_unknown_merchant(db: Database, tmp_path: Path) -> None:
    with pytest.raises(LookupError, match="no merchant with id 999"):
        import_catalog(db, 999, write(tmp_path, CATALOG))
