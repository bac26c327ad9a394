"""Catalog import throughput on a fresh SQLite database.

Writes an N-row catalog CSV (every fifth group is a product with three to five variants),
imports it, then imports it again (every row unchanged), and prints rows/s and seconds for
both. Usage:

    python benchmarks/catalog_import.py --rows 100000 [--stores 2]

`--stores` adds enabled stores to the merchant, so the import also creates their listings.
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from lapak.sync.catalog import import_catalog
from lapak.sync.store.db import Database
from lapak.sync.store.models import Merchant, Store

COLUMNS = [
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
]
COLOURS = ["Merah", "Biru", "Hitam", "Putih", "Hijau"]


def catalog_rows(count: int, seed: int = 7) -> Iterator[list[str]]:
    """`count` rows: single products, and groups of 3-5 variants."""
    rng = random.Random(seed)
    written = group = 0
    while written < count:
        group += 1
        base = f"P{group:06d}"
        size = rng.randint(3, 5) if group % 5 == 0 else 1
        for index in range(min(size, count - written)):
            sku = base if size == 1 else f"{base}-{index}"
            yield [
                sku,
                f"Produk {group} {COLOURS[index] if size > 1 else ''}".strip(),
                f"{rng.randint(10, 2000) * 500}",
                str(rng.randint(0, 200)),
                str(rng.randint(50, 5000)),
                f"Deskripsi produk {group}, bahan katun, buatan Bandung.",
                base,
                COLOURS[index] if size > 1 else "",
                f"https://img.example.id/{base}/1.jpg|https://img.example.id/{base}/2.jpg",
                str(100000 + group % 700),
            ]
            written += 1


def write_csv(path: Path, count: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(catalog_rows(count))


def fresh_database(directory: Path, stores: int) -> tuple[Database, int]:
    db = Database(f"sqlite:///{directory / 'bench.db'}")
    db.migrate()
    with db.session() as session:
        merchant = Merchant(name="bench")
        session.add(merchant)
        session.flush()
        for index in range(stores):
            session.add(Store(name=f"store-{index}", platform="shopee", merchant_id=merchant.id))
        return db, merchant.id


def timed_import(db: Database, merchant_id: int, path: Path, rows: int, label: str) -> None:
    started = time.perf_counter()
    report = import_catalog(db, merchant_id, path)
    seconds = time.perf_counter() - started
    print(
        f"{label}: {rows} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s "
        f"(created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
        f"errors {len(report.errors)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--stores", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "catalog.csv"
        write_csv(path, args.rows)
        db, merchant_id = fresh_database(Path(directory), args.stores)
        timed_import(db, merchant_id, path, args.rows, "first import")
        timed_import(db, merchant_id, path, args.rows, "re-import  ")
        db.dispose()


if __name__ == "__main__":
    main()
