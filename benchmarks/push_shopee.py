"""Stock push to a Shopee sandbox shop over real HTTP: calls made, and calls per second.

Publishes an N-SKU catalog to one sandbox shop (not timed), then, per round, changes the
on-hand stock of every product and times `sync.push.push_store` (the real engine path,
database reads and writes included) with the sandbox's rate limit lifted. It prints:

- the API calls the push made against the fewest Shopee's batch rules allow (update_stock:
  one call per item, carrying up to 50 of its models);
- SKU updates and calls per second;
- in the same run, the call rate of a bare httpx loop (`client.post(path, params=...,
  json=...)`) sending the same update_stock requests to the same sandbox: per item, the
  same models in the same batches, signed the same way. Half of them go just before the
  timed push (carrying the stock the shop already has), half just after, so a change in
  machine load hits both alike. Both are sequential over one keep-alive connection.

The sandbox runs in its own process (so client and server do not share a GIL) and is set
up through its /_sandbox/ control API. The catalog mixes items with many models (those
over Shopee's 50-model creation limit are listed on the shop first, as a seller's own
items, and adopted by SKU), items with 2-5 models, and single-SKU items. Usage:

    python benchmarks/push_shopee.py [--skus 3000] [--models-per-item 120 60 50]
                                     [--few-items SKUS/25] [--rounds 3]

Rates are medians over the rounds; the table also gives this process's CPU time per call,
which is steadier than wall-clock rates on a shared machine.
"""

from __future__ import annotations

import argparse
import csv
import math
import multiprocessing
import os
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
from lapak.connectors.shopee import plugin, signing
from lapak.connectors.shopee.connector import UPDATE_STOCK, ShopeeConnector, ShopeeCredentials
from lapak.sandboxes.shopee import create_app
from lapak.sync.catalog import import_catalog
from lapak.sync.changes import products_changed
from lapak.sync.protocol import StoreSpec
from lapak.sync.push import push_store
from lapak.sync.sealing import Sealer
from lapak.sync.setup import StoreSettings, apply_settings
from lapak.sync.store.db import Database
from lapak.sync.store.models import Listing, Merchant, Product
from lapak.sync.tokens import DbTokenVault
from lapak.wiring.collector import tune_collector
from lapak.wiring.logging import configure_logging
from lapak.wiring.pacing import UnpacedPacer
from lapak.wiring.server import serve
from sqlalchemy import func, select, update

SHOP: dict[str, Any] = {
    "name": "bench-shop",
    "partner_id": 2001887,
    "partner_key": "bench-partner-key-0123456789abcdef",
    "shop_id": 501,
    "refresh_token": "r" * 32,
}
STOCK_BATCH = 50  # v2.product.update_stock: stock_list 1..50 models
CREATE_MODEL_LIMIT = 50  # v2.product.init_tier_variation: under 50 combinations
AIM_RATIO = 0.8
BUDGET_SECONDS = 3600.0
WARM_UP_CALLS = 200


@dataclass(frozen=True)
class Group:
    """One Shopee item: `models` 0 is a single-SKU item, else that many models."""

    sku: str
    models: int

    def skus(self) -> list[str]:
        return [f"{self.sku}-{i:03d}" for i in range(self.models)] if self.models else [self.sku]


@dataclass
class Round:
    """One timed push and the bare loop around it; seconds are wall clock, `cpu` seconds
    are this (client) process's CPU time."""

    seconds: float
    cpu: float
    calls: int
    fewest: int
    skus: int
    bare_calls: int
    bare_seconds: float
    bare_cpu: float

    def rates(self) -> tuple[float, float]:
        """Calls per second of Lapak and of the bare loop."""
        return self.calls / self.seconds, self.bare_calls / self.bare_seconds


def plan_groups(skus: int, big: Sequence[int], few_items: int, seed: int = 7) -> list[Group]:
    """Items of `big` models, `few_items` items of 2-5 models, single items for the rest;
    shuffled so items of every size meet the engine's chunk boundaries."""
    sizes = [*big, *(2 + n % 4 for n in range(few_items))]
    singles = skus - sum(sizes)
    if singles < 0:
        raise SystemExit(f"--skus {skus} is fewer than the {sum(sizes)} models asked for")
    sizes += [0] * singles
    random.Random(seed).shuffle(sizes)
    return [Group(f"G{n:05d}" if size else f"S{n:05d}", size) for n, size in enumerate(sizes)]


def write_catalog(path: Path, groups: Sequence[Group], image_url: str) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["sku", "group_sku", "variant_name", "name", "description", "price", "stock",
             "weight_grams", "image_urls", "category_shopee"]
        )  # fmt: skip
        for n, group in enumerate(groups):
            for index, sku in enumerate(group.skus()):
                variant = f"V{index:03d}" if group.models else ""
                writer.writerow(
                    [sku, group.sku, variant, f"Produk {group.sku}", "Buatan UMKM.",
                     10_000 + 500 * (n % 40), 10 + index % 50, 300, image_url, "100644"]
                )  # fmt: skip


def prelist_big_items(sandbox: httpx.Client, groups: Sequence[Group]) -> None:
    """Items over the creation limit go on the shop as the seller's own (adopted by SKU);
    their price and stock match the catalog row of each model."""
    for n, group in enumerate(groups):
        if group.models <= CREATE_MODEL_LIMIT:
            continue
        price = 10_000 + 500 * (n % 40)
        variants = [
            {"sku": sku, "option": f"V{i:03d}", "price": price, "stock": 10 + i % 50}
            for i, sku in enumerate(group.skus())
        ]
        body = {"sku": group.sku, "name": f"Produk {group.sku}", "price": price}
        path = f"/_sandbox/shops/{SHOP['name']}/listings"
        sandbox.post(path, json=body | {"variants": variants}).raise_for_status()


def run_sandbox(shops: list[dict[str, Any]], conn: Connection) -> None:
    """Child process: serve the sandbox, send its URL, stop when told."""
    with serve(create_app(shops)) as server:
        conn.send(server.url)
        conn.recv()


class SandboxProcess:
    """The sandbox served from a child process (spawned: no state shared with this one)."""

    def __enter__(self) -> SandboxProcess:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=run_sandbox, args=([SHOP], child), daemon=True)
        self._process.start()
        if not self._conn.poll(30):
            raise RuntimeError("the sandbox process did not start")
        self.url: str = self._conn.recv()
        self.control = httpx.Client(base_url=self.url, timeout=60)
        return self

    def __exit__(self, *exc: object) -> None:
        self.control.close()
        self._conn.send("stop")
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()

    def calls(self) -> dict[str, int]:
        return dict(self.control.get("/_sandbox/calls").raise_for_status().json())

    def reset_calls(self) -> None:
        self.control.delete("/_sandbox/calls").raise_for_status()

    def stock_by_sku(self) -> dict[str, int]:
        rows = self.control.get(f"/_sandbox/shops/{SHOP['name']}/listings").raise_for_status()
        return {row["sku"]: row["stock"] for row in rows.json()}


def setup_lapak(directory: Path, url: str) -> tuple[Database, int, int, DbTokenVault]:
    db = Database(f"sqlite:///{directory / 'bench.db'}")
    db.migrate()
    settings = StoreSettings(name=SHOP["name"], platform="shopee", merchant="bench")
    store_id = apply_settings(db, ["bench"], [settings])[SHOP["name"]]
    with db.session() as session:
        merchant_id = session.scalar(select(Merchant.id).where(Merchant.name == "bench"))
    lock = threading.Lock()
    vault = DbTokenVault(db, store_id, lambda name: lock, Sealer([Sealer.generate_key()]))
    assert merchant_id is not None
    return db, merchant_id, store_id, vault


def make_connector(url: str, vault: DbTokenVault) -> ShopeeConnector:
    credentials = ShopeeCredentials(
        partner_id=SHOP["partner_id"],
        partner_key=SHOP["partner_key"],
        shop_id=SHOP["shop_id"],
        refresh_token=SHOP["refresh_token"],
    )
    spec = StoreSpec(name=SHOP["name"], platform="shopee", base_url=url)
    return plugin.create(spec, credentials, pacer=UnpacedPacer(), tokens=vault)


def change_all_stock(db: Database) -> float:
    """+1 on-hand for every product, recomputed into listings; returns seconds."""
    started = time.perf_counter()
    with db.session() as session:
        session.execute(update(Product).values(on_hand=Product.on_hand + 1))
        products_changed(session, session.scalars(select(Product.id)).all())
    return time.perf_counter() - started


def fewest_stock_calls(db: Database, store_id: int) -> int:
    """Sum over items of ceil(models whose stock changed / 50)."""
    with db.session() as session:
        counts = session.execute(
            select(func.count())
            .where(
                Listing.store_id == store_id,
                Listing.item_id.is_not(None),
                func.coalesce(Listing.confirmed_stock, -1) != Listing.desired_stock,
            )
            .group_by(Listing.item_id)
        ).scalars()
        return sum(math.ceil(count / STOCK_BATCH) for count in counts)


def stock_bodies(db: Database, store_id: int) -> list[dict[str, Any]]:
    """The update_stock bodies for every listing's confirmed stock: per item, ≤ 50 models."""
    by_item: dict[int, list[dict[str, Any]]] = {}
    with db.session() as session:
        rows = session.execute(
            select(Listing.item_id, Listing.variant_id, Listing.confirmed_stock)
            .where(Listing.store_id == store_id, Listing.item_id.is_not(None))
            .order_by(Listing.id)
        )
        for item_id, variant_id, stock in rows:
            entry = {"model_id": int(variant_id or 0), "seller_stock": [{"stock": stock}]}
            by_item.setdefault(int(item_id or 0), []).append(entry)  # never 0: bound only
    return [
        {"item_id": item_id, "stock_list": entries[start : start + STOCK_BATCH]}
        for item_id, entries in by_item.items()
        for start in range(0, len(entries), STOCK_BATCH)
    ]


class BareLoop:
    """Signed update_stock calls sent one at a time over one keep-alive httpx connection."""

    def __init__(self, client: httpx.Client, access_token: str):
        self._client = client
        self._token = access_token

    def call(self, body: Mapping[str, Any]) -> None:
        key, partner_id, shop_id = SHOP["partner_key"], SHOP["partner_id"], SHOP["shop_id"]
        timestamp = int(time.time())
        sign = signing.shop_sign(key, partner_id, UPDATE_STOCK, timestamp, self._token, shop_id)
        params = {"partner_id": partner_id, "timestamp": timestamp,
                  "access_token": self._token, "shop_id": shop_id, "sign": sign}  # fmt: skip
        reply = self._client.post(UPDATE_STOCK, params=params, json=body).json()
        if reply["error"] or reply["response"]["failure_list"]:
            raise RuntimeError(f"bare loop: update_stock refused: {reply}")

    def run(self, bodies: Sequence[Mapping[str, Any]]) -> tuple[float, float]:
        """Wall and CPU seconds to send every body."""
        started, cpu = time.perf_counter(), time.process_time()
        for body in bodies:
            self.call(body)
        return time.perf_counter() - started, time.process_time() - cpu


def publish(db: Database, store_id: int, connector: ShopeeConnector, skus: int) -> None:
    started = time.perf_counter()
    report = push_store(db, store_id, connector, budget=BUDGET_SECONDS)
    seconds = time.perf_counter() - started
    print(f"publish (not timed): {report.as_counts()} in {seconds:.1f} s")
    if report.failed or report.deferred or report.adopted + report.created != skus:
        raise SystemExit(f"publishing failed: {report.errors}")


def timed_round(
    number: int, db: Database, store_id: int, connector: ShopeeConnector,
    sandbox: SandboxProcess, vault: DbTokenVault, skus: int,
) -> Round:  # fmt: skip
    """Bare loop over half the requests, the timed push, the bare loop over the other half
    (so a change in machine load hits both alike)."""
    token = vault.peek()
    assert token is not None
    with httpx.Client(base_url=sandbox.url, timeout=10) as client:
        bare = BareLoop(client, token.access_token)
        before = stock_bodies(db, store_id)  # the shop's current stock: a no-op each
        for body in before[:WARM_UP_CALLS]:
            bare.call(body)
        first_half = before[: len(before) // 2]
        bare_seconds, bare_cpu = bare.run(first_half)
        changed = change_all_stock(db)
        fewest = fewest_stock_calls(db, store_id)
        sandbox.reset_calls()
        started, cpu = time.perf_counter(), time.process_time()
        report = push_store(db, store_id, connector, budget=BUDGET_SECONDS)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        calls = sum(sandbox.calls().values())
        if report.stock != skus or report.failed or report.deferred:
            raise SystemExit(f"round {number}: push incomplete: {report.as_counts()}")
        check_shop(db, store_id, sandbox)
        second_half = stock_bodies(db, store_id)[len(first_half) :]  # the new stock
        more_seconds, more_cpu = bare.run(second_half)
    print(f"round {number}: stock change + products_changed {changed:.2f} s (not timed)")
    bare_calls = len(first_half) + len(second_half)
    return Round(
        seconds, cpu, calls, fewest, report.stock,
        bare_calls, bare_seconds + more_seconds, bare_cpu + more_cpu,
    )  # fmt: skip


def check_shop(db: Database, store_id: int, sandbox: SandboxProcess) -> None:
    """Every SKU's stock on the shop is the stock Lapak desires."""
    query = (
        select(Product.sku, Listing.desired_stock)
        .join(Listing, Listing.product_id == Product.id)
        .where(Listing.store_id == store_id)
    )
    with db.session() as session:
        desired = session.execute(query).all()
    on_shop = sandbox.stock_by_sku()
    wrong = [sku for sku, stock in desired if on_shop.get(sku) != stock]
    if wrong:
        raise SystemExit(f"{len(wrong)} SKUs differ on the shop, e.g. {wrong[:5]}")


def print_figures(rounds: Sequence[Round]) -> None:
    print()
    print("round  SKUs  calls  fewest  push s  SKU upd/s  Lapak calls/s  bare calls/s  ratio"
          "  client CPU µs/call Lapak, bare")  # fmt: skip
    for n, r in enumerate(rounds, start=1):
        rate, bare_rate = r.rates()
        print(
            f"{n:>5}  {r.skus:>4}  {r.calls:>5}  {r.fewest:>6}  {r.seconds:>6.2f}  "
            f"{r.skus / r.seconds:>9,.0f}  {rate:>13,.0f}  {bare_rate:>12,.0f}  "
            f"{rate / bare_rate:>5.2f}  {r.cpu / r.calls * 1e6:>12,.0f}, "
            f"{r.bare_cpu / r.bare_calls * 1e6:,.0f}"
        )
    last = rounds[-1]
    fewest_ok = all(r.calls == r.fewest for r in rounds)
    lapak = statistics.median(r.rates()[0] for r in rounds)
    bare = statistics.median(r.rates()[1] for r in rounds)
    ratio = lapak / bare
    print()
    print(f"calls: {last.calls} made, {last.fewest} fewest → {'OK' if fewest_ok else 'NOT'}")
    print(
        f"rate: Lapak {lapak:,.0f} calls/s vs bare {bare:,.0f} calls/s = {ratio:.2f}× "
        f"(aim ≥ {AIM_RATIO}) → {'OK' if ratio >= AIM_RATIO else 'NOT'}"
    )
    print(f"SKU updates: {statistics.median(r.skus / r.seconds for r in rounds):,.0f}/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=3_000)
    parser.add_argument("--models-per-item", type=int, nargs="+", default=[120, 60, 50])
    parser.add_argument(
        "--few-items", type=int, help="items of 2-5 models (default: one per 25 SKUs)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    configure_logging("WARNING", json=False)
    tune_collector()  # as Lapak's own processes do
    few_items = args.skus // 25 if args.few_items is None else args.few_items
    groups = plan_groups(args.skus, args.models_per_item, few_items)
    singles = sum(1 for group in groups if not group.models)
    print(
        f"{args.skus} SKUs in {len(groups)} items: {singles} single-SKU, the others with 2 to "
        f"{max(group.models for group in groups)} models (machine: {os.cpu_count()} cores)"
    )
    with tempfile.TemporaryDirectory() as directory, SandboxProcess() as sandbox:
        sandbox.control.post("/_sandbox/rate_limit", json={"per_second": 0}).raise_for_status()
        prelist_big_items(sandbox.control, groups)
        db, merchant_id, store_id, vault = setup_lapak(Path(directory), sandbox.url)
        catalog = Path(directory) / "catalog.csv"
        write_catalog(catalog, groups, f"{sandbox.url}/_sandbox/images/product.png")
        import_catalog(db, merchant_id, catalog)
        connector = make_connector(sandbox.url, vault)
        publish(db, store_id, connector, args.skus)
        rounds = [
            timed_round(n, db, store_id, connector, sandbox, vault, args.skus)
            for n in range(1, args.rounds + 1)
        ]
        db.dispose()
    print_figures(rounds)


if __name__ == "__main__":
    main()
