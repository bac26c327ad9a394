"""Oversold orders: flagged at intake, shown on the reseller's card and API, to operators
beside the orders competing for the same units, and counted in /metrics — on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from sync.changes import products_changed
from sync.orders import ingest_orders
from sync.store.models import Order, Store
from sync.types import OrderStatus, RemoteOrder, RemoteOrderLine
from tests.web.test_operator import JSON, RESELLER_TOKEN, Ops, ops  # noqa: F401 (fixture)


def _order(external_id: str, sku: str, quantity: int) -> RemoteOrder:
    at = datetime.now(UTC)
    return RemoteOrder(
        external_id=external_id,
        status=OrderStatus.READY_TO_SHIP,
        created_at=at,
        updated_at=at,
        lines=(RemoteOrderLine("1", sku, quantity, Decimal(10_000)),),
        total=Decimal(10_000 * quantity),
        currency="IDR",
        buyer_city="Bandung",
        ship_by=at + timedelta(days=2),
    )


def _take_in(ops: Ops, store: str, remote: RemoteOrder) -> Order:
    with ops.runtime.db.session() as session:
        intake = ingest_orders(session, session.get_one(Store, ops.ids[store]), [remote])
        products_changed(session, intake.changed_product_ids)
        return session.scalars(select(Order).where(Order.external_id == remote.external_id)).one()


def test_the_last_units_sold_twice_are_flagged_shown_and_counted(ops: Ops) -> None:
    first = _take_in(ops, "shop-b", _order("B-1", "KOPI-1", 4))  # 5 on hand
    second = _take_in(ops, "shop-a", _order("A-1", "KOPI-1", 3))  # one left: two short
    third = _take_in(ops, "shop-a", _order("A-2", "KOPI-2", 1))
    assert (first.oversold_units, second.oversold_units, third.oversold_units) == (0, 2, 0)

    listed = ops.operator().get("/ops/oversold", headers=JSON).json()["oversold"]
    assert [(o["store"], o["external_id"], o["oversold_units"]) for o in listed] == [
        ("shop-a", "A-1", 2)
    ]
    competitors = [(c["store"], c["external_id"], c["quantity"]) for c in listed[0]["competitors"]]
    assert competitors == [("shop-b", "B-1", 4)]
    page = ops.browser().get("/ops/oversold")
    assert page.status_code == 200
    assert "2 units short" in page.text and "shop-b #B-1" in page.text

    reseller = ops.client(RESELLER_TOKEN)  # works shop-a
    card = reseller.get(f"/api/orders/{second.id}").json()
    assert card["oversold_units"] == 2
    assert reseller.get(f"/api/orders/{third.id}").json()["oversold_units"] == 0
    queue = ops.client()
    assert queue.post("/signin", data={"token": RESELLER_TOKEN}).status_code == 200
    assert "Oversold: 2 units" in queue.get("/").text

    metrics = ops.operator().get("/metrics").text
    assert 'lapak_orders_oversold{store="shop-a"} 1.0' in metrics
