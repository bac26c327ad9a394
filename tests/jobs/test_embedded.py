"""`lapak run`'s embedded mode (SQLite + in-process broker) against two sandbox shops."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import dramatiq
import lapak.sync.push
import lapak.sync.webhooks
import lapak.wiring.runtime
import pytest
from lapak.cli import app as cli
from lapak.cli.embedded import Embedded
from lapak.connectors.shopee.signing import webhook_signature
from lapak.jobs import actors
from lapak.sync.catalog import set_stock
from lapak.sync.dispatch import request_pushes
from lapak.sync.protocol import TransientError
from lapak.sync.push import push_store
from lapak.sync.store.models import (
    DeadLetter,
    JobEvent,
    Listing,
    Merchant,
    Order,
    WebhookRecord,
    utcnow,
)
from lapak.sync.webhooks import (
    Outcome,
    process_webhooks,
    record_webhook,
    stores_with_pending_webhooks,
    take_in,
)
from lapak.wiring.logging import configure_logging
from lapak.wiring.runtime import Runtime
from lapak.wiring.server import serve
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from tests.shopee_setup import (
    PARTNER_KEY,
    SHOP_A,
    SHOP_B,
    sandbox_app,
    shopee_lapak,
    wait_for,
)


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple]:
    app = sandbox_app()
    with serve(app) as server:
        runtime, skus, _ = shopee_lapak(tmp_path, server.url, monkeypatch, 20, lambda n: 10)
        yield runtime, app.state.sandbox, skus, tmp_path / "lapak.toml"
        runtime.close()


def test_embedded_run_publishes_pulls_and_follows_stock(setup: tuple) -> None:
    runtime, sandbox, skus, _ = setup
    log = io.StringIO()
    configure_logging("INFO", stream=log)
    with Embedded(runtime, threads=4):
        wait_for(
            "the catalog on both shops",
            lambda: (
                all(sandbox.stock_of(SHOP_B, sku) == 9 for sku in skus)
                and all(sandbox.stock_of(SHOP_A, sku) == 10 for sku in skus)
            ),
        )
        sandbox.place_order(SHOP_A, [(skus[0], 3)])
        took = wait_for("shop B to follow", lambda: sandbox.stock_of(SHOP_B, skus[0]) == 6)
        assert took < 5
    with runtime.db.session() as session:
        assert session.scalar(select(func.count(Order.id))) == 1
        actors_seen = set(session.scalars(select(JobEvent.actor)))
    assert {"push_store", "pull_orders", "reconcile"} <= actors_seen
    lines = [json.loads(line) for line in log.getvalue().splitlines()]
    finished = [line for line in lines if line["event"] == "job_finished"]
    assert finished and all(
        {"actor", "message_id", "duration_ms", "outcome"} <= set(f) for f in finished
    )
    pushes = [f for f in finished if f["actor"] == "push_store" and f["counts"].get("created")]
    assert pushes and all(f["store_id"] in runtime.store_ids.values() for f in pushes)
    text = log.getvalue()
    assert PARTNER_KEY not in text
    token = runtime.vault(runtime.store_ids["shop-a"]).peek()
    assert token is not None and token.access_token not in text and token.refresh_token not in text


def test_dead_lettered_push_keeps_listing_dirty_and_replays(
    setup: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime, sandbox, skus, config_path = setup
    with Embedded(runtime, threads=4):
        wait_for("the catalog on shop A", lambda: sandbox.stock_of(SHOP_A, skus[-1]) == 10)
        # and on shop B: a create still to come would carry the new stock past the fault
        wait_for("the catalog on shop B", lambda: sandbox.stock_of(SHOP_B, skus[-1]) == 9)
        # the whole call fails (a per-item failure would back off alone: test_push_backoff)
        down = {"update_stock": True}
        connector_type = type(runtime.connector(runtime.store_ids["shop-a"]))
        update_stock = connector_type.update_stock

        def unreachable(self: Any, updates: Any) -> Any:
            if down["update_stock"]:
                raise TransientError("/api/v2/product/update_stock: connection reset")
            return update_stock(self, updates)

        monkeypatch.setattr(connector_type, "update_stock", unreachable)
        monkeypatch.setitem(actors.push_store.options, "max_retries", 1)
        monkeypatch.setitem(actors.push_store.options, "min_backoff", 10)
        monkeypatch.setitem(actors.push_store.options, "max_backoff", 20)
        with runtime.db.session() as session:
            merchant_id = session.scalar(select(Merchant.id))
        set_stock(runtime.db, merchant_id, skus[-1], 4)
        request_pushes(runtime.db, actors.dispatcher, runtime.store_ids.values())

        def dead_lettered() -> bool:  # both shops' pushes: the new stock is for both
            with runtime.db.session() as session:
                stores = {args[0] for args in session.scalars(select(DeadLetter.args))}
            return stores == set(runtime.store_ids.values())

        wait_for("the pushes to be dead-lettered", dead_lettered, 60)
        with runtime.db.session() as session:
            dirty = session.scalars(select(Listing).where(Listing.dirty)).all()
        assert sorted((row.store_id, row.product.sku) for row in dirty) == sorted(
            (store, skus[-1]) for store in runtime.store_ids.values()
        )
        with runtime.db.session() as session:
            errors = session.scalars(select(DeadLetter.error)).all()
        assert all("update_stock" in (error or "") for error in errors)
        assert sandbox.stock_of(SHOP_A, skus[-1]) == 10
        down["update_stock"] = False
    # one per shop, or two where a request came while a push was failing and its message
    # ran after that push let go of the store: each retried push is a push of that shop
    with runtime.db.session() as session:
        dead = session.scalar(select(func.count(DeadLetter.id)))
    result = CliRunner().invoke(cli, ["jobs", "retry", "--config", str(config_path)])
    assert result.exit_code == 0, result.output
    assert f"{dead} jobs retried" in result.output
    assert (sandbox.stock_of(SHOP_A, skus[-1]), sandbox.stock_of(SHOP_B, skus[-1])) == (4, 3)
    listed = CliRunner().invoke(cli, ["jobs", "failed", "--config", str(config_path)])
    assert "push_store" not in listed.output


def _order_status_push(order_sn: str) -> bytes:
    """Shopee's order status push (code 3) for one order, as its sandbox sends it."""
    return json.dumps(
        {
            "data": {
                "items": [],
                "ordersn": order_sn,
                "status": "READY_TO_SHIP",
                "completed_scenario": "",
                "update_time": int(time.time()),
            },
            "shop_id": SHOP_A,
            "code": 3,
            "timestamp": int(time.time()),
        }
    ).encode()


def test_stored_webhooks_fetch_their_orders_and_malformed_ones_are_kept(setup: tuple) -> None:
    runtime, sandbox, skus, _ = setup
    store_a = runtime.store_ids["shop-a"]
    connector = runtime.connector(store_a)
    push_store(runtime.db, store_a, connector)
    order_sn = sandbox.place_order(SHOP_A, [(skus[0], 2)])
    good = record_webhook(runtime.db, store_a, "order_status", _order_status_push(order_sn))
    bad = record_webhook(runtime.db, store_a, "order_status", b'{"code": 3, "data": ')
    assert stores_with_pending_webhooks(runtime.db) == {store_a}
    report = process_webhooks(runtime.db, store_a, connector)
    assert (report.new_orders, report.stores_to_push) == (1, set(runtime.store_ids.values()))
    with runtime.db.session() as session:
        assert session.get_one(WebhookRecord, good).processed_at is not None
        kept = session.get_one(WebhookRecord, bad)
        assert kept.processed_at is None and kept.error
        assert session.scalar(select(Order.external_id)) == order_sn
    assert stores_with_pending_webhooks(runtime.db) == set()


def test_a_pull_while_another_pull_of_the_store_runs_is_skipped(
    setup: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow pull (one by one at a few calls a second) must not pile up behind itself:
    every poll tick would otherwise hold one more worker thread on the same orders."""
    runtime, sandbox, skus, _ = setup
    monkeypatch.setattr(lapak.wiring.runtime, "_current", runtime)
    store_a = runtime.store_ids["shop-a"]
    push_store(runtime.db, store_a, runtime.connector(store_a))
    sandbox.place_order(SHOP_A, [(skus[0], 1)])
    with actors.pull_lease(store_a).hold() as held:
        assert held
        actors.pull_orders.fn(store_a)
    with runtime.db.session() as session:
        assert session.scalar(select(func.count(Order.id))) == 0  # skipped: the other covers it
    actors.pull_orders.fn(store_a)
    with runtime.db.session() as session:
        assert session.scalar(select(func.count(Order.id))) == 1


class Sent:
    """Records the messages an actor would send instead of enqueueing them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, actor: Any) -> None:
        self.now: list[Any] = []
        self.delayed: list[Any] = []
        monkeypatch.setattr(actor, "send", lambda *args: self.now.append(args))
        monkeypatch.setattr(
            actor, "send_with_options", lambda **options: self.delayed.append(options)
        )


def test_a_push_asked_while_the_store_is_busy_is_sent_again_by_the_push_holding_it(
    setup: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The message of a request made during a push ends at once (no message waits or polls
    for the store's mutex), and the push holding the store sends one when it lets go."""
    runtime, sandbox, skus, _ = setup
    monkeypatch.setattr(lapak.wiring.runtime, "_current", runtime)
    store_a = runtime.store_ids["shop-a"]
    push_store(runtime.db, store_a, runtime.connector(store_a))  # the catalog on shop A
    with runtime.db.session() as session:
        merchant_id = session.scalar(select(Merchant.id))
    sent = Sent(monkeypatch, actors.push_store)
    original = lapak.sync.push.push_store

    def push_meanwhile_asked(*args: Any, **kwargs: Any) -> Any:
        report = original(*args, **kwargs)
        set_stock(runtime.db, merchant_id, skus[0], 4)  # a stock take while the push runs
        assert request_pushes(runtime.db, actors.dispatcher, [store_a]) == [store_a]
        turned_away = len(sent.now)
        actors.push_store.fn(store_a)  # that request's message: the store is busy
        assert len(sent.now) == turned_away and sent.delayed == []  # it ended, sent nothing
        return report

    monkeypatch.setattr(lapak.sync.push, "push_store", push_meanwhile_asked)
    sent.now.clear()  # request_pushes above sends through the same actor
    actors.push_store.fn(store_a)
    assert sent.now[-1] == (store_a,)  # the holder, letting go, sends the push asked for
    assert sandbox.stock_of(SHOP_A, skus[0]) == 10
    monkeypatch.setattr(lapak.sync.push, "push_store", original)
    actors.push_store.fn(store_a)  # that message
    assert sandbox.stock_of(SHOP_A, skus[0]) == 4


def _a_delivery_waiting(setup: tuple, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """Shop A listed, one order placed on it and its webhook stored, not yet processed;
    the actors running on this runtime. Returns shop A's store id and the order's id."""
    runtime, sandbox, skus, _ = setup
    monkeypatch.setattr(lapak.wiring.runtime, "_current", runtime)
    store_a = runtime.store_ids["shop-a"]
    push_store(runtime.db, store_a, runtime.connector(store_a))
    order_sn = sandbox.place_order(SHOP_A, [(skus[0], 1)])
    record_webhook(runtime.db, store_a, "order_status", _order_status_push(order_sn))
    return store_a, order_sn


def test_a_webhook_job_while_another_holds_the_store_leaves_its_delivery_to_it(
    setup: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a flash sale every delivery sends a job; one job per store fetches, taking every
    delivery waiting, and the ones that found the store busy end at once."""
    runtime = setup[0]
    store_a, order_sn = _a_delivery_waiting(setup, monkeypatch)
    sent = Sent(monkeypatch, actors.process_webhooks)
    with actors.webhook_lease(store_a).hold() as held:
        assert held
        actors.process_webhooks.fn(store_a)  # the delivery's job, while another holds
    assert sent.now == [] and stores_with_pending_webhooks(runtime.db) == {store_a}
    with runtime.db.session() as session:
        assert session.scalar(select(func.count(Order.id))) == 0
    actors.process_webhooks.fn(store_a)
    with runtime.db.session() as session:
        assert session.scalar(select(Order.external_id)) == order_sn
    assert stores_with_pending_webhooks(runtime.db) == set() and sent.now == []


def _deliver(runtime: Runtime, store_id: int, order_sn: str) -> bool:
    """What the web does with a signed delivery of the order's status: store it, and send
    the store's `process_webhooks` job if it is the one to; whether it sent one."""
    url, body = "https://lapak.example/webhooks/shop-a", _order_status_push(order_sn)
    headers = {"Authorization": webhook_signature(PARTNER_KEY, url, body)}
    intake = take_in(runtime.db, store_id, runtime.connector(store_id), url, headers, body)
    assert intake.outcome is Outcome.ACCEPTED, intake
    if intake.job_requested_at is not None:
        actors.dispatcher.process_webhooks(store_id)
    return intake.job_requested_at is not None


def test_a_flash_sales_deliveries_ask_for_one_job_and_none_is_left_behind(
    setup: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the first delivery since a job took the store's deliveries sends a job. One
    stored while a job holds the store sends one more, which finds the store busy and ends;
    the holder sends the job that takes it when it lets go."""
    runtime, sandbox, skus, _ = setup
    monkeypatch.setattr(lapak.wiring.runtime, "_current", runtime)
    store_a = runtime.store_ids["shop-a"]
    push_store(runtime.db, store_a, runtime.connector(store_a))
    sent = Sent(monkeypatch, actors.process_webhooks)
    first, second, third = (sandbox.place_order(SHOP_A, [(sku, 1)]) for sku in skus[:3])
    assert _deliver(runtime, store_a, first)
    assert not _deliver(runtime, store_a, second)
    assert sent.now == [(store_a,)]
    original = lapak.sync.webhooks.process_webhooks

    def a_delivery_meanwhile(*args: Any, **kwargs: Any) -> Any:
        report = original(*args, **kwargs)
        assert _deliver(runtime, store_a, third)  # the job took the others: it asks again
        actors.process_webhooks.fn(store_a)  # that delivery's job: the store is busy
        return report

    monkeypatch.setattr(lapak.sync.webhooks, "process_webhooks", a_delivery_meanwhile)
    actors.process_webhooks.fn(store_a)  # the first job: takes the first two
    assert sent.now == [(store_a,)] * 3  # the first job, the third delivery's, the holder's
    monkeypatch.setattr(lapak.sync.webhooks, "process_webhooks", original)
    actors.process_webhooks.fn(store_a)  # the holder's: takes the third
    with runtime.db.session() as session:
        stored = set(session.scalars(select(Order.external_id)))
    assert stored == {first, second, third}
    assert stores_with_pending_webhooks(runtime.db) == set() and len(sent.now) == 3


def test_a_webhook_job_back_for_its_own_claims_waits_for_the_lease_instead_of_ending(
    setup: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed while its webhook job held the store: the message comes back with
    that attempt's claims, which no other job takes. Finding the lease still held (the dead
    attempt's, until its TTL runs out), it is retried later rather than acknowledged."""
    runtime = setup[0]
    store_a, order_sn = _a_delivery_waiting(setup, monkeypatch)
    with runtime.db.session() as session:  # the killed attempt's claim
        session.execute(
            update(WebhookRecord).values(
                claimed_by="message-1", claimed_until=utcnow() + timedelta(minutes=5)
            )
        )
    message = SimpleNamespace(message_id="message-1")
    monkeypatch.setattr(actors.CurrentMessage, "get_current_message", lambda: message)
    with actors.webhook_lease(store_a).hold() as held:
        assert held
        with pytest.raises(dramatiq.Retry):
            actors.process_webhooks.fn(store_a)
    actors.process_webhooks.fn(store_a)  # the retry, once the lease is free
    with runtime.db.session() as session:
        assert session.scalar(select(Order.external_id)) == order_sn


def test_set_stock_from_another_process_reaches_a_running_lapak_within_seconds(
    setup: tuple,
) -> None:
    """`lapak catalog set-stock` in a second terminal: its push request is taken over by the
    running embedded `lapak run` (no stale timer), and the command says so."""
    runtime, sandbox, skus, config_path = setup
    with Embedded(runtime, threads=4):
        wait_for("the catalog on shop A", lambda: sandbox.stock_of(SHOP_A, skus[-1]) == 10)
        wait_for("the catalog on shop B", lambda: sandbox.stock_of(SHOP_B, skus[-1]) == 9)
        started = time.monotonic()
        command = subprocess.run(
            [sys.executable, "-c", "from cli import main; main()", "catalog", "set-stock",
             skus[-1], "4", "--config", str(config_path)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert command.returncode == 0, command.stderr
        assert "pushed to 2 stores by the running lapak run" in command.stdout
        wait_for(
            "both shops to show the new stock",
            lambda: (
                (sandbox.stock_of(SHOP_A, skus[-1]), sandbox.stock_of(SHOP_B, skus[-1])) == (4, 3)
            ),
            timeout=10,
        )
        assert time.monotonic() - started < 10  # the stale timer was 60 s
