"""Catalog import throughput on a fresh SQLite database.

Writes an N-row catalog CSV (every fifth group is a product with three to five variants),
imports it, imports it again (every row unchanged), then once more with every product's
stock one less (every product changed: its listings recomputed on every store), and prints
rows/s and seconds for each, with this process's RSS after it and its peak so far. Usage:

    python benchmarks/catalog_import.py --rows 100000 [--stores 6]

`--stores` adds enabled stores to the merchant, so the import also creates their listings;
with stores, last, one store's stock buffer is set, which recomputes every listing of the
catalog in one transaction (`sync.setup.apply_settings`).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from lapak.sync.catalog import import_catalog
from lapak.sync.setup import StoreSettings, apply_settings
from lapak.sync.store.db import Database
from lapak.sync.store.models import Merchant
from sqlalchemy import select

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
PAGE = os.sysconf("SC_PAGE_SIZE")
MERCHANT = "bench"
COLOURS = ["Merah", "Biru", "Hitam", "Putih", "Hijau"]


def catalog_rows(count: int, seed: int = 7, sold: int = 0) -> Iterator[list[str]]:
    """`count` rows: single products, and groups of 3-5 variants; `sold` off every stock."""
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
                str(rng.randint(1, 201) - sold),
                str(rng.randint(50, 5000)),
                f"Deskripsi produk {group}, bahan katun, buatan Bandung.",
                base,
                COLOURS[index] if size > 1 else "",
                f"https://img.example.id/{base}/1.jpg|https://img.example.id/{base}/2.jpg",
                str(100000 + group % 700),
            ]
            written += 1


def write_csv(path: Path, count: int, sold: int = 0) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(catalog_rows(count, sold=sold))


def fresh_database(directory: Path, stores: int) -> tuple[Database, int]:
    db = Database(f"sqlite:///{directory / 'bench.db'}")
    db.migrate()
    apply_settings(db, [MERCHANT], _stores(stores))
    with db.session() as session:
        merchant_id = session.scalar(select(Merchant.id))
    assert merchant_id is not None
    return db, merchant_id


def _stores(count: int, stock_buffer: int = 0) -> list[StoreSettings]:
    """`count` stores of the merchant, the first with `stock_buffer`."""
    return [
        StoreSettings(f"store-{n}", "shopee", MERCHANT, stock_buffer=stock_buffer if n == 0 else 0)
        for n in range(count)
    ]


def _memory() -> str:
    rss_mb = int(Path("/proc/self/statm").read_text().split()[1]) * PAGE / 2**20
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return f"RSS {rss_mb:.0f} MB, peak {peak_mb:.0f} MB"


def timed_import(db: Database, merchant_id: int, path: Path, rows: int, label: str) -> None:
    started = time.perf_counter()
    report = import_catalog(db, merchant_id, path)
    seconds = time.perf_counter() - started
    print(
        f"{label}: {rows} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s "
        f"(created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
        f"errors {len(report.errors)}); {_memory()}"
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
        write_csv(path, args.rows, sold=1)
        timed_import(db, merchant_id, path, args.rows, "stock -1   ")
        if args.stores:
            started = time.perf_counter()
            apply_settings(db, [MERCHANT], _stores(args.stores, stock_buffer=1))
            print(
                f"a store's stock buffer set: every product's listings recomputed in one "
                f"transaction in {time.perf_counter() - started:.2f} s; {_memory()}"
            )
        db.dispose()


if __name__ == "__main__":
    main()
