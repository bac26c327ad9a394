"""`/metrics` and `/healthz`: what a scrape shows after real work, in one process and across
processes (prometheus_client's multiprocess directory), and the 503 path of the health check.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import dramatiq
import httpx
import pytest
from dramatiq.brokers.redis import RedisBroker
from fastapi.testclient import TestClient
from lapak.cli.embedded import Embedded
from lapak.config import load_config
from lapak.jobs.middleware import DramatiqMetrics
from lapak.sync.store.db import Database
from lapak.web.app import create_app
from lapak.wiring.job_queues import job_queue_depths
from lapak.wiring.runtime import Runtime
from lapak.wiring.server import serve
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis

from tests.redis_fixture import REDIS_URL
from tests.shopee_setup import (
    SHOP_A,
    sandbox_app,
    shop_env,
    shopee_lapak,
    wait_for,
    write_config,
)

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(text: str) -> Samples:
    """Every sample of a Prometheus text page, keyed by name and sorted labels."""
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


class Recorder:
    def push(self, store_id: int) -> None:
        return None

    def fetch_orders(self, store_id: int, external_ids: object) -> None:
        return None

    def ship(self, order_id: int) -> None:
        return None

    def process_webhooks(self, store_id: int) -> None:
        return None


@pytest.fixture
def runtime(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    config = tmp_path / "lapak.toml"
    write_config(config, "http://127.0.0.1:9", database_url=db.url)
    for key, value_ in shop_env(config).items():
        monkeypatch.setenv(key, value_)
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    runtime = Runtime(load_config(config))
    runtime.bootstrap()
    yield runtime
    runtime.close()


def test_a_scrape_after_real_work_counts_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Embedded Lapak publishes a catalog to a Shopee sandbox and takes an order in; the
    web app's /metrics then shows dramatiq's, Lapak's and the database's figures."""
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    app = sandbox_app()
    with serve(app) as server:
        runtime, skus, _ = shopee_lapak(tmp_path, server.url, monkeypatch, 4, lambda n: 5)
        lapak = Embedded(runtime, threads=4, web_port=0)
        lapak.broker.add_middleware(DramatiqMetrics())
        with lapak:
            before = scrape(httpx.get(f"{lapak.web_url}/metrics").text)
            sandbox = app.state.sandbox
            wait_for("the catalog on shop A", lambda: sandbox.stock_of(SHOP_A, skus[-1]) == 5)
            app.state.sandbox.set_push_url(SHOP_A, f"{lapak.web_url}/webhooks/shop-a")
            sandbox.place_order(SHOP_A, [(skus[-1], 2)])

            def scraped() -> Samples:
                return scrape(httpx.get(f"{lapak.web_url}/metrics").text)

            wait_for(
                "the order in the metrics",
                lambda: (
                    value(scraped(), "lapak_orders_ingested_total", store="shop-a", kind="new")
                    > value(before, "lapak_orders_ingested_total", store="shop-a", kind="new")
                ),
            )
            wait_for(
                "both shops' pushes after the sale",
                lambda: (
                    sum(
                        value(scraped(), "lapak_listings", store=store, state="dirty")
                        for store in ("shop-a", "shop-b")
                    )
                    == 0
                ),
            )
            answer = httpx.get(f"{lapak.web_url}/metrics")
        runtime.close()
    assert answer.headers["content-type"].startswith("text/plain")
    after = scrape(answer.text)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    # Lapak's counters, from the worker threads of this process.
    assert grew("lapak_pushes_total", store="shop-b", outcome="ok") >= 1
    assert value(after, "lapak_pushed_items_total", store="shop-a", kind="created") >= 1
    assert grew("lapak_marketplace_calls_total", store="shop-a", code="ok") >= 1
    assert grew("lapak_orders_ingested_total", store="shop-a", kind="new") == 1
    # dramatiq's own middleware metrics.
    assert value(after, "dramatiq_messages_total", queue_name="push", actor_name="push_store") >= 1
    assert "dramatiq_message_duration_milliseconds_bucket" in {name for name, _ in after}
    # The database's state at scrape time.
    assert value(after, "lapak_listings", store="shop-a", state="in_sync") == 4
    assert value(after, "lapak_listings", store="shop-b", state="failed") == 0
    assert value(after, "lapak_sync_lag_seconds", store="shop-b") == 0
    assert (
        value(after, "lapak_orders", store="shop-a", status="ready_to_ship", ship_state="none") == 1
    )
    assert value(after, "lapak_last_push_timestamp_seconds", store="shop-b") > time.time() - 60
    assert value(after, "lapak_token_expiry_timestamp_seconds", store="shop-a", token="access") > 0
    assert ("lapak_job_messages", (("queue", "push"), ("state", "waiting"))) in after


def test_marketplace_errors_are_counted_by_store_and_code(runtime: Runtime) -> None:
    """A refused call through a connector's Retrier counts under the marketplace's code."""
    from lapak.connectors.http import Retrier, calling_store
    from lapak.sync.protocol import PermanentError

    def refused() -> None:
        raise PermanentError("update_stock: error_param: bad stock", code="error_param")

    client = TestClient(create_app(runtime, dispatcher=Recorder()))
    before = scrape(client.get("/metrics").text)
    token = calling_store.set("shop-b")
    try:
        with pytest.raises(PermanentError):
            Retrier().call(refused)
    finally:
        calling_store.reset(token)
    after = scrape(client.get("/metrics").text)
    for name in ("lapak_marketplace_calls_total", "lapak_marketplace_errors_total"):
        grown = value(after, name, store="shop-b", code="error_param")
        assert grown - value(before, name, store="shop-b", code="error_param") == 1


WORKER_PROCESS = """
import dramatiq
from dramatiq.brokers.stub import StubBroker
from lapak.jobs.middleware import DramatiqMetrics, count_call
from lapak.connectors.http import Retrier, calling_store

broker = StubBroker()
broker.add_middleware(DramatiqMetrics())
dramatiq.set_broker(broker)

@dramatiq.actor(queue_name="push")
def push_store(store_id):
    calling_store.set("shop-x")
    Retrier().call(lambda: None)

worker = dramatiq.Worker(broker, worker_timeout=100)
worker.start()
for n in range(3):
    push_store.send(n)
broker.join("push")
worker.join()
worker.stop()
"""


def test_metrics_of_other_processes_come_from_the_shared_directory(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scaled out: a worker process writes to PROMETHEUS_MULTIPROC_DIR (= dramatiq_prom_db);
    the web process's /metrics aggregates that directory."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {"PROMETHEUS_MULTIPROC_DIR": str(shared), "dramatiq_prom_db": str(shared)}
    code = textwrap.dedent(WORKER_PROCESS)
    done = subprocess.run([sys.executable, "-c", code], env={**_env(), **env}, timeout=60,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert list(shared.glob("*.db")), "the worker process wrote no metric files"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(shared))
    samples = scrape(TestClient(create_app(runtime, dispatcher=Recorder())).get("/metrics").text)
    assert (
        value(samples, "dramatiq_messages_total", queue_name="push", actor_name="push_store") == 3
    )
    assert value(samples, "lapak_marketplace_calls_total", store="shop-x", code="ok") == 3
    assert value(samples, "lapak_listings", store="shop-a", state="in_sync") == 0  # the DB's
    assert ("lapak_sync_lag_seconds", (("store", "shop-b"),)) in samples


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}


def test_job_queue_depth_is_read_from_redis(unique: str, redis_client: Redis) -> None:
    broker = RedisBroker(url=REDIS_URL, namespace=unique)
    try:

        @dramatiq.actor(broker=broker, queue_name=f"{unique}-q", actor_name=f"{unique}_noop")
        def noop() -> None:
            return None

        noop.send()
        noop.send()
        noop.send_with_options(delay=60_000)
        depths = job_queue_depths(broker)
        assert depths[(f"{unique}-q", "waiting")] == 2
        assert depths[(f"{unique}-q", "delayed")] == 1
        assert depths[(f"{unique}-q", "in_progress")] == 0
        assert depths[(f"{unique}-q", "dead")] == 0
    finally:
        broker.flush_all()
        broker.close()


def test_healthz_checks_the_database_and_redis(
    runtime: Runtime, redis_client: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = TestClient(create_app(runtime, dispatcher=Recorder()))
    ok = client.get("/healthz")
    assert (ok.status_code, ok.json()) == (200, {"database": "ok"})
    monkeypatch.setattr(runtime, "redis", redis_client)
    assert client.get("/healthz").json() == {"database": "ok", "redis": "ok"}
    monkeypatch.setattr(runtime, "redis", Redis.from_url("redis://127.0.0.1:1/0"))
    redis_down = client.get("/healthz")
    assert redis_down.status_code == 503
    assert redis_down.json() == {"database": "ok", "redis": "down: ConnectionError"}
    unreachable = Database("postgresql://postgres@127.0.0.1:1/nothing")
    monkeypatch.setattr(runtime, "db", unreachable)
    monkeypatch.setattr(runtime, "redis", None)
    try:
        db_down = client.get("/healthz")
    finally:
        unreachable.dispose()
    assert (db_down.status_code, db_down.json()) == (503, {"database": "down: OperationalError"})
