"""Concurrent intakes, shipments and pushes on PostgreSQL: no deadlock, nothing lost.

Worker threads take orders in on six stores (mixed products, in any order), ship some and
push every store at the same time, as a Procfile deployment does at a flash sale. Every
transaction that moves stock locks products and then listings in id order, so PostgreSQL
never has to break a cycle: the test counts deadlocks seen (zero) as well as failures.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import lapak.sync.store.db as db_module
import pytest
from lapak.sync.changes import products_changed
from lapak.sync.pull import fetch_orders
from lapak.sync.push import push_store
from lapak.sync.queue import claim, ship
from lapak.sync.setup import StoreSettings, apply_settings
from lapak.sync.shipping import confirm_shipment
from lapak.sync.store.db import Database
from lapak.sync.store.models import Order, OrderLine, Product, Reservation, Store
from lapak.sync.types import OrderStatus, RemoteOrder, RemoteOrderLine, WebhookEvent
from lapak.sync.webhooks import (
    WebhookReport,
    process_webhooks,
    record_webhook,
    stores_with_pending_webhooks,
)
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from tests.sync.memory_connector import MemoryConnector

STORES = ("shopee", "tokopedia", "lazada", "tiktok", "shopify", "woocommerce")
PRODUCTS = 12
ORDERS_PER_THREAD = 40


class Dispatcher:
    def push(self, store_id: int) -> None: ...
    def fetch_orders(self, store_id: int, external_ids: object) -> None: ...
    def ship(self, order_id: int) -> None: ...
    def process_webhooks(self, store_id: int) -> None: ...


def _setup(db: Database) -> dict[str, int]:
    stores = apply_settings(db, ["umkm"], [StoreSettings(n, "memory", "umkm") for n in STORES])
    with db.session() as session:
        merchant_id = session.scalar(select(Store.merchant_id).limit(1))
        products = [
            Product(
                merchant_id=merchant_id,
                sku=f"SKU-{n}",
                group_sku=f"SKU-{n}",
                name=f"Sambal {n}",
                price=Decimal(15_000),
                weight_grams=200,
                on_hand=500,
            )
            for n in range(PRODUCTS)
        ]
        session.add_all(products)
        session.flush()
        products_changed(session, [p.id for p in products])
    return stores


def _order(external_id: str, rng: random.Random) -> RemoteOrder:
    at = datetime.now(UTC)
    skus = rng.sample(range(PRODUCTS), rng.randint(1, 4))
    return RemoteOrder(
        external_id=external_id,
        status=OrderStatus.READY_TO_SHIP,
        created_at=at,
        updated_at=at,
        lines=tuple(
            RemoteOrderLine(str(n), f"SKU-{sku}", 1, Decimal(15_000)) for n, sku in enumerate(skus)
        ),
        total=Decimal(15_000 * len(skus)),
        currency="IDR",
        ship_by=at + timedelta(days=2),
    )


@pytest.mark.postgres
@pytest.mark.timeout(300)
def test_intake_shipping_and_pushes_at_once_never_deadlock(
    postgres_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = postgres_db
    stores = _setup(db)
    markets = {store_id: MemoryConnector() for store_id in stores.values()}
    for store_id, market in markets.items():
        push_store(db, store_id, market)
    deadlocks: list[str] = []
    retryable = db_module.is_retryable

    def counting(error: DBAPIError) -> bool:
        if getattr(error.orig, "sqlstate", None) == "40P01":
            deadlocks.append(str(error.orig).splitlines()[0])
        return retryable(error)

    monkeypatch.setattr(db_module, "is_retryable", counting)
    failures: list[BaseException] = []
    placed: list[tuple[int, str]] = []

    def run(work) -> None:  # type: ignore[no-untyped-def]
        try:
            work()
        except BaseException as error:  # reported by the test, not lost in a thread
            failures.append(error)

    def buyers(seed: int) -> None:
        rng = random.Random(seed)
        for n in range(ORDERS_PER_THREAD):
            store_id = rng.choice(list(markets))
            batch = [_order(f"T{seed}-{n}-{k}", rng) for k in range(rng.randint(1, 3))]
            for remote in batch:
                markets[store_id].orders[remote.external_id] = remote
                placed.append((store_id, remote.external_id))
            # a webhook and a poll may fetch the same orders at the same time
            fetch_orders(db, store_id, markets[store_id], [o.external_id for o in batch][::-1])

    def pushers(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(ORDERS_PER_THREAD):
            store_id = rng.choice(list(markets))
            push_store(db, store_id, markets[store_id])

    def shippers(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(ORDERS_PER_THREAD // 2):
            with db.session() as session:
                ids = session.scalars(
                    select(Order.id).where(Order.ship_state == "none").limit(20)
                ).all()
            if not ids:
                continue
            order_id = rng.choice(ids)
            try:
                claim(db, f"reseller-{seed}", None, order_id)
                ship(db, Dispatcher(), f"reseller-{seed}", None, order_id, f"RESI{order_id}")
            except Exception as refused:  # another shipper got there first: fine
                if type(refused).__name__ != "QueueError":
                    raise
                continue
            with db.session() as session:
                store_id = session.get_one(Order, order_id).store_id
            confirm_shipment(db, order_id, markets[store_id])

    threads = [threading.Thread(target=run, args=(lambda s=s: buyers(s),)) for s in range(4)]
    threads += [threading.Thread(target=run, args=(lambda s=s: pushers(s),)) for s in (10, 11)]
    threads += [threading.Thread(target=run, args=(lambda: shippers(20),))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [repr(f)[:2000] for f in failures] == []
    assert deadlocks == []
    with db.session() as session:
        orders = session.scalar(select(func.count(Order.id)))
        lines = session.scalar(select(func.count(OrderLine.id)))
        reservations = session.scalar(select(func.count(Reservation.id)))
    assert orders == len(set(placed))
    assert reservations == lines


class HookedMarket(MemoryConnector):
    """A memory marketplace whose webhook body is the id of the order it names."""

    def __init__(self) -> None:
        super().__init__()
        self.fetched: list[str] = []
        self.guard = threading.Lock()

    def parse_webhook(self, body: bytes, headers: object = None) -> WebhookEvent:
        return WebhookEvent(topic="order", order_ids=(body.decode(),))

    def get_orders(self, external_ids: Sequence[str]) -> list[RemoteOrder]:
        with self.guard:
            self.fetched.extend(external_ids)
        return super().get_orders(external_ids)


@pytest.mark.postgres
@pytest.mark.timeout(120)
def test_concurrent_webhook_jobs_share_the_deliveries_instead_of_repeating_them(
    postgres_db: Database,
) -> None:
    db = postgres_db
    stores = _setup(db)
    store_id = stores["shopee"]
    market = HookedMarket()
    rng = random.Random(7)
    for n in range(300):
        remote = _order(f"W{n}", rng)
        market.orders[remote.external_id] = remote
        record_webhook(db, store_id, "order", remote.external_id.encode())
    reports: list[WebhookReport] = []

    def job() -> None:
        while True:
            report = process_webhooks(db, store_id, market, batch=25)
            reports.append(report)
            if not report.more:
                return

    threads = [threading.Thread(target=job) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(market.fetched) == sorted(market.orders)  # each order fetched once
    assert sum(r.new_orders for r in reports) == 300
    assert stores_with_pending_webhooks(db) == set()
    with db.session() as session:
        assert session.scalar(select(func.count(Order.id))) == 300


def test_a_webhook_job_whose_worker_died_takes_its_deliveries_again(db: Database) -> None:
    """The claim names the job's message: the message dramatiq hands out again after its
    worker was killed finds its own deliveries, while any other job leaves them alone."""
    stores = _setup(db)
    store_id = stores["lazada"]
    market = HookedMarket()
    remote = _order("K1", random.Random(1))
    market.orders["K1"] = remote
    record_webhook(db, store_id, "order", b"K1")
    dying = HookedMarket()  # the worker is killed while it fetches the order

    def killed(external_ids: Sequence[str]) -> list[RemoteOrder]:
        raise SystemExit("SIGKILL")

    dying.get_orders = killed  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        process_webhooks(db, store_id, dying, claimant="message-1")

    other = process_webhooks(db, store_id, market, claimant="message-2")
    assert (other.new_orders, market.fetched) == (0, [])
    again = process_webhooks(db, store_id, market, claimant="message-1")
    assert (again.new_orders, market.fetched, again.more) == (1, ["K1"], False)
