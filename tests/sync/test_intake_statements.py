"""The statements of one intake batch, and what intake hands the listing recompute.

`sync.pull.fetch_orders` takes a batch of orders in one transaction: intake
(`sync.orders.ingest_store_orders`) then the listing recompute
(`sync.changes.products_changed`). The recompute is given what intake already read under
its locks (the merchant's stores) and what its own writes left (the kept reserved counts),
so neither is selected twice; these tests pin the count and check that what it is given is
what the database holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from lapak.sync.changes import products_changed
from lapak.sync.orders import ingest_store_orders
from lapak.sync.pull import fetch_orders
from lapak.sync.setup import StoreSettings, apply_settings
from lapak.sync.store.db import Database
from lapak.sync.store.models import Listing, Product, Store
from lapak.sync.types import OrderStatus, RemoteOrder, RemoteOrderLine
from sqlalchemy import event, select

from tests.sync.memory_connector import MemoryConnector

PRODUCTS = 20
BATCH = 50
NOW = datetime.now(UTC)

STATEMENTS_OF_A_NEW_BATCH = {"postgresql": 17, "sqlite": 15}
"""50 new orders: the products by SKU, their locks (on PostgreSQL products, listings' ids,
listings; on SQLite the database's write lock, one statement), the merchant's stores, the
orders, their lines, the reserved and on-hand counts, the reservations, the counts' UPDATE,
the store's stock recheck; then the recompute: the products, their listings, the listings'
UPDATE, `dirty`, the stores with work."""


def _shop(db: Database) -> dict[str, int]:
    """Merchant batik: stores a, b (enabled) and c (disabled), 20 products; another
    merchant's store k."""
    stores = apply_settings(
        db,
        ["batik", "kopi"],
        [
            StoreSettings("a", "memory", "batik"),
            StoreSettings("b", "memory", "batik", stock_buffer=2),
            StoreSettings("c", "memory", "batik", enabled=False),
            StoreSettings("k", "memory", "kopi"),
        ],
    )
    with db.session() as session:
        merchant_id = session.get_one(Store, stores["a"]).merchant_id
        for n in range(PRODUCTS):
            session.add(
                Product(
                    merchant_id=merchant_id, sku=f"S{n}", group_sku=f"S{n}", name=f"Batik {n}",
                    description="", price=Decimal(10_000), weight_grams=200, image_urls=[],
                    categories={}, on_hand=100,
                )
            )  # fmt: skip
        session.flush()
        products_changed(session, session.scalars(select(Product.id)).all())
    return stores


def _order(n: int, status: OrderStatus, minute: int = 0) -> RemoteOrder:
    """Order n: one of product n % 20 and two of product (n + 7) % 20."""
    return RemoteOrder(
        external_id=f"O{n:03}", status=status, created_at=NOW + timedelta(days=1),
        updated_at=NOW + timedelta(minutes=minute),
        lines=(
            RemoteOrderLine("1", f"S{n % PRODUCTS}", 1, Decimal(10_000)),
            RemoteOrderLine("2", f"S{(n + 7) % PRODUCTS}", 2, Decimal(10_000)),
        ),
        total=Decimal(30_000), currency="IDR",
    )  # fmt: skip


@contextmanager
def _statements(db: Database) -> Iterator[list[str]]:
    executed: list[str] = []

    def count(*args: Any) -> None:
        executed.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield executed
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _listings(db: Database) -> list[tuple[Any, ...]]:
    with db.session() as session:
        rows = session.execute(
            select(
                Listing.store_id, Listing.product_id, Listing.desired_stock,
                Listing.desired_price, Listing.desired_hash, Listing.dirty,
            ).order_by(Listing.store_id, Listing.product_id)
        )  # fmt: skip
        return [tuple(row) for row in rows]


def _recomputed_afresh(db: Database) -> list[tuple[Any, ...]]:
    """The listings after a recompute of every product that reads everything itself."""
    with db.session() as session:
        products_changed(session, session.scalars(select(Product.id)).all())
    return _listings(db)


def test_a_batch_of_new_orders_takes_a_fixed_number_of_statements(db: Database) -> None:
    stores = _shop(db)
    market = MemoryConnector()
    market.orders = {
        o.external_id: o for o in (_order(n, OrderStatus.READY_TO_SHIP) for n in range(BATCH))
    }
    with _statements(db) as executed:
        report = fetch_orders(db, stores["a"], market, list(market.orders))
    assert report.new_orders == BATCH
    wanted = STATEMENTS_OF_A_NEW_BATCH[db.engine.dialect.name]
    assert len(executed) == wanted, "\n".join(executed)
    assert sum(statement.startswith("SELECT stores.") for statement in executed) == 1
    assert (
        sum(statement.startswith("SELECT products.id, products.reserved") for statement in executed)
        == 1
    )
    assert _listings(db) == _recomputed_afresh(db)


def test_the_recompute_after_a_mixed_batch_is_that_of_a_fresh_read(db: Database) -> None:
    stores = _shop(db)
    market = MemoryConnector()
    market.orders = {
        o.external_id: o for o in (_order(n, OrderStatus.READY_TO_SHIP) for n in range(30))
    }
    fetch_orders(db, stores["a"], market, list(market.orders))
    statuses = [
        OrderStatus.SHIPPED,
        OrderStatus.CANCELLED,
        OrderStatus.READY_TO_SHIP,
        OrderStatus.UNPAID,
    ]
    market.orders = {
        o.external_id: o for o in (_order(n, statuses[n % 4], minute=1) for n in range(10, 60))
    }
    before = _listings(db)
    report = fetch_orders(db, stores["a"], market, list(market.orders))
    assert (report.new_orders, report.updated_orders) == (30, 10)
    after = _listings(db)
    assert after != before
    assert after == _recomputed_afresh(db)
    assert {store_id for store_id, *_ in after} == {stores["a"], stores["b"]}


def test_intake_hands_on_the_counts_its_writes_left_and_the_merchants_enabled_stores(
    db: Database,
) -> None:
    stores = _shop(db)
    with db.session() as session:
        intake = ingest_store_orders(
            session,
            stores["b"],
            [
                _order(1, OrderStatus.READY_TO_SHIP),
                _order(2, OrderStatus.READY_TO_SHIP),
                _order(1, OrderStatus.CANCELLED, minute=1),  # the same order again: two batches
                _order(3, OrderStatus.SHIPPED),
            ],
        )
        held = dict(session.execute(select(Product.id, Product.reserved)).all())
        merchant_id = session.get_one(Store, stores["b"]).merchant_id
    assert intake.reserved
    assert intake.reserved == {product_id: held[product_id] for product_id in intake.reserved}
    assert intake.changed_product_ids <= intake.reserved.keys()
    assert {
        merchant: [store.id for store in found] for merchant, found in intake.stores.items()
    } == {merchant_id: sorted([stores["a"], stores["b"]])}
