"""How fast Lapak answers a marketplace's webhook: signed push sent → 200 received.

Three processes, as in production: a Shopee sandbox (the marketplace) in one spawned
process; Lapak embedded (`lapak run`'s process: SQLite, in-process broker, worker threads,
scheduler and the web app on a real uvicorn server) in another; and this one, the client,
playing the marketplace's push sender. The client places N real orders on the sandbox
shop, then sends one Shopee order-status push per order to `/webhooks/shop-a`, signed as
Shopee signs (`Authorization` = HMAC-SHA256(partner_key, url + "|" + body)), one at a time
over a keep-alive connection, and times each answer. Every answer is the full path: verify,
parse, freshness and replay checks, the raw body stored in SQLite, a `process_webhooks` job
enqueued — while Lapak's worker threads take the orders in (get_order_detail from the
sandbox, intake, reservation) behind it. After the last push the script waits until every
order is in Lapak's database, and checks that a replayed push is answered without a second
record. Usage:

    python benchmarks/webhooks.py [--pushes 500] [--warmup 20]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import multiprocessing
import os
import statistics
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

PARTNER_ID = 2001887
PARTNER_KEY = "webhook-benchmark-partner-key-0123"
SHOP = {"name": "shop-a", "partner_id": PARTNER_ID, "partner_key": PARTNER_KEY, "shop_id": 801,
        "refresh_token": "refresh-shop-a-0123456789"}  # fmt: skip
TARGET_MEDIAN_MS = 20.0


def run_sandbox(conn: Connection) -> None:
    """Child process: the Shopee sandbox, rate limit lifted; sends its URL, stops when told."""
    from lapak.sandboxes.shopee import create_app
    from lapak.wiring.server import serve

    app = create_app([SHOP])
    app.state.sandbox.set_rate_limit(0)
    with serve(app) as server:
        conn.send(server.url)
        conn.recv()


def write_config(directory: Path, sandbox_url: str) -> Path:
    path = directory / "lapak.toml"
    path.write_text(
        f"""[lapak]
database_url = "sqlite:///{directory / "lapak.db"}"

[[merchants]]
name = "umkm"

[[stores]]
name = "shop-a"
platform = "shopee"
merchant = "umkm"
base_url = "{sandbox_url}"
poll_interval_seconds = 3600
rate_limit_per_second = 1000

[stores.credentials]
partner_id = "BENCH_PARTNER_ID"
partner_key = "BENCH_PARTNER_KEY"
shop_id = "BENCH_SHOP_ID"
refresh_token = "BENCH_REFRESH"
"""
    )
    return path


def run_lapak(config: str, conn: Connection) -> None:
    """Child process: Lapak embedded with its web app; sends the web URL, stops when told."""
    os.environ |= {
        "BENCH_PARTNER_ID": str(PARTNER_ID),
        "BENCH_PARTNER_KEY": PARTNER_KEY,
        "BENCH_SHOP_ID": str(SHOP["shop_id"]),
        "BENCH_REFRESH": str(SHOP["refresh_token"]),
    }
    from lapak.cli.embedded import Embedded
    from lapak.config import load_config
    from lapak.wiring.logging import configure_logging
    from lapak.wiring.runtime import Runtime

    log = (Path(config).parent / "lapak.log").open("w", encoding="utf-8")
    configure_logging("INFO", stream=log)  # one JSON line per webhook, as in production
    runtime = Runtime(load_config(Path(config)))
    runtime.bootstrap()
    with Embedded(runtime, threads=8, web_port=0) as lapak:
        conn.send(lapak.web_url)
        conn.recv()
    runtime.close()


class Child:
    """A spawned child process that sends one URL when it is ready."""

    def __init__(self, target: Any, *args: Any):
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=target, args=(*args, child), daemon=True)

    def __enter__(self) -> str:
        self._process.start()
        if not self._conn.poll(60):
            raise RuntimeError("a child process did not start")
        url: str = self._conn.recv()
        return url

    def __exit__(self, *exc: object) -> None:
        self._conn.send("stop")
        self._process.join(15)
        if self._process.is_alive():
            self._process.terminate()


def push_body(order_sn: str) -> bytes:
    now = int(time.time())
    data = {"items": [], "ordersn": order_sn, "status": "READY_TO_SHIP",
            "completed_scenario": "", "update_time": now}  # fmt: skip
    payload = {"data": data, "shop_id": SHOP["shop_id"], "code": 3, "timestamp": now}
    return json.dumps(payload, separators=(",", ":")).encode()


def signature(url: str, body: bytes) -> str:
    return hmac.new(PARTNER_KEY.encode(), url.encode() + b"|" + body, hashlib.sha256).hexdigest()


def place_orders(sandbox: httpx.Client, count: int) -> list[str]:
    shop = f"/_sandbox/shops/{SHOP['name']}"
    item = {"sku": "KOPI-GAYO", "name": "Kopi Gayo 250 g", "price": 89_000, "stock": count}
    sandbox.post(f"{shop}/listings", json=item).raise_for_status()
    return [
        sandbox.post(f"{shop}/orders", json={"lines": [{"sku": "KOPI-GAYO", "quantity": 1}]})
        .raise_for_status()
        .json()["order_id"]
        for _ in range(count)
    ]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pushes", type=int, default=500, help="timed deliveries")
    parser.add_argument("--warmup", type=int, default=20, help="untimed deliveries first")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="lapak-webhooks-"))
    total = args.warmup + args.pushes
    with Child(run_sandbox) as sandbox_url, httpx.Client(base_url=sandbox_url) as sandbox:
        orders = place_orders(sandbox, total)
        config = write_config(directory, sandbox_url)
        with Child(run_lapak, str(config)) as web_url:
            url = f"{web_url}/webhooks/shop-a"
            took: list[float] = []
            with httpx.Client(timeout=10) as client:
                for n, order_sn in enumerate(orders):
                    body = push_body(order_sn)
                    headers = {"Authorization": signature(url, body),
                               "Content-Type": "application/json"}  # fmt: skip
                    started = time.perf_counter()
                    answer = client.post(url, content=body, headers=headers)
                    elapsed = (time.perf_counter() - started) * 1000
                    if answer.status_code != 200:
                        raise RuntimeError(f"push {n}: HTTP {answer.status_code} {answer.text}")
                    if n >= args.warmup:
                        took.append(elapsed)
                replayed = client.post(url, content=body, headers=headers)
            ingested = wait_for_orders(directory / "lapak.db", total, timeout=120)
            records = count_rows(directory / "lapak.db", "webhook_events")
    median, p99 = statistics.median(took), percentile(took, 0.99)
    print(f"{len(took)} signed Shopee pushes to Lapak's /webhooks/shop-a (embedded, SQLite), "
          f"one at a time over keep-alive, after {args.warmup} untimed:")  # fmt: skip
    print(f"  answer time: median {median:.1f} ms, p90 {percentile(took, 0.9):.1f} ms, "
          f"p99 {p99:.1f} ms, max {max(took):.1f} ms")  # fmt: skip
    print(f"  target median < {TARGET_MEDIAN_MS:.0f} ms → "
          f"{'OK' if median < TARGET_MEDIAN_MS else 'NOT MET'}")  # fmt: skip
    print(f"  behind the answers: {ingested}/{total} orders taken in by the worker threads; "
          f"{records} webhook records; a replayed push answered {replayed.status_code} "
          f"without a second record: {'yes' if records == total else 'NO'}")  # fmt: skip


def count_rows(path: Path, table: str) -> int:
    import sqlite3

    with sqlite3.connect(path) as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def wait_for_orders(path: Path, expected: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    found = count_rows(path, "orders")
    while found < expected and time.monotonic() < deadline:
        time.sleep(0.2)
        found = count_rows(path, "orders")
    return found


if __name__ == "__main__":
    main()
