"""Items whose image cannot be downloaded yet back off alone; their store's push is not
requeued in a storm, and they are created once the image can be fetched. A push whose whole
call fails is retried by its own message, not by one more push each reconciler tick."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import lapak.wiring.runtime
import pytest
from dramatiq import Broker, Message
from lapak.jobs import actors
from lapak.jobs.broker import build_broker
from lapak.sandboxes.kit.images import placeholder_png
from lapak.sync.catalog import set_stock
from lapak.sync.dispatch import STALE_AFTER, request_pushes
from lapak.sync.protocol import TransientError
from lapak.sync.push import push_store
from lapak.sync.retry_backoff import FIRST, JITTER
from lapak.sync.store.models import Listing, Product, Store
from lapak.wiring.runtime import Runtime
from lapak.wiring.server import serve
from sqlalchemy import select, update
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.shopee_setup import SHOP_A, sandbox_app, shopee_lapak


class ImageHost:
    """A seller's image host: answers 503 until the image is uploaded; counts requests."""

    def __init__(self) -> None:
        self.uploaded = False
        self.requests = 0
        self.app = Starlette(routes=[Route("/kopi.png", self.image)])

    async def image(self, request: Request) -> Response:
        self.requests += 1
        if not self.uploaded:
            return Response("not there yet", status_code=503)
        return Response(placeholder_png("kopi"), media_type="image/png")


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple]:
    """Shop A and B on the Shopee sandbox; one SKU whose image the host does not serve yet."""
    app = sandbox_app()
    host = ImageHost()
    with serve(app) as server, serve(host.app) as images:
        runtime, [sku], merchant_id = shopee_lapak(
            tmp_path, server.url, monkeypatch, 1, lambda n: 7, image_url=f"{images.url}/kopi.png"
        )
        yield runtime, app.state.sandbox, host, sku, merchant_id
        runtime.close()


def push_messages(broker: Broker) -> int:
    """push_store messages waiting in the in-process broker, delayed ones included."""
    queued = [raw for name in ("push", "push.DQ") for raw in list(broker.queues[name].queue)]
    return sum(Message.decode(raw).actor_name == "push_store" for raw in queued)


def _listing(runtime: Runtime, store_id: int) -> Listing:
    with runtime.db.session() as session:
        return session.scalars(select(Listing).where(Listing.store_id == store_id)).one()


def test_an_item_backs_off_alone_by_the_clock_and_is_created_once_its_image_appears(
    shop: tuple,
) -> None:
    runtime, sandbox, host, sku, merchant_id = shop
    store = runtime.store_ids["shop-a"]
    connector = runtime.connector(store)
    start = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

    report = push_store(runtime.db, store, connector, clock=lambda: start)
    first = _listing(runtime, store)
    assert (report.deferred, report.created) == (1, 0)
    assert first.retry_attempts == 1 and first.item_id is None
    assert first.retry_at is not None
    assert FIRST * (1 - JITTER) <= first.retry_at - start <= FIRST * (1 + JITTER)
    assert report.next_retry_at == first.retry_at
    assert "503" in (first.last_error or "")

    tried = host.requests
    report = push_store(runtime.db, store, connector, clock=lambda: start + FIRST / 2)
    assert (report.deferred, host.requests) == (0, tried)  # left alone until its retry_at
    assert report.next_retry_at == first.retry_at

    later = first.retry_at + timedelta(seconds=1)
    report = push_store(runtime.db, store, connector, clock=lambda: later)
    second = _listing(runtime, store)
    assert report.deferred == 1 and host.requests > tried
    assert second.retry_attempts == 2 and second.retry_at is not None
    assert 2 * FIRST * (1 - JITTER) <= second.retry_at - later <= 2 * FIRST * (1 + JITTER)

    set_stock(runtime.db, merchant_id, sku, 5)  # the desired state moved: tried again now
    reset = _listing(runtime, store)
    assert (reset.retry_at, reset.retry_attempts) == (None, 0)

    host.uploaded = True
    report = push_store(runtime.db, store, connector, clock=lambda: later)
    done = _listing(runtime, store)
    assert report.created == 1 and done.item_id is not None and not done.dirty
    assert (done.retry_at, done.retry_attempts, done.last_error) == (None, 0, None)
    assert sandbox.stock_of(SHOP_A, sku) == 5


def test_pushes_of_a_store_with_an_item_backing_off_send_one_delayed_push(
    shop: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many pushes asked while the image is missing (reconciler ticks, stock changes of
    other items) leave one delayed push_store message, not a storm of retries."""
    runtime, sandbox, host, sku, _ = shop
    monkeypatch.setattr(lapak.wiring.runtime, "_current", runtime)
    broker = build_broker(None)
    store = runtime.store_ids["shop-a"]
    with runtime.db.session() as session:  # shop B out of the way: one store to count
        session.execute(update(Store).where(Store.name == "shop-b").values(enabled=False))

    for _ in range(10):  # each would have raised and been retried, plus reconciler sends
        actors.push_store.fn(store)
        actors.reconcile.fn()
    assert push_messages(broker) == 1  # the one delayed push for the item's retry_at
    listing = _listing(runtime, store)
    assert listing.retry_attempts == 1 and listing.item_id is None
    with runtime.db.session() as session:
        assert session.get_one(Store, store).retry_push_at == listing.retry_at

    host.uploaded = True
    with runtime.db.session() as session:  # its retry_at has come (time moved on)
        session.execute(update(Listing).values(retry_at=datetime.now(UTC) - timedelta(seconds=1)))
    actors.push_store.fn(store)  # the delayed push, run
    created = _listing(runtime, store)
    assert created.item_id is not None and not created.dirty
    assert sandbox.stock_of(SHOP_A, sku) == 7
    assert push_messages(broker) == 1  # nothing more was asked
    with runtime.db.session() as session:
        assert session.scalars(select(Product.sku)).one() == sku


def test_a_failed_push_is_the_stores_request_until_its_retry_comes(
    shop: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A whole call that fails makes the push raise for dramatiq to retry; the reconciler's
    ticks while that retry waits send no second push (they used to send one each tick, each
    with its own retries and dead letter). Once the request is older than a lost one, the
    reconciler sends it again."""
    runtime, sandbox, host, sku, merchant_id = shop
    monkeypatch.setattr(lapak.wiring.runtime, "_current", runtime)
    broker = build_broker(None)
    host.uploaded = True
    for store in runtime.store_ids.values():
        push_store(runtime.db, store, runtime.connector(store))
    store = runtime.store_ids["shop-a"]
    with runtime.db.session() as session:  # shop B out of the way: one store to count
        session.execute(update(Store).where(Store.name == "shop-b").values(enabled=False))
    connector_type = type(runtime.connector(store))

    def unreachable(self: object, updates: object) -> None:
        raise TransientError("/api/v2/product/update_stock: connection reset")

    monkeypatch.setattr(connector_type, "update_stock", unreachable)
    set_stock(runtime.db, merchant_id, sku, 3)

    with pytest.raises(TransientError):
        actors.push_store.fn(store)  # dramatiq would send this message again after a backoff
    for _ in range(5):
        actors.reconcile.fn()
    assert push_messages(broker) == 0
    with runtime.db.session() as session:
        requested = session.get_one(Store, store).push_requested_at
    assert requested is not None

    lost = requested + STALE_AFTER + timedelta(seconds=1)  # dead-lettered: no retry came
    assert request_pushes(runtime.db, actors.dispatcher, [store], now=lost) == [store]
    assert push_messages(broker) == 1
    assert sandbox.stock_of(SHOP_A, sku) == 7
