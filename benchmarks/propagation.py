"""Propagation: orders at a steady rate on one store; how soon every other store follows.

    python benchmarks/propagation.py [--mode embedded|redis] [--rate 50] [--seconds 30]
                                     [--stores 6] [--seller shopee] [--lift-limits]

Sandbox marketplaces (`--stores`: one per platform, more as reseller stores selling the
same catalog) push a signed webhook per order to Lapak (`--mode embedded`: `lapak run`,
SQLite, in-process broker; `--mode redis`: the Procfile's processes on a Redis server of
the run's own and a fresh PostgreSQL database). Polls are a minute apart, so the orders
travel by webhook. Once the catalog is listed everywhere, buyers check out `--rate`
orders a second for `--seconds` seconds on the `--seller` platform's store, one unit of a
random SKU each, open loop: each at its scheduled time, however many are still in flight.

Per order, the time from the checkout (which queues the marketplace's webhook) until
every other store's sandbox shows the lower stock, read at the instant each sandbox
answers an API call (`benchmarks/follow.py`). In the same run, the floor: two bare chained
dramatiq actors at the same rate (`benchmarks/floor.py`). Prints p50/p95/p99, the ratio of
p99 to the floor's, orders lost, units oversold and, as its last line, one JSON object.
Exit status 1 when an order is lost or a unit oversold.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from lapak.sync.store.db import Database
from lapak.sync.store.models import Order, Store, WebhookRecord
from sqlalchemy import select

from benchmarks import harness
from benchmarks.floor import REDIS_URL_ENV, RedisFloor, StubFloor, worker_command
from benchmarks.follow import Follow

MODES = ("embedded", "redis")
WORD = re.compile(r"[A-Za-z0-9_-]+")
"""A word of a webhook body, as external order ids are written."""


@dataclass
class RunningLapak:
    """Lapak in one mode: its database, its logs, and the floor measured beside it."""

    db: Database
    logs: list[Path]
    floor: RedisFloor | StubFloor


def wait_healthy(web_url: str, timeout: float = 60) -> None:
    def healthy() -> bool:
        try:
            return httpx.get(f"{web_url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    if harness.wait_until(healthy, timeout) is None:
        raise SystemExit(f"Lapak's web did not answer /healthz at {web_url}")


@contextmanager
def embedded_lapak(
    args: argparse.Namespace, directory: Path, market: harness.Marketplaces, web_port: int
) -> Iterator[RunningLapak]:
    """`lapak run` in a process of its own on a SQLite file; the floor on a StubBroker."""
    database_url = f"sqlite:///{directory / 'lapak.db'}"
    env = _configured(args, directory, market, database_url, None, web_port)
    run = harness.Supervised("lapak-run", f"lapak run --port {web_port}", env, directory)
    run.start()
    db = Database(database_url)
    floor = StubFloor()
    try:
        wait_healthy(f"http://127.0.0.1:{web_port}")
        yield RunningLapak(db, [run.log_path], floor)
    finally:
        floor.close()
        run.kill_group()
        db.dispose()


@contextmanager
def redis_lapak(
    args: argparse.Namespace, directory: Path, market: harness.Marketplaces, web_port: int
) -> Iterator[RunningLapak]:
    """The Procfile's processes on a Redis of the run's own and a fresh PostgreSQL
    database; the floor's worker process on the same Redis with the Procfile's settings."""
    with ExitStack() as cleanup:
        redis, database = harness.run_services(
            cleanup, directory, args.redis_port, "lapak_propagation"
        )
        env = _configured(args, directory, market, database.url, redis.url, web_port)
        lapak = harness.start_lapak(env, directory, web_port, groups=args.groups)
        cleanup.callback(lapak.supervisor.stop)
        floor_worker = worker_command(harness.procfile_commands()["worker"])
        lapak.supervisor.add(
            harness.Supervised("floor", floor_worker, env | {REDIS_URL_ENV: redis.url}, directory)
        )
        floor = RedisFloor(redis.url)
        cleanup.callback(floor.close)
        yield RunningLapak(database.db, lapak.logs(), floor)


def _configured(
    args: argparse.Namespace,
    directory: Path,
    market: harness.Marketplaces,
    database_url: str,
    redis_url: str | None,
    web_port: int,
) -> dict[str, str]:
    """Write the run's config and catalog, import the catalog; the processes' environment."""
    config, secrets = harness.write_config(
        directory, market, database_url=database_url, redis_url=redis_url,
        public_url=f"http://127.0.0.1:{web_port}", poll_interval_seconds=60,
        rate_limit_per_second=harness.lapak_pace(args.lift_limits),
    )  # fmt: skip
    env = harness.process_env(config, secrets, web_port)
    imported = harness.lapak_cli(env, "catalog", "import", str(directory / "catalog.csv"))
    if imported.returncode != 0:
        raise SystemExit(f"catalog import failed: {imported.stdout}{imported.stderr}")
    return env


def shop(
    market: harness.Marketplaces, follow: Follow, rate: float, seconds: float, rng: random.Random
) -> tuple[int, float]:
    """Check out `rate` orders a second for `seconds`, open loop; returns the refusals
    (sold out) and the seconds the checkouts took in all."""
    control = market.controls[follow.seller]
    in_stock = sorted(sku for sku, units in market.stock(follow.seller).items() if units > 0)
    refused = 0
    started = time.monotonic()
    for _ in harness.open_loop(rate, seconds):
        sku = rng.choice(in_stock)
        try:
            external_id = control.place_order(follow.seller, [(sku, 1)])
        except ValueError:
            refused += 1
            in_stock.remove(sku)  # the marketplace says it is sold out
            if not in_stock:
                break
        else:
            follow.sold(external_id, sku, time.monotonic(), time.time())
    return refused, time.monotonic() - started


def intake_seconds(db: Database, follow: Follow) -> dict[str, float]:
    """Per sale in Lapak (by external id): seconds from checkout until Lapak stored the
    order."""
    with db.session() as session:
        stored: dict[str, datetime] = dict(
            session.execute(
                select(Order.external_id, Order.ingested_at)
                .join(Store, Store.id == Order.store_id)
                .where(Store.name == follow.seller)
            ).all()
        )
    return {
        sale.external_id: stored[sale.external_id].timestamp() - sale.wall
        for sale in follow.sales
        if sale.external_id in stored
    }


def webhook_seconds(db: Database, follow: Follow) -> dict[str, float]:
    """Per sale (by external id): seconds from checkout until Lapak's web stored the first
    webhook naming its order (its external id among the words of the stored body): the
    part the marketplace's delivery and Lapak's webhook endpoint take."""
    first: dict[str, datetime] = {}
    with db.session() as session:
        rows = session.execute(
            select(WebhookRecord.body, WebhookRecord.received_at)
            .join(Store, Store.id == WebhookRecord.store_id)
            .where(Store.name == follow.seller)
            .order_by(WebhookRecord.id)
        ).all()
    for body, received_at in rows:
        for word in WORD.findall(body):
            first.setdefault(word, received_at)
    return {
        sale.external_id: first[sale.external_id].timestamp() - sale.wall
        for sale in follow.sales
        if sale.external_id in first
    }


def where_time_goes(db: Database, follow: Follow) -> dict[str, float | None]:
    """p50/p99 (ms) of checkout → webhook stored, checkout → order stored, and Lapak knew
    of the order → every other store shows it."""
    delivered = webhook_seconds(db, follow)
    intake = intake_seconds(db, follow)
    # Lapak first knows of an order by its webhook or, when the marketplace's pushes lag,
    # by a pull (`catch_up_orders`) that stores the order before its webhook arrives
    from_known = [
        took - min(delivered.get(id_, took), intake.get(id_, took))
        for id_, took in follow.followed().items()
    ]
    stages: dict[str, float | None] = {}
    for name, seconds in (
        ("webhook", list(delivered.values())),
        ("intake", list(intake.values())),
        ("from_known", from_known),
    ):
        stages[f"{name}_p50_ms"] = _ms(seconds, 0.5)
        stages[f"{name}_p99_ms"] = _ms(seconds, 0.99)
    return stages


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=MODES, default="redis")
    parser.add_argument("--rate", type=float, default=50.0, help="orders per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long buyers buy")
    parser.add_argument("--stores", type=int, default=6, help="stores; beyond 6, resellers'")
    parser.add_argument("--seller", default="shopee", help="the platform of the selling store")
    parser.add_argument("--items", type=int, default=10, help="items with variants")
    parser.add_argument("--sizes", type=int, default=5, help="variants per item")
    parser.add_argument("--singles", type=int, default=50, help="single SKUs")
    parser.add_argument("--stock", type=int, default=500, help="units on hand per SKU")
    parser.add_argument("--groups", type=int, default=1, help="worker groups (redis mode)")
    harness.lift_limits_argument(parser)
    parser.add_argument("--redis-port", type=int, default=6394)
    parser.add_argument("--settle-timeout", type=float, default=300.0)
    parser.add_argument("--list-timeout", type=float, default=600.0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--keep", type=Path, help="keep config and logs in this directory")
    args = parser.parse_args(argv)
    if args.stores < 2:
        parser.error("--stores: at least 2 (the selling store and one to follow it)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    with harness.run_directory(args.keep) as directory:
        figures = run(args, directory)
    print(harness.summary_line(figures))
    return 1 if figures["orders_lost"] or figures["oversold_units"] else 0


def run(args: argparse.Namespace, directory: Path) -> dict[str, Any]:
    plans = harness.store_plans(args.stores)
    seller = next(p.name for p in plans if p.platform == args.seller)
    follow = Follow(seller)
    start = embedded_lapak if args.mode == "embedded" else redis_lapak
    load_before = os.getloadavg()
    with ExitStack() as cleanup:
        market = harness.Marketplaces(plans, seed=args.seed, wrap=follow.wrap)
        cleanup.callback(market.close)
        if args.lift_limits:
            market.lift_limits()
        skus = harness.write_catalog(
            directory / "catalog.csv", market, items=args.items, sizes=args.sizes,
            singles=args.singles, stock=lambda n: args.stock,
        )  # fmt: skip
        web_port = harness.free_port()
        lapak = cleanup.enter_context(start(args, directory, market, web_port))
        market.set_webhooks(f"http://127.0.0.1:{web_port}")

        def listed() -> bool:
            truth = harness.stock_truth(lapak.db)
            return harness.check_divergence(lapak.db, market, truth).diverged == 0

        took = harness.wait_until(listed, args.list_timeout, every=2.0)
        if took is None:
            raise SystemExit(f"the catalog was not listed everywhere in {args.list_timeout:.0f} s")
        harness.log(f"{len(skus)} SKUs listed on {len(plans)} stores in {took:.0f} s")
        follow.attach(market, {sku: args.stock for sku in skus})
        load_during = os.getloadavg()
        refused, buying = shop(market, follow, args.rate, args.seconds, random.Random(args.seed))
        harness.log(f"buyers done: {len(follow.sales)} orders in {buying:.1f} s, {refused} refused")

        def settled() -> bool:
            market.controls[seller].flush_webhooks(0.1)
            return follow.waiting() == 0 and not harness.check_orders(lapak.db, market).lost

        harness.wait_until(settled, args.settle_timeout, every=0.5)
        harness.log(f"floor: two chained actors at {args.rate:g}/s for {args.seconds:g} s")
        floor, floor_sent = lapak.floor.measure(args.rate, args.seconds)
        orders = harness.check_orders(lapak.db, market)
        oversold = harness.stock_truth(lapak.db).oversold_units
        stages = where_time_goes(lapak.db, follow)
        latencies = list(follow.followed().values())
        unseen = follow.unseen_by_store()
        by_store = follow.by_store()
    p99, floor_p99 = _ms(latencies, 0.99), _ms(floor, 0.99)
    figures: dict[str, Any] = {
        "mode": args.mode,
        "rate": args.rate,
        "stores": args.stores,
        "p50_ms": _ms(latencies, 0.5),
        "p95_ms": _ms(latencies, 0.95),
        "p99_ms": p99,
        "floor_p99_ms": floor_p99,
        "ratio": round(p99 / floor_p99, 2) if p99 is not None and floor_p99 else None,
        "oversold_units": oversold,
        "orders_lost": len(orders.lost),
        "orders": len(follow.sales),
        "orders_per_second": round(len(follow.sales) / buying, 1),
        "refused_sold_out": refused,
        "not_followed": len(follow.sales) - len(latencies),
        "max_ms": _ms(latencies, 1.0),
        **stages,
        "floor_p50_ms": _ms(floor, 0.5),
        "floor_p95_ms": _ms(floor, 0.95),
        "floor_lost": floor_sent - len(floor),
        "limits": "lifted" if args.lift_limits else "published",
        "load_average": [round(x, 2) for x in (load_before[0], load_during[0], os.getloadavg()[0])],
    }
    print_table(args, seller, figures, unseen)
    print_stores(by_store, unseen)
    return figures


def _ms(seconds: list[float], share: float) -> float | None:
    value = harness.percentile(seconds, share)
    return None if value is None else round(value * 1000, 1)


def print_table(
    args: argparse.Namespace, seller: str, figures: dict[str, Any], unseen: dict[str, int]
) -> None:
    def spread(prefix: str) -> str:
        keys = [f"{prefix}p50_ms", f"{prefix}p95_ms", f"{prefix}p99_ms"]
        return " · ".join(f"{k.removeprefix(prefix)[:3]} {figures.get(k, '-')} ms" for k in keys)

    rows = [
        ("mode / stores / limits", f"{args.mode} / {args.stores} / {figures['limits']}"),
        ("selling store", f"{seller}: {figures['orders_per_second']:g} orders/s achieved "
                          f"({args.rate:g} asked) for {args.seconds:g} s"),
        ("orders / lost / refused (sold out)",
         f"{figures['orders']} / {figures['orders_lost']} / {figures['refused_sold_out']}"),
        ("checkout → every other store shows it", f"{spread('')} · max {figures['max_ms']} ms"),
        ("checkout → its webhook stored by Lapak",
         f"p50 {figures['webhook_p50_ms']} ms · p99 {figures['webhook_p99_ms']} ms"),
        ("checkout → order stored in Lapak",
         f"p50 {figures['intake_p50_ms']} ms · p99 {figures['intake_p99_ms']} ms"),
        ("Lapak knew of it → every other store shows it",
         f"p50 {figures['from_known_p50_ms']} ms · p99 {figures['from_known_p99_ms']} ms"),
        ("floor: two chained actors", f"{spread('floor_')} ({figures['floor_lost']} lost)"),
        ("p99 / floor p99", figures["ratio"]),
        ("orders some store never showed", figures["not_followed"]),
        ("units sold beyond stock", figures["oversold_units"]),
        ("load average (before, at the sale, after)", figures["load_average"]),
    ]  # fmt: skip
    for label, value in rows:
        print(f"{label:<48} {value}")


def print_stores(by_store: dict[str, list[float]], unseen: dict[str, int]) -> None:
    """Per other store, checkout → it shows the sale; the slowest few when there are many."""
    slowest = sorted(by_store, key=lambda name: _ms(by_store[name], 0.99) or 0.0, reverse=True)
    for name in slowest[:8]:
        took = by_store[name]
        print(
            f"  {name:<32} p50 {_ms(took, 0.5)} ms · p99 {_ms(took, 0.99)} ms"
            + (f" · never showed {unseen[name]}" if unseen[name] else "")
        )
    if len(slowest) > 8:
        print(f"  … and {len(slowest) - 8} stores faster at p99")


if __name__ == "__main__":
    sys.exit(main())
