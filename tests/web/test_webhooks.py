"""Webhooks in: verified with the marketplace's signature, stored, turned into a job."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from config import load_config
from connectors.sandbox_server import serve
from connectors.shopee.signing import webhook_signature
from jobs.embedded import Embedded
from jobs.runtime import Runtime
from sync.catalog import import_catalog
from sync.store.models import Merchant, Order, WebhookRecord
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
from web.app import create_app


class Recorder:
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


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    config = tmp_path / "lapak.toml"
    write_config(config, "http://127.0.0.1:9", database_url=f"sqlite:///{tmp_path / 'l.db'}")
    for key, value in shop_env(config).items():
        monkeypatch.setenv(key, value)
    runtime = Runtime(load_config(config))
    runtime.bootstrap()
    yield runtime
    runtime.close()


def _push_body(order_sn: str) -> bytes:
    data = {"items": [], "ordersn": order_sn, "status": "READY_TO_SHIP", "update_time": 1}
    return json.dumps({"data": data, "shop_id": SHOP_A, "code": 3, "timestamp": 1}).encode()


def test_signed_push_is_stored_and_queued_and_bad_ones_refused(runtime: Runtime) -> None:
    recorder = Recorder()
    client = TestClient(create_app(runtime, dispatcher=recorder))
    url = "http://testserver/webhooks/shop-a"
    body = _push_body("2611290001")
    good = client.post(
        "/webhooks/shop-a",
        content=body,
        headers={"Authorization": webhook_signature(PARTNER_KEY, url, body)},
    )
    assert (good.status_code, good.content) == (204, b"")  # Shopee wants an empty 2xx
    forged = client.post("/webhooks/shop-a", content=body, headers={"Authorization": "0" * 64})
    missing = client.post("/webhooks/shop-a", content=body)
    unknown = client.post("/webhooks/nope", content=body)
    assert (forged.status_code, missing.status_code, unknown.status_code) == (401, 401, 404)
    assert recorder.webhooks == [runtime.store_ids["shop-a"]]
    with runtime.db.session() as session:
        stored = session.scalars(select(WebhookRecord)).all()
    assert [(r.topic, r.body) for r in stored] == [("order_status", body.decode())]
    assert client.get("/healthz").json() == {"database": "ok"}


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
                sandbox.set_push_config(shop, f"{lapak.web_url}/webhooks/{store}")
            wait_for("the catalog on shop B", lambda: sandbox.stock_of(SHOP_B, skus[-1]) == 4)
            time.sleep(1.5)  # the first polls (at start-up) are done; the next is an hour away
            sandbox.place_order(SHOP_A, [(skus[-1], 2)])
            took = wait_for("shop B to follow", lambda: sandbox.stock_of(SHOP_B, skus[-1]) == 2)
            assert httpx.get(f"{lapak.web_url}/healthz").status_code == 200
        with runtime.db.session() as session:
            assert session.scalar(select(func.count(Order.id))) == 1
        runtime.close()
    assert took < 2, f"webhook to shop B took {took:.2f} s"
