"""Intake of a batch equals intake of its orders one by one (hypothesis, on SQLite).

`ingest_orders` takes a whole batch in a few set-based statements (`sync.reservations`);
whatever the statuses, repeats and stock, the orders, reservations, on-hand counts, oversold
units and counts it reports are those of taking the batch's orders in one at a time,
sorted by external id (docs/stock.md, "Oversold orders": each order is measured against
the orders before it).
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lapak.sync.changes import products_changed
from lapak.sync.orders import IntakeResult, ingest_orders
from lapak.sync.setup import StoreSettings, apply_settings
from lapak.sync.store.db import Database
from lapak.sync.store.models import Order, OrderLine, Product, Reservation, Store
from lapak.sync.types import OrderStatus, RemoteOrder, RemoteOrderLine
from sqlalchemy import select

ON_HAND = {"P": 6, "Q": 4}
EARLIER = timedelta(days=1)
"""Before the store was connected: a finished order from then counts no stock."""

event = st.tuples(
    st.integers(0, 5),  # order number
    st.sampled_from(list(OrderStatus)),
    st.booleans(),  # created before the store was connected
)
batches = st.lists(
    st.lists(event, min_size=1, max_size=6, unique_by=lambda e: e[0]), min_size=1, max_size=5
)


def _database() -> Database:
    db = Database(f"sqlite:///{Path(tempfile.mkdtemp()) / 'lapak.db'}")
    db.migrate()
    apply_settings(db, ["m"], [StoreSettings("a", "x", "m")])
    with db.session() as session:
        merchant_id = session.scalar(select(Store.merchant_id))
        for sku, on_hand in ON_HAND.items():
            session.add(
                Product(
                    merchant_id=merchant_id, sku=sku, group_sku=sku, name=sku, description="",
                    price=Decimal(1000), weight_grams=1, image_urls=[], categories={},
                    on_hand=on_hand,
                )
            )  # fmt: skip
        session.flush()
        products_changed(session, session.scalars(select(Product.id)).all())
    return db


def _remote(order_no: int, status: OrderStatus, before_connection: bool) -> RemoteOrder:
    """Order n buys n % 3 + 1 of P and, for odd n, 2 of Q and one unknown SKU."""
    now = datetime.now(UTC)
    created = now - EARLIER if before_connection else now + EARLIER
    lines = [RemoteOrderLine("1", "P", order_no % 3 + 1, Decimal(1000))]
    if order_no % 2:
        lines += [
            RemoteOrderLine("2", "Q", 2, Decimal(1000)),
            RemoteOrderLine("3", "UNKNOWN", 1, Decimal(1000)),
        ]
    return RemoteOrder(
        external_id=f"O{order_no}", status=status, created_at=created, updated_at=now,
        lines=tuple(lines), total=Decimal(1000), currency="IDR", raw={"status": status.value},
    )  # fmt: skip


def _take_in(db: Database, orders: list[RemoteOrder]) -> IntakeResult:
    with db.session() as session:
        store = session.scalars(select(Store)).one()
        return ingest_orders(session, store, orders)


def _state(db: Database) -> dict[str, Any]:
    with db.session() as session:
        orders = session.execute(
            select(
                Order.external_id, Order.status, Order.counts_stock, Order.oversold_units,
                Order.unmapped_skus,
            ).order_by(Order.external_id)
        ).all()  # fmt: skip
        reservations = session.execute(
            select(Order.external_id, OrderLine.sku, Reservation.quantity, Reservation.state)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .join(Reservation, Reservation.order_line_id == OrderLine.id)
            .order_by(Order.external_id, OrderLine.sku)
        ).all()
        on_hand = session.execute(select(Product.sku, Product.on_hand).order_by(Product.sku))
        return {
            "orders": [tuple(row) for row in orders],
            "reservations": [tuple(row) for row in reservations],
            "on_hand": dict(on_hand.all()),
        }


def _counts(results: list[IntakeResult]) -> tuple[int, int, int, set[int], bool]:
    return (
        sum(r.new_orders for r in results),
        sum(r.updated_orders for r in results),
        sum(r.oversold_orders for r in results),
        set().union(*(r.changed_product_ids for r in results)),
        any(r.own_stock_unconfirmed for r in results),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches)
def test_a_batch_is_taken_in_as_its_orders_one_by_one(events) -> None:  # type: ignore[no-untyped-def]
    batched, single = _database(), _database()
    whole: list[IntakeResult] = []
    one_by_one: list[IntakeResult] = []
    for batch in events:
        orders = [_remote(*e) for e in batch]
        whole.append(_take_in(batched, orders))
        for remote in sorted(orders, key=lambda order: order.external_id):
            one_by_one.append(_take_in(single, [remote]))
    assert _state(batched) == _state(single)
    assert _counts(whole) == _counts(one_by_one)
    batched.dispose()
    single.dispose()


def test_an_order_twice_in_one_batch_takes_both_events() -> None:
    db = _database()
    first = _take_in(
        db, [_remote(1, OrderStatus.READY_TO_SHIP, False), _remote(1, OrderStatus.CANCELLED, False)]
    )
    state = _state(db)
    db.dispose()
    assert (first.new_orders, first.updated_orders) == (1, 1)
    assert [row[1] for row in state["orders"]] == ["cancelled"]
    assert {row[3] for row in state["reservations"]} == {"released"}
