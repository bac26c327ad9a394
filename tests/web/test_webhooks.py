"""Webhooks in: verified with the marketplace's signature, checked for freshness and replay,
stored, turned into a job — on SQLite and PostgreSQL, and for every registered platform
through its own sandbox's real pushes."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from lapak.cli.embedded import Embedded
from lapak.config import load_config
from lapak.connectors.shopee.signing import webhook_signature
from lapak.sandboxes.registry import sandbox_for
from lapak.sync.catalog import import_catalog
from lapak.sync.registry import platforms, plugin_for
from lapak.sync.store.db import Database
from lapak.sync.store.models import Merchant, Order, WebhookRecord
from lapak.sync.store.models import Store as StoreRow
from lapak.sync.webhooks import Freshness, process_webhooks
from lapak.web.app import create_app
from lapak.wiring.runtime import Runtime
from lapak.wiring.server import serve
from sqlalchemy import func, select

from tests.shopee_setup import (
    PARTNER_KEY,
    SHOP_A,
    SHOP_B,
    sandbox_app,
    shop_env,
    wait_for,
    write_catalog,
    write_config,
)


class Recorder:
    """A `sync.dispatch.Dispatcher` that keeps the jobs asked for instead of sending them."""

    def __init__(self) -> None:
        self.webhooks: list[int] = []

    def push(self, store_id: int) -> None:
        return None

    def fetch_orders(self, store_id: int, external_ids: object) -> None:
        return None

    def ship(self, order_id: int) -> None:
        return None

    def process_webhooks(self, store_id: int) -> None:
        self.webhooks.append(store_id)


URL = "http://testserver/webhooks/shop-a"


def _push_body(order_sn: str, *, sent: float | None = None, code: int = 3) -> bytes:
    sent_at = int(time.time() if sent is None else sent)
    data = {"items": [], "ordersn": order_sn, "status": "READY_TO_SHIP", "update_time": sent_at}
    payload = {"data": data, "shop_id": SHOP_A, "code": code, "timestamp": sent_at}
    return json.dumps(payload).encode()


def _signed(body: bytes, url: str = URL) -> dict[str, str]:
    return {"Authorization": webhook_signature(PARTNER_KEY, url, body)}


def _records(runtime: Runtime) -> list[WebhookRecord]:
    with runtime.db.session() as session:
        return list(session.scalars(select(WebhookRecord).order_by(WebhookRecord.id)))


def test_signed_push_is_stored_and_queued_and_bad_ones_refused(runtime: Runtime) -> None:
    recorder = Recorder()
    client = TestClient(create_app(runtime, dispatcher=recorder))
    body = _push_body("2611290001")
    good = client.post("/webhooks/shop-a", content=body, headers=_signed(body))
    assert (good.status_code, good.content) == (200, b"")  # Shopee wants an empty 2xx
    forged = client.post("/webhooks/shop-a", content=body, headers={"Authorization": "0" * 64})
    missing = client.post("/webhooks/shop-a", content=body)
    other_shop = client.post(  # signed for shop-b's URL, sent to shop-a's
        "/webhooks/shop-a", content=body, headers=_signed(body, "http://testserver/webhooks/shop-b")
    )
    tampered = client.post(
        "/webhooks/shop-a", content=body.replace(b"0001", b"0002"), headers=_signed(body)
    )
    unknown = client.post("/webhooks/nope", content=body, headers=_signed(body))
    assert [r.status_code for r in (forged, missing, other_shop, tampered, unknown)] == [
        401,
        401,
        401,
        401,
        404,
    ]
    assert recorder.webhooks == [runtime.store_ids["shop-a"]]
    [stored] = _records(runtime)
    assert (stored.topic, stored.body, stored.error) == ("order_status", body.decode(), None)
    assert stored.delivery_id and stored.delivery_id.startswith("sha256:")
    assert stored.sent_at is not None and abs(stored.sent_at.timestamp() - time.time()) < 60


def test_a_retried_delivery_is_answered_but_not_queued_twice(runtime: Runtime) -> None:
    recorder = Recorder()
    client = TestClient(create_app(runtime, dispatcher=recorder))
    body = _push_body("2611290002")
    first = client.post("/webhooks/shop-a", content=body, headers=_signed(body))
    retried = client.post("/webhooks/shop-a", content=body, headers=_signed(body))
    assert (first.status_code, retried.status_code) == (200, 200)
    assert recorder.webhooks == [runtime.store_ids["shop-a"]]
    assert len(_records(runtime)) == 1
    # The same order in a new event (a later status, a later timestamp) is a new delivery;
    # the job the first one asked for has not taken the store's deliveries yet, and will
    # take this one too: no second job (sync.dispatch.ask_for_webhooks_job).
    later = _push_body("2611290002", sent=time.time() + 1)
    assert client.post("/webhooks/shop-a", content=later, headers=_signed(later)).status_code == 200
    assert len(recorder.webhooks) == 1 and len(_records(runtime)) == 2


class DownBroker(Recorder):
    """A dispatcher whose broker refuses every message."""

    def process_webhooks(self, store_id: int) -> None:
        self.webhooks.append(store_id)
        raise ConnectionError("the broker is down")


def test_with_the_broker_down_each_delivery_is_stored_and_tries_to_send_its_job(
    runtime: Runtime,
) -> None:
    """A job that could not be sent is not waited for: the next delivery sends one again
    (the reconciler takes what is stored meanwhile)."""
    broker = DownBroker()
    client = TestClient(create_app(runtime, dispatcher=broker))
    for order_sn in ("2611290020", "2611290021"):
        body = _push_body(order_sn)
        answer = client.post("/webhooks/shop-a", content=body, headers=_signed(body))
        assert answer.status_code == 200
    store_id = runtime.store_ids["shop-a"]
    assert broker.webhooks == [store_id, store_id] and len(_records(runtime)) == 2
    with runtime.db.session() as session:
        assert session.get_one(StoreRow, store_id).webhooks_requested_at is None


def test_stale_and_future_events_are_refused_and_kept_with_the_reason(runtime: Runtime) -> None:
    recorder = Recorder()
    app = create_app(runtime, dispatcher=recorder)
    client = TestClient(app)
    old = _push_body("2611290003", sent=time.time() - 25 * 3600)  # past the 24 h limit
    ahead = _push_body("2611290004", sent=time.time() + 10 * 60)
    stale = client.post("/webhooks/shop-a", content=old, headers=_signed(old))
    future = client.post("/webhooks/shop-a", content=ahead, headers=_signed(ahead))
    assert (stale.status_code, future.status_code) == (400, 400)
    assert "stale" in stale.json()["detail"] and "future" in future.json()["detail"]
    assert recorder.webhooks == []
    kept = _records(runtime)
    assert [r.processed_at for r in kept] == [None, None]
    assert all(r.error and r.error.startswith("refused: ") for r in kept)
    # A delivery accepted while fresh and replayed once it is stale is refused too.
    recent = _push_body("2611290005", sent=time.time() - 60)
    assert (
        client.post("/webhooks/shop-a", content=recent, headers=_signed(recent)).status_code == 200
    )
    app.state.webhook_freshness = Freshness(max_age=timedelta(seconds=30))
    replay = client.post("/webhooks/shop-a", content=recent, headers=_signed(recent))
    assert replay.status_code == 400
    assert len(recorder.webhooks) == 1 and len(_records(runtime)) == 3


def test_signed_but_unusable_bodies_are_kept_for_operators_not_queued(runtime: Runtime) -> None:
    recorder = Recorder()
    client = TestClient(create_app(runtime, dispatcher=recorder))
    garbled = b'{"code": 3, "data": '
    no_orders = _push_body("x", code=12)  # a push that names no order: nothing to fetch
    for body in (garbled, no_orders):
        assert (
            client.post("/webhooks/shop-a", content=body, headers=_signed(body)).status_code == 200
        )
    assert recorder.webhooks == []
    unparsed, other = _records(runtime)
    assert (unparsed.topic, unparsed.processed_at) == ("unparsed", None)
    assert unparsed.error and "not JSON" in unparsed.error
    assert (other.topic, other.error) == ("code_12", None)
    assert other.processed_at is not None  # done: the reconciler will not pick it up again


def test_the_signature_is_checked_against_the_configured_public_url(
    runtime: Runtime, tmp_path: Path
) -> None:
    config = runtime.config.path
    text = config.read_text()
    config.write_text(
        text.replace("[lapak]\n", '[lapak]\npublic_url = "https://lapak.example.id"\n')
    )
    public = Runtime(load_config(config))
    public.bootstrap()
    try:
        recorder = Recorder()
        client = TestClient(create_app(public, dispatcher=recorder))
        body = _push_body("2611290006")
        as_called = client.post("/webhooks/shop-a", content=body, headers=_signed(body))
        registered = _signed(body, "https://lapak.example.id/webhooks/shop-a")
        as_registered = client.post("/webhooks/shop-a", content=body, headers=registered)
        assert (as_called.status_code, as_registered.status_code) == (401, 200)
    finally:
        public.close()


# --- every platform, through its own sandbox's pushes -------------------------------------------


@dataclass
class Capture:
    """ASGI wrapper: keeps each webhook request (path, headers, raw body) it passes on."""

    app: Any
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/webhooks/"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        with self.lock:
            self.requests.append((scope["path"], headers, body))
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def _platform_config(
    path: Path, platform: str, store: str, sandbox_url: str, db_url: str
) -> dict[str, str]:
    """A config with one sandbox store of `platform`; returns the environment it needs."""
    plugin = plugin_for(platform)
    values = sandbox_for(plugin.platform).credentials(store, 0)
    env: dict[str, str] = {}
    lines = []
    for key, value in values.items():
        name = f"WH_{platform}_{key}".upper()
        env[name] = str(value)
        lines.append(f'{key} = "{name}"')
    credentials = "\n".join(lines)
    path.write_text(
        f"""[lapak]
database_url = "{db_url}"

[[merchants]]
name = "umkm"

[[stores]]
name = "{store}"
platform = "{platform}"
merchant = "umkm"
base_url = "{sandbox_url}"
rate_limit_per_second = 1000

[stores.credentials]
{credentials}
"""
    )
    return env


@pytest.mark.parametrize("platform", platforms())
def test_each_platforms_sandbox_push_is_verified_taken_in_and_tampering_refused(
    platform: str, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin = plugin_for(platform)
    store = f"{platform}-toko"
    sandbox = sandbox_for(plugin.platform).app(
        [{"name": store, **sandbox_for(plugin.platform).credentials(store, 0)}]
    )
    control = sandbox.state.control
    control.set_rate_limit(0)
    with serve(sandbox) as marketplace:
        env = _platform_config(tmp_path / "lapak.toml", platform, store, marketplace.url, db.url)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        runtime = Runtime(load_config(tmp_path / "lapak.toml"))
        runtime.bootstrap()
        recorder = Recorder()
        capture = Capture(create_app(runtime, dispatcher=recorder))
        try:
            with serve(capture) as lapak:
                hook = f"{lapak.url}/webhooks/{store}"
                control.set_webhook_url(store, hook)
                control.add_listing(store, sku="KOPI-1", name="Kopi Gayo", price=25_000, stock=5)
                external_id = control.place_order(store, [("KOPI-1", 2)])
                assert control.flush_webhooks(10), "the sandbox did not deliver its pushes"
                wait_for("the push", lambda: bool(recorder.webhooks), timeout=10)
                path, headers, body = capture.requests[0]
                assert path == f"/webhooks/{store}"
                # Our answer counted as delivered: the sandbox sent no delivery twice.
                bodies = [sent for _, _, sent in capture.requests]
                assert len(set(bodies)) == len(bodies), "the sandbox retried a delivery"
                kept = _records(runtime)
                assert kept and all(r.error is None for r in kept), [r.error for r in kept]
                store_id = runtime.store_ids[store]
                assert set(recorder.webhooks) == {store_id}
                queued = len(recorder.webhooks)
                replay = {
                    k: v for k, v in headers.items() if k.lower() not in {"host", "content-length"}
                }
                again = httpx.post(hook, content=body, headers=replay)
                assert again.status_code == 200 and len(recorder.webhooks) == queued
                flipped = body.replace(b"KOPI", b"KOPX") if b"KOPI" in body else body + b" "
                tampered = httpx.post(hook, content=flipped, headers=replay)
                unsigned = httpx.post(
                    hook,
                    content=body,
                    headers={k: v for k, v in replay.items() if k.lower() == "content-type"},
                )
                assert (tampered.status_code, unsigned.status_code) == (401, 401)
                assert len(_records(runtime)) == len(kept)
            # The job the webhook asked for fetches just that order, through the connector.
            report = process_webhooks(runtime.db, store_id, runtime.connector(store_id))
            assert report.new_orders == 1
            with runtime.db.session() as session:
                assert session.scalars(select(Order.external_id)).all() == [external_id]
        finally:
            runtime.close()
            control.close()


def test_woocommerces_unsigned_ping_is_answered_200_and_nothing_fetched(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WooCommerce pings a new webhook's URL unsigned and wants exactly 200 (else the seller
    reads "Delivery URL returned response code: 401"); an unsigned order body stays 401."""
    store = "woo-toko"
    env = _platform_config(
        tmp_path / "lapak.toml", "woocommerce", store, "http://127.0.0.1:9", db.url
    )
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    runtime = Runtime(load_config(tmp_path / "lapak.toml"))
    runtime.bootstrap()
    recorder = Recorder()
    try:
        client = TestClient(create_app(runtime, dispatcher=recorder))
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        ping = client.post(f"/webhooks/{store}", content=b"webhook_id=42", headers=form)
        forged = client.post(f"/webhooks/{store}", content=b'{"id": 7}', headers=form)
        assert (ping.status_code, forged.status_code) == (200, 401)
        assert recorder.webhooks == []
        assert _records(runtime) == []  # anybody can ping: nothing is written for it
    finally:
        runtime.close()


# --- end to end, embedded -----------------------------------------------------------------------


def test_sandbox_pushes_bring_orders_in_before_any_poll(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = sandbox_app()
    sandbox = app.state.sandbox
    with serve(app) as server:
        config = tmp_path / "lapak.toml"
        write_config(config, server.url, database_url=f"sqlite:///{tmp_path / 'l.db'}")
        slow_polls = config.read_text().replace(
            "poll_interval_seconds = 1", "poll_interval_seconds = 3600"
        )
        config.write_text(slow_polls)
        for key, value in shop_env(config).items():
            monkeypatch.setenv(key, value)
        runtime = Runtime(load_config(config))
        runtime.bootstrap()
        skus = write_catalog(
            tmp_path / "c.csv", f"{server.url}/_sandbox/images/x.png", 4, lambda n: 5
        )
        with runtime.db.session() as session:
            import_catalog(runtime.db, session.scalar(select(Merchant.id)), tmp_path / "c.csv")
        with Embedded(runtime, threads=4, web_port=0) as lapak:
            for store, shop in (("shop-a", SHOP_A), ("shop-b", SHOP_B)):
                sandbox.set_push_url(shop, f"{lapak.web_url}/webhooks/{store}")
            wait_for(
                "the catalog on both shops",  # shop B holds one unit back (stock_buffer)
                lambda: (
                    (sandbox.stock_of(SHOP_A, skus[-1]), sandbox.stock_of(SHOP_B, skus[-1]))
                    == (5, 4)
                ),
            )
            # the pulls at start-up are done; the next ones are an hour away
            wait_for("the start-up pulls", lambda: None not in _last_pulls(runtime).values())
            pulled = _last_pulls(runtime)
            sandbox.place_order(SHOP_A, [(skus[-1], 2)])
            wait_for("shop B to follow", lambda: sandbox.stock_of(SHOP_B, skus[-1]) == 2)
            assert httpx.get(f"{lapak.web_url}/healthz").status_code == 200
        assert _last_pulls(runtime) == pulled  # no pull brought the order in: the push did
        pushed = [r for r in _records(runtime) if r.store_id == runtime.store_ids["shop-a"]]
        assert pushed and all(r.processed_at is not None for r in pushed)
        with runtime.db.session() as session:
            assert session.scalar(select(func.count(Order.id))) == 1
        runtime.close()


def _last_pulls(runtime: Runtime) -> dict[int, datetime | None]:
    with runtime.db.session() as session:
        return dict(session.execute(select(StoreRow.id, StoreRow.last_pull_at)).all())
