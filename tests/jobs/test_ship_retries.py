"""A shipment whose call fails is retried by its own `ship_order` message; the reconciler's
ticks while that retry waits send no second one (they used to send one each tick, each
with its own retries), and a shipment no job has taken up for a minute is sent again, or at
once by an embedded `lapak run` that starts after the run holding its job died."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import lapak.wiring.runtime
import pytest
from dramatiq import Broker, Message
from lapak.cli.embedded import Embedded
from lapak.jobs import actors
from lapak.jobs.broker import build_broker
from lapak.sync import queue
from lapak.sync.dispatch import STALE_AFTER, request_shipments, stamp_ship_job
from lapak.sync.protocol import TransientError
from lapak.sync.pull import pull_orders
from lapak.sync.push import push_store
from lapak.sync.store.models import Order
from lapak.wiring.runtime import Runtime
from lapak.wiring.server import serve
from sqlalchemy import select

from tests.shopee_setup import SHOP_A, sandbox_app, shopee_lapak, wait_for


@pytest.fixture
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Runtime, int]]:
    """An order of shop A on the Shopee sandbox that a reseller has shipped (requested)."""
    app = sandbox_app()
    with serve(app) as server:
        runtime, [sku], _ = shopee_lapak(tmp_path, server.url, monkeypatch, 1, lambda n: 5)
        monkeypatch.setattr(lapak.wiring.runtime, "_current", runtime)
        store = runtime.store_ids["shop-a"]
        push_store(runtime.db, store, runtime.connector(store))
        app.state.sandbox.place_order(SHOP_A, [(sku, 1)])
        pull_orders(runtime.db, store, runtime.connector(store))
        with runtime.db.session() as session:
            order_id = session.scalars(select(Order.id)).one()
        queue.claim(runtime.db, "Ani", None, order_id)
        queue.ship(runtime.db, actors.dispatcher, "Ani", None, order_id, "JNE-1")
        yield runtime, order_id
        runtime.close()


def ship_messages(broker: Broker) -> int:
    """ship_order messages waiting in the in-process broker, delayed ones included."""
    queued = [raw for name in ("orders", "orders.DQ") for raw in list(broker.queues[name].queue)]
    return sum(Message.decode(raw).actor_name == "ship_order" for raw in queued)


def test_a_failed_shipment_is_taken_up_until_its_retry_comes(
    shipped: tuple[Runtime, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime, order_id = shipped
    broker = build_broker(None)  # the message queue.ship sent is gone: count from here
    connector_type = type(runtime.connector(runtime.store_ids["shop-a"]))
    ship_order = connector_type.ship_order

    def unreachable(self: object, external_id: str, tracking_number: str) -> None:
        raise TransientError("/api/v2/logistics/ship_order: connection reset")

    monkeypatch.setattr(connector_type, "ship_order", unreachable)
    with pytest.raises(TransientError):
        actors.ship_order.fn(order_id)  # dramatiq would send this message again
    for _ in range(5):
        actors.reconcile.fn()
    assert ship_messages(broker) == 0
    with runtime.db.session() as session:
        order = session.get_one(Order, order_id)
        assert (order.ship_state, order.ship_job_at is not None) == ("requested", True)
        taken_up = order.ship_job_at

    lost = taken_up + STALE_AFTER + timedelta(seconds=1)  # dead-lettered: no retry came
    assert request_shipments(runtime.db, actors.dispatcher, now=lost) == [order_id]
    assert request_shipments(runtime.db, actors.dispatcher, now=lost) == []
    assert ship_messages(broker) == 1

    monkeypatch.setattr(connector_type, "ship_order", ship_order)
    actors.ship_order.fn(order_id)  # the message sent again, run
    with runtime.db.session() as session:
        assert session.get_one(Order, order_id).ship_state == "confirmed"
    actors.reconcile.fn()
    assert ship_messages(broker) == 1  # nothing more to send


def test_an_embedded_start_sends_the_shipments_the_last_run_had_taken_up(
    shipped: tuple[Runtime, int],
) -> None:
    runtime, order_id = shipped
    stamp_ship_job(runtime.db, order_id)  # a job of the last run had it when that run died

    def confirmed() -> bool:
        with runtime.db.session() as session:
            return session.get_one(Order, order_id).ship_state == "confirmed"

    with Embedded(runtime, threads=2):  # its broker is new: no job of that run is in it
        wait_for("the shipment to be confirmed", confirmed, STALE_AFTER.total_seconds() / 2)
