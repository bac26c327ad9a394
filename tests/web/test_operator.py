"""The operators' pages under /ops/: who may see them, what they show, the retry buttons —
on SQLite and PostgreSQL.

The state is what the engine writes (listings refused by a marketplace, job events,
dead letters, refused webhooks); a dead letter retried from the page runs for real on a
dramatiq worker over the in-process broker.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import dramatiq
import lapak.wiring.runtime
import pytest
from fastapi.testclient import TestClient
from lapak.config import load_config
from lapak.jobs.broker import build_broker
from lapak.jobs.replay import job_sender
from lapak.sync.changes import products_changed
from lapak.sync.orders import ingest_orders
from lapak.sync.store.db import Database
from lapak.sync.store.models import (
    DeadLetter,
    JobEvent,
    Listing,
    Merchant,
    Order,
    Product,
    Store,
    StrayListing,
    WebhookRecord,
)
from lapak.sync.types import OrderStatus, RemoteOrder, RemoteOrderLine
from lapak.web.app import create_app
from lapak.wiring.runtime import Runtime, install
from markupsafe import escape
from sqlalchemy import select

from tests.shopee_setup import shop_env, write_config

OPERATOR_TOKEN = "ops-token-0123456789"
RESELLER_TOKEN = "dewi-token-123456"  # tests.shopee_setup's reseller, on shop-a


def now() -> datetime:
    """Read at use: the suite may run this test minutes after importing the module."""
    return datetime.now(UTC)


class Recorder:
    """The dispatcher: keeps the pushes the pages ask for."""

    def __init__(self) -> None:
        self.pushes: list[int] = []

    def push(self, store_id: int) -> None:
        self.pushes.append(store_id)

    def fetch_orders(self, store_id: int, external_ids: object) -> None:
        return None

    def ship(self, order_id: int) -> None:
        return None

    def process_webhooks(self, store_id: int) -> None:
        return None


@dataclass
class Ops:
    runtime: Runtime
    recorder: Recorder
    ids: dict[str, int]

    def client(self, token: str | None = None, **options: object) -> TestClient:
        app = create_app(self.runtime, self.recorder, send_job=job_sender())
        client = TestClient(app, **options)  # type: ignore[arg-type]
        if token is not None:
            client.headers["Authorization"] = f"Bearer {token}"
        return client

    def operator(self) -> TestClient:
        """A program with the operator's bearer token: JSON answers."""
        return self.client(OPERATOR_TOKEN)

    def browser(self, **options: object) -> TestClient:
        """The operator at a browser, signed in (a cookie session): pages."""
        browser = self.client(**options)
        signed_in = browser.post("/signin", data={"token": OPERATOR_TOKEN}, follow_redirects=False)
        assert signed_in.status_code == 303
        return browser


def _listing(session, store_id: int, product: Product, **state: object) -> Listing:  # type: ignore[no-untyped-def]
    listing = Listing(
        store_id=store_id,
        product_id=product.id,
        item_id="9001",
        desired_stock=3,
        desired_price=Decimal(11_000),
        desired_hash="h",
        **state,
    )
    session.add(listing)
    session.flush()
    return listing


@pytest.fixture
def ops(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ops]:
    config = tmp_path / "lapak.toml"
    write_config(config, "http://127.0.0.1:9", database_url=db.url)
    text = config.read_text().replace(
        "[lapak]\n", '[lapak]\noperator_token_env = "OPS_OPERATOR_TOKEN"\n', 1
    )
    config.write_text(text)
    for key, value in shop_env(config).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("OPS_OPERATOR_TOKEN", OPERATOR_TOKEN)
    monkeypatch.setattr(lapak.wiring.runtime, "_current", None)  # restored after the test
    runtime = Runtime(load_config(config))
    runtime.bootstrap()
    shop_a, shop_b = runtime.store_ids["shop-a"], runtime.store_ids["shop-b"]
    ids: dict[str, int] = {"shop-a": shop_a, "shop-b": shop_b}
    with runtime.db.session() as session:
        merchant = session.scalar(select(Merchant.id))
        products = []
        for sku in ("KOPI-1", "KOPI-2", "KOPI-3"):
            product = Product(merchant_id=merchant, sku=sku, group_sku=sku, name=f"Kopi {sku}",
                              price=Decimal(10_000), weight_grams=250, on_hand=5)  # fmt: skip
            session.add(product)
            products.append(product)
        session.flush()
        _listing(session, shop_a, products[0], dirty=False)
        _listing(session, shop_a, products[1], dirty=True)
        failed = _listing(session, shop_a, products[2], dirty=True, failed=True,
                          last_error="stock: error_item_not_found: item 9001 was deleted",
                          last_error_at=now() - timedelta(minutes=5))  # fmt: skip
        ids["failed_listing"] = failed.id
        session.get_one(Store, shop_a).push_requested_at = now() - timedelta(seconds=40)
        session.get_one(Store, shop_a).last_pull_at = now() - timedelta(seconds=30)
        for n, (actor, store_id, outcome, error) in enumerate(
            [
                ("push_store", shop_a, "ok", None),
                ("pull_orders", shop_b, "error", "TransientError: /api/v2/order: timed out"),
                ("pull_orders", shop_a, "ok", None),
                ("push_store", shop_b, "retry", "throttled by the marketplace"),
                ("reconcile", None, "ok", None),
            ]
        ):
            at = now() - timedelta(minutes=10 - n)
            session.add(JobEvent(at=at, actor=actor, message_id=f"m{n}", store_id=store_id,
                                 outcome=outcome, attempt=1, duration_ms=12.5,
                                 counts={"seen": n}, error=error))  # fmt: skip
        letter = DeadLetter(message_id="dead-1", queue="orders", actor="process_webhooks",
                            args=[shop_a], kwargs={},
                            error="TransientError: timed out")  # fmt: skip
        unknown_actor = DeadLetter(message_id="dead-2", queue="orders", actor="gone_actor",
                                   args=[], kwargs={}, error="x")  # fmt: skip
        session.add_all([letter, unknown_actor])
        session.add(WebhookRecord(store_id=shop_b, topic="order_status", body='{"code": 3}',
                                  delivery_id="sha256:x",
                                  error="refused: stale: sent 1200 s ago"))  # fmt: skip
        session.flush()
        ids["dead"], ids["dead_unknown_actor"] = letter.id, unknown_actor.id
    recorder = Recorder()
    yield Ops(runtime, recorder, ids)
    runtime.close()


JSON = {"Accept": "application/json"}
ENGLISH = {"Accept-Language": "en"}
"""A browser asking for English pages (Bahasa Indonesia without it)."""


def test_only_the_operator_gets_in(ops: Ops) -> None:
    nobody = ops.client(follow_redirects=False)
    for path in ("/ops/", "/ops/listings", "/ops/dead-letters", "/ops/events", "/ops/webhooks"):
        assert nobody.get(path, headers=JSON).status_code == 401, path
        browser = nobody.get(path)
        assert browser.status_code == 303 and browser.headers["location"].startswith("/signin")
        assert ops.client(RESELLER_TOKEN).get(path).status_code == 403, path
        assert ops.client("not-a-token").get(path).status_code == 401, path
        assert ops.operator().get(path).status_code == 200, path
    assert (
        nobody.post(f"/ops/dead-letters/{ops.ids['dead']}/retry", headers=JSON).status_code == 401
    )
    reseller = ops.client(RESELLER_TOKEN)
    assert reseller.post(f"/ops/dead-letters/{ops.ids['dead']}/retry").status_code == 403
    assert reseller.post("/ops/listings/retry").status_code == 403
    # A reseller's cookie session is no way in either.
    browser = ops.client(follow_redirects=False)
    assert browser.post("/signin", data={"token": RESELLER_TOKEN}).status_code == 303
    assert browser.get("/ops/").status_code == 403
    # The operator signs in like anyone and lands on the stores page.
    operator = ops.client(follow_redirects=False)
    signed_in = operator.post("/signin", data={"token": OPERATOR_TOKEN})
    assert signed_in.headers["location"] == "/ops/"
    assert operator.get("/ops/").status_code == 200
    with ops.runtime.db.session() as session:
        assert session.get_one(DeadLetter, ops.ids["dead"]).retried_at is None


def test_the_stores_page_shows_each_stores_sync_state(ops: Ops) -> None:
    operator = ops.operator()
    data = operator.get("/ops/", headers=JSON).json()
    by_name = {s["name"]: s for s in data["stores"]}
    a, b = by_name["shop-a"], by_name["shop-b"]
    assert (a["listings"], a["in_sync"], a["dirty"], a["failed"]) == (3, 1, 1, 1)
    assert a["last_error_source"] == "listing" and "error_item_not_found" in a["last_error"]
    assert 35 <= a["sync_lag_seconds"] < 120  # the push was requested 40 s ago
    assert a["last_pull_at"] is not None and a["last_push_at"] is None
    # shop-b: its pull failed and nothing ran fine since; its push is being retried.
    assert b["last_error_source"] == "push_store" and "throttled" in b["last_error"]
    assert (b["listings"], b["webhooks_refused"], b["sync_lag_seconds"]) == (0, 1, 0)
    assert data["totals"] == {"stores": 2, "failed": 1, "dirty": 1, "dead": 2, "refused": 1}
    page = ops.browser().get("/ops/").text
    assert 'data-store="shop-a"' in page and "error_item_not_found" in page
    assert "throttled by the marketplace" in page


def test_failed_listings_show_the_marketplaces_error_and_can_be_pushed_again(ops: Ops) -> None:
    operator = ops.browser(follow_redirects=False)
    page = operator.get("/ops/listings?store=shop-a")
    assert page.status_code == 200
    assert "KOPI-3" in page.text and "item 9001 was deleted" in page.text
    assert "KOPI-2" not in page.text  # dirty, not failed
    assert operator.get("/ops/listings?store=nope").status_code == 404
    assert operator.post("/ops/listings/retry", data={"listing": "x"}).status_code == 422
    missing = operator.post("/ops/listings/retry", data={"listing": "999999"})
    assert missing.status_code == 404
    with ops.runtime.db.session() as session:  # no push pending: the retry asks for one
        session.get_one(Store, ops.ids["shop-a"]).push_requested_at = None
    pushed = operator.post("/ops/listings/retry", data={"listing": str(ops.ids["failed_listing"])})
    assert (pushed.status_code, pushed.headers["location"]) == (303, "/ops/listings")
    assert ops.recorder.pushes == [ops.ids["shop-a"]]
    with ops.runtime.db.session() as session:
        listing = session.get_one(Listing, ops.ids["failed_listing"])
        assert (listing.failed, listing.dirty) == (False, True)  # due again
    assert "KOPI-3" not in operator.get("/ops/listings").text


def test_an_app_given_no_job_sender_retries_no_dead_letter(ops: Ops) -> None:
    """The composition root hands web/ the replay; an app built without one says so (503)
    and the dead letter stays, unretried."""
    client = TestClient(create_app(ops.runtime, ops.recorder))
    client.headers["Authorization"] = f"Bearer {OPERATOR_TOKEN}"
    refused = client.post(f"/ops/dead-letters/{ops.ids['dead']}/retry", headers=JSON)
    assert refused.status_code == 503 and "no job sender" in refused.json()["detail"]
    with ops.runtime.db.session() as session:
        assert session.get_one(DeadLetter, ops.ids["dead"]).retried_at is None


def test_a_dead_letter_is_retried_once_from_the_page_and_runs(
    ops: Ops, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(ops.runtime)
    broker = build_broker(None)
    from lapak.jobs import actors  # noqa: F401  (declared on this broker)

    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        operator = ops.browser()
        listed = operator.get("/ops/dead-letters")
        assert listed.status_code == 200
        assert f'data-dead-letter="{ops.ids["dead"]}"' in listed.text and "timed out" in listed.text
        assert operator.post("/ops/dead-letters/999999/retry", headers=JSON).status_code == 404
        assert operator.post("/ops/dead-letters/999999/retry").status_code == 404  # a page
        retried = operator.post(
            f"/ops/dead-letters/{ops.ids['dead']}/retry", follow_redirects=False
        )
        assert (retried.status_code, retried.headers["location"]) == (303, "/ops/dead-letters")
        again = operator.post(f"/ops/dead-letters/{ops.ids['dead']}/retry", headers=JSON)
        assert again.status_code == 409 and "already retried" in again.json()["detail"]
        broker.join("orders", timeout=10_000)
        worker.join()
    finally:
        worker.stop()
    with ops.runtime.db.session() as session:
        ran = session.scalars(select(JobEvent).where(JobEvent.actor == "process_webhooks")).all()
        assert [(e.store_id, e.outcome) for e in ran] == [(ops.ids["shop-a"], "ok")]
        assert session.get_one(DeadLetter, ops.ids["dead"]).retried_at is not None
    # A job this version no longer has cannot be sent: it stays listed, unretried.
    gone = operator.post(f"/ops/dead-letters/{ops.ids['dead_unknown_actor']}/retry", headers=JSON)
    assert gone.status_code == 404
    with ops.runtime.db.session() as session:
        assert session.get_one(DeadLetter, ops.ids["dead_unknown_actor"]).retried_at is None
    shown = operator.get("/ops/dead-letters", headers=JSON).json()["dead_letters"]
    assert [d["id"] for d in shown] == [ops.ids["dead_unknown_actor"]]
    everything = operator.get("/ops/dead-letters?all=true", headers=JSON).json()
    assert len(everything["dead_letters"]) == 2


def test_the_job_log_filters_by_store_actor_and_outcome(ops: Ops) -> None:
    operator = ops.operator()

    def actors(query: str) -> list[tuple[str, str | None, str]]:
        events = operator.get(f"/ops/events{query}", headers=JSON).json()["events"]
        return [(e["actor"], e["store"], e["outcome"]) for e in events]

    assert actors("") == [
        ("reconcile", None, "ok"),
        ("push_store", "shop-b", "retry"),
        ("pull_orders", "shop-a", "ok"),
        ("pull_orders", "shop-b", "error"),
        ("push_store", "shop-a", "ok"),
    ]
    assert actors("?store=shop-b") == [
        ("push_store", "shop-b", "retry"),
        ("pull_orders", "shop-b", "error"),
    ]
    assert actors("?actor=pull_orders&outcome=error") == [("pull_orders", "shop-b", "error")]
    assert actors("?store=shop-a&actor=push_store") == [("push_store", "shop-a", "ok")]
    assert actors("?outcome=ok&store=&actor=") == [
        ("reconcile", None, "ok"),
        ("pull_orders", "shop-a", "ok"),
        ("push_store", "shop-a", "ok"),
    ]
    newest = operator.get("/ops/events", headers=JSON).json()["events"][0]["id"]
    assert len(operator.get(f"/ops/events?before={newest}", headers=JSON).json()["events"]) == 4
    assert operator.get("/ops/events?store=nope").status_code == 404
    assert operator.get("/ops/events?before=x").status_code == 422
    page = ops.browser().get("/ops/events?store=shop-b&outcome=error").text
    assert "timed out" in page and "throttled" not in page
    assert '<option value="pull_orders"' in page  # the filters offer what the log holds


def test_a_bogus_actor_or_outcome_filter_is_refused_with_the_allowed_values(ops: Ops) -> None:
    operator = ops.operator()
    outcome = operator.get("/ops/events?outcome=bogus", headers=JSON)
    assert outcome.status_code == 422
    assert outcome.json()["detail"] == "Unknown outcome 'bogus': use one of ok, retry, error."
    actor = operator.get("/ops/events?actor=bogus", headers=JSON)
    assert actor.status_code == 422 and "push_store" in actor.json()["detail"]
    page = ops.browser().get("/ops/events?outcome=bogus")
    assert page.status_code == 422 and "ok, retry, error" in page.text


def test_refused_webhooks_are_shown_with_their_reason_and_body(ops: Ops) -> None:
    page = ops.browser().get("/ops/webhooks")
    assert page.status_code == 200
    assert "refused: stale: sent 1200 s ago" in page.text
    assert str(escape(json.dumps({"code": 3}))) in page.text  # the raw body, escaped
    data = ops.operator().get("/ops/webhooks", headers=JSON).json()["webhooks"]
    assert [(w["store"], w["body"]) for w in data] == [("shop-b", '{"code": 3}')]


def test_stray_listings_are_shown_and_counted_in_metrics(ops: Ops) -> None:
    with ops.runtime.db.session() as session:
        session.add(StrayListing(store_id=ops.ids["shop-a"], sku="KOPI-1", item_id="7001",
                                 variant_id="", stock_seen=0, action="zeroed",
                                 zeroed_at=now()))  # fmt: skip
    page = ops.browser().get("/ops/strays")
    assert page.status_code == 200
    assert "7001" in page.text and "KOPI-1" in page.text
    data = ops.operator().get("/ops/strays", headers=JSON).json()["strays"]
    assert [(s["store"], s["sku"], s["item_id"], s["action"]) for s in data] == [
        ("shop-a", "KOPI-1", "7001", "zeroed")
    ]
    metrics = ops.operator().get("/metrics").text
    assert 'lapak_stray_listings{action="zeroed",store="shop-a"} 1.0' in metrics


# --- oversold orders: flagged at intake, shown on the card, at /ops/oversold and in /metrics


def _remote_order(external_id: str, sku: str, quantity: int) -> RemoteOrder:
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
    first = _take_in(ops, "shop-b", _remote_order("B-1", "KOPI-1", 4))  # 5 on hand
    second = _take_in(ops, "shop-a", _remote_order("A-1", "KOPI-1", 3))  # one left: two short
    third = _take_in(ops, "shop-a", _remote_order("A-2", "KOPI-2", 1))
    assert (first.oversold_units, second.oversold_units, third.oversold_units) == (0, 2, 0)

    listed = ops.operator().get("/ops/oversold", headers=JSON).json()["oversold"]
    assert [(o["store"], o["external_id"], o["oversold_units"]) for o in listed] == [
        ("shop-a", "A-1", 2)
    ]
    competitors = [(c["store"], c["external_id"], c["quantity"]) for c in listed[0]["competitors"]]
    assert competitors == [("shop-b", "B-1", 4)]
    page = ops.browser(headers=ENGLISH).get("/ops/oversold")
    assert page.status_code == 200
    assert "2 units short" in page.text and "shop-b #B-1" in page.text
    in_indonesian = ops.browser().get("/ops/oversold").text  # the default
    assert "kurang 2 unit" in in_indonesian and 'lang="id"' in in_indonesian

    reseller = ops.client(RESELLER_TOKEN)  # works shop-a
    card = reseller.get(f"/api/orders/{second.id}").json()
    assert card["oversold_units"] == 2
    assert reseller.get(f"/api/orders/{third.id}").json()["oversold_units"] == 0
    queue = ops.client(headers=ENGLISH)
    assert queue.post("/signin", data={"token": RESELLER_TOKEN}).status_code == 200
    assert "Oversold: 2 units" in queue.get("/").text

    metrics = ops.operator().get("/metrics").text
    assert 'lapak_orders_oversold{store="shop-a"} 1.0' in metrics
