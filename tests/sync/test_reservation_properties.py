"""Reservation arithmetic under any sequence of order events (hypothesis, on SQLite).

Whatever order, repetition or mixture of statuses the marketplace reports, intake keeps:
    on_hand = initial − units of orders shipped (or completed)
    active reservations = units of orders still waiting
    every store shows max(0, on_hand − active − buffer)
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lapak.sync.changes import products_changed
from lapak.sync.orders import next_status
from lapak.sync.setup import StoreSettings, apply_settings
from lapak.sync.store.db import Database
from lapak.sync.store.models import Listing, Product, Reservation, Store
from lapak.sync.types import OrderStatus, RemoteOrder, RemoteOrderLine
from sqlalchemy import func, select

INITIAL = 100
events = st.lists(
    st.tuples(st.integers(0, 4), st.sampled_from(list(OrderStatus)), st.integers(1, 5)),
    min_size=1,
    max_size=25,
)


def _database() -> Database:
    db = Database(f"sqlite:///{Path(tempfile.mkdtemp()) / 'lapak.db'}")
    db.migrate()
    apply_settings(db, ["m"], [StoreSettings("a", "x", "m"), StoreSettings("b", "x", "m", 3)])
    with db.session() as session:
        merchant_id = session.scalar(select(Store.merchant_id))
        product = Product(
            merchant_id=merchant_id, sku="P", group_sku="P", name="P", description="",
            price=Decimal(1000), weight_grams=1, image_urls=[], categories={}, on_hand=INITIAL,
        )  # fmt: skip
        session.add(product)
        session.flush()
        products_changed(session, [product.id])
    return db


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events)
def test_any_event_sequence_keeps_stock_consistent(sequence) -> None:  # type: ignore[no-untyped-def]
    from lapak.sync.orders import ingest_orders

    db = _database()
    now = datetime.now(UTC)  # after the store was connected: every order counts
    quantity: dict[int, int] = {}
    status: dict[int, OrderStatus | None] = {}
    for order_no, incoming, qty in sequence:
        quantity.setdefault(order_no, qty)  # an order's lines never change
        status[order_no] = next_status(status.get(order_no), incoming)
        remote = RemoteOrder(
            external_id=f"O{order_no}", status=incoming, created_at=now, updated_at=now,
            lines=(RemoteOrderLine("1", "P", quantity[order_no], Decimal(1000)),),
            total=Decimal(1000), currency="IDR",
        )  # fmt: skip
        with db.session() as session:
            store = session.scalars(select(Store).where(Store.name == "a")).one()
            intake = ingest_orders(session, store, [remote])
            products_changed(session, intake.changed_product_ids)
    shipped = sum(
        quantity[o] for o, s in status.items() if s in (OrderStatus.SHIPPED, OrderStatus.COMPLETED)
    )
    waiting = sum(
        quantity[o]
        for o, s in status.items()
        if s in (OrderStatus.UNPAID, OrderStatus.READY_TO_SHIP)
    )
    with db.session() as session:
        on_hand = session.scalar(select(Product.on_hand))
        kept = session.scalar(select(Product.reserved))
        active = session.scalar(
            select(func.coalesce(func.sum(Reservation.quantity), 0)).where(
                Reservation.state == "active"
            )
        )
        shown = dict(session.execute(select(Store.name, Listing.desired_stock).join(Listing)).all())
    db.dispose()
    assert on_hand == INITIAL - shipped
    assert active == waiting
    assert kept == active  # the count intake reads is the reservations' sum
    assert shown == {"a": max(0, on_hand - active), "b": max(0, on_hand - active - 3)}
