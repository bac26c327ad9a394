"""Order intake: orders per second one process fetches, normalizes, stores and reserves.

A Shopee sandbox shop holding N orders (placed through its `SandboxControl` before the
clock starts, over `--skus` listings with stock enough for all of them, one order in ten
left unpaid) runs in its own process, its rate limit lifted (`--limits published`: Shopee's
enforced, and Lapak pacing the store at its plugin's limits as `lapak run` does). This
process then runs
`sync.pull.pull_orders` — what the `pull_orders` job runs (`jobs/actors.py`): the order
list pages, `get_order_detail` in batches of 50, and the intake of each batch
(`sync.pull.fetch_orders` → `sync.orders.ingest_orders`: upsert, reservations, listings
marked for a stock recheck) — over real HTTP against a fresh SQLite file or a fresh
PostgreSQL database. Usage:

    python benchmarks/intake.py [--orders 100000] [--db sqlite|postgres] [--skus 200]
                                [--limits lifted|published]

It prints the wall and CPU seconds of the pull, orders per second, the calls the sandbox
served (at the published limits also the floor: those calls at Lapak's pace), and checks
that every order of the shop is in Lapak exactly once with one active reservation per line
of its quantity, and that each product's reserved units (its kept count and its
reservations' sum) are the units the shop sold (else exit 1). `--again` times a second pull
over the same window (every order seen again, as the overlap of the next pull sees them):
nothing may change. The last line is one JSON object with the figures.

`--workers N [--shops 4]` is the scale-out mode instead (`benchmarks/intake_workers.py`):
the Procfile's worker groups on Redis + PostgreSQL take in the orders of several shops
through the `pull_orders` jobs the scheduler sends.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lapak.sandboxes.kit.control import SandboxControl
from lapak.sandboxes.registry import sandbox_for
from lapak.sync.catalog import import_catalog
from lapak.sync.protocol import Connector, Pacer, StoreSpec
from lapak.sync.pull import PullReport, pull_orders
from lapak.sync.registry import plugin_for
from lapak.sync.sealing import Sealer
from lapak.sync.setup import StoreSettings, apply_settings
from lapak.sync.store.db import Database
from lapak.sync.store.models import Merchant, Order, OrderLine, Product, Reservation
from lapak.sync.tokens import DbTokenVault
from lapak.wiring.collector import tune_collector
from lapak.wiring.logging import configure_logging
from lapak.wiring.pacing import TokenBucketPacer, UnpacedPacer
from lapak.wiring.server import serve
from sqlalchemy import func, select

from benchmarks.harness import PostgresDatabase, scale_out_arguments

PLATFORM = "shopee"
STORE = "intake-shop"
MERCHANT = "bench"
STOCK = 10_000_000
"""Units of each SKU, on the shop and on hand in Lapak: no order is ever short."""
UNPAID_EVERY = 10
AIM = 1_000


@dataclass(frozen=True)
class ShopOrder:
    """An order as the shop holds it: its lines as (SKU, quantity)."""

    external_id: str
    lines: tuple[tuple[str, int], ...]


def skus_of(count: int) -> list[str]:
    return [f"KOPI-{n:04d}" for n in range(count)]


def serve_shop(
    name: str, index: int, orders: int, skus: int, seed: int, conn: Connection, lifted: bool = True
) -> None:
    """Child process: a Shopee sandbox shop listing `skus` SKUs, served until told to stop
    (`lifted`: without its rate limit).

    Answers "place" (places `orders` orders, then forgets the calls served so far: their
    count), "calls" (served API calls by path and the CPU seconds this process has used)
    and "orders" (every `ShopOrder`)."""
    sandbox = sandbox_for(PLATFORM)
    credentials = sandbox.credentials(name, index)
    app = sandbox.app([{"name": name, **credentials}], seed=seed)
    control = app.state.control
    if lifted:
        control.set_rate_limit(0)
    names = skus_of(skus)
    for sku in names:
        control.add_listing(name, sku=sku, name=f"Kopi {sku}", price=25_000, stock=STOCK)
    placed: list[ShopOrder] = []
    with serve(app) as server:
        conn.send((server.url, credentials))
        while (command := conn.recv()) != "stop":
            if command == "place":
                placed = place_orders(control, name, names, orders, seed)
                control.reset_calls()
                conn.send(len(placed))
            elif command == "calls":
                conn.send((control.call_counts(), time.process_time()))
            else:
                conn.send(placed)
    control.close()


def place_orders(
    control: SandboxControl, shop: str, names: list[str], orders: int, seed: int
) -> list[ShopOrder]:
    """`orders` orders of 1-3 lines of 1-3 units, one in `UNPAID_EVERY` left unpaid."""
    rng = random.Random(seed)
    placed = []
    for n in range(orders):
        lines = [(sku, rng.randint(1, 3)) for sku in rng.sample(names, rng.randint(1, 3))]
        external_id = control.place_order(shop, lines, paid=n % UNPAID_EVERY != 0)
        placed.append(ShopOrder(external_id, tuple(lines)))
    return placed


class Shop:
    """A sandbox shop in a child process (spawned: it shares no GIL with Lapak)."""

    def __init__(
        self, name: str, index: int, orders: int, skus: int, seed: int, lifted: bool = True
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=serve_shop,
            args=(name, index, orders, skus, seed, child, lifted),
            daemon=True,
        )
        self._process.start()
        self.url, self.credentials = self._conn.recv()

    def place(self) -> int:
        """Place the shop's orders (through its `SandboxControl`, no API call); their count."""
        self._conn.send("place")
        return int(self._conn.recv())

    def calls(self) -> tuple[dict[str, int], float]:
        """Calls served by path, and the sandbox process's CPU seconds so far."""
        self._conn.send("calls")
        counts, cpu = self._conn.recv()
        return dict(counts), cpu

    def orders(self) -> list[ShopOrder]:
        self._conn.send("orders")
        return list(self._conn.recv())

    def stop(self) -> None:
        self._conn.send("stop")
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()


@contextmanager
def database(kind: str, directory: Path) -> Iterator[Database]:
    if kind == "sqlite":
        db = Database(f"sqlite:///{directory / 'intake.db'}")
        yield db
        db.dispose()
        return
    created = PostgresDatabase("lapak_intake")
    try:
        yield created.db
    finally:
        created.drop()


def write_catalog(path: Path, skus: int) -> Path:
    """The catalog CSV of the shops' SKUs, `STOCK` units on hand each (with a description:
    a push of the listings' content, in the scale-out mode, needs one)."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sku", "name", "description", "price", "stock", "weight_grams"])
        writer.writerows(
            [sku, f"Kopi {sku}", f"Kopi {sku}, bubuk 250 g.", 25_000, STOCK, 250]
            for sku in skus_of(skus)
        )
    return path


def setup_lapak(
    db: Database, shop: Shop, skus: int, directory: Path, pacer: Pacer
) -> tuple[int, Connector]:
    """Schema, the store, a catalog of the shop's SKUs, and the store's connector."""
    db.migrate()
    store_id = apply_settings(db, [MERCHANT], [StoreSettings(STORE, PLATFORM, MERCHANT)])[STORE]
    with db.session() as session:
        merchant_id = session.scalar(select(Merchant.id).where(Merchant.name == MERCHANT))
    assert merchant_id is not None
    catalog = write_catalog(directory / "catalog.csv", skus)
    imported = import_catalog(db, merchant_id, catalog)
    if imported.errors:
        raise SystemExit(f"catalog import failed: {imported.errors[:3]}")
    plugin = plugin_for(PLATFORM)
    lock = threading.Lock()
    connector = plugin.create(
        StoreSpec(STORE, PLATFORM, shop.url),
        plugin.credentials_model.model_validate(shop.credentials),
        pacer=pacer,
        tokens=DbTokenVault(db, store_id, lambda _: lock, Sealer([Sealer.generate_key()])),
    )
    return store_id, connector


@dataclass
class Timed:
    report: PullReport
    seconds: float
    cpu: float
    calls: dict[str, int]
    sandbox_cpu: float

    def rate(self) -> float:
        return self.report.seen / self.seconds

    def cpu_rate(self) -> float:
        """Orders per CPU second of this process: its rate with a marketplace that answers
        at once and a core of its own."""
        return self.report.seen / self.cpu


def timed_pull(db: Database, store_id: int, connector: Connector, shop: Shop) -> Timed:
    before, sandbox_cpu = shop.calls()
    started, cpu = time.perf_counter(), time.process_time()
    report = pull_orders(db, store_id, connector)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    after, sandbox_after = shop.calls()
    calls = Counter(after)
    calls.subtract(before)
    served = {path: n for path, n in calls.items() if n}
    return Timed(report, seconds, cpu, served, sandbox_after - sandbox_cpu)


def problems(db: Database, placed_by_store: Mapping[int, Sequence[ShopOrder]]) -> list[str]:
    """What is wrong with Lapak's orders and reservations against the shops' orders (by
    store id): an order held twice or missing, a line without its one active reservation,
    a product whose reserved units are not the units sold or not its reservations' sum."""
    found: list[str] = []
    stores = list(placed_by_store)
    with db.session() as session:
        held = Counter(
            session.execute(
                select(Order.store_id, Order.external_id).where(Order.store_id.in_(stores))
            ).all()
        )
        rows = session.execute(
            select(
                Order.store_id, Order.external_id, OrderLine.sku, OrderLine.quantity,
                func.count(Reservation.id), func.min(Reservation.state),
                func.min(Reservation.quantity),
            )
            .join(OrderLine, OrderLine.order_id == Order.id)
            .outerjoin(Reservation, Reservation.order_line_id == OrderLine.id)
            .where(Order.store_id.in_(stores))
            .group_by(
                Order.store_id, Order.external_id, OrderLine.id, OrderLine.sku, OrderLine.quantity
            )
        ).all()  # fmt: skip
        reserved = dict(
            session.execute(
                select(Product.sku, func.sum(Reservation.quantity))
                .join(Reservation, Reservation.product_id == Product.id)
                .where(Reservation.state == "active")
                .group_by(Product.sku)
            ).all()
        )
        kept = dict(session.execute(select(Product.sku, Product.reserved)).all())
    placed = [(store_id, order) for store_id, orders in placed_by_store.items() for order in orders]
    twice = [key for key, n in held.items() if n > 1]
    if twice:
        found.append(f"{len(twice)} orders held more than once, e.g. {twice[:3]}")
    missing = [
        (store_id, order.external_id)
        for store_id, order in placed
        if (store_id, order.external_id) not in held
    ]
    if missing:
        found.append(f"{len(missing)} orders missing, e.g. {missing[:3]}")
    if len(held) > len(placed):
        found.append(f"{len(held) - len(placed)} orders Lapak holds that the shops never had")
    lines = {
        (store_id, external_id, sku): (qty, n, state, r_qty)
        for store_id, external_id, sku, qty, n, state, r_qty in rows
    }
    wrong = [
        (store_id, order.external_id, sku)
        for store_id, order in placed
        for sku, quantity in order.lines
        if lines.get((store_id, order.external_id, sku)) != (quantity, 1, "active", quantity)
    ]
    if wrong:
        found.append(
            f"{len(wrong)} order lines without their one active reservation, e.g. {wrong[:3]}"
        )
    if len(rows) != sum(len(order.lines) for _, order in placed):
        found.append(f"{len(rows)} order lines in Lapak, the shops' orders have a different count")
    sold: Counter[str] = Counter()
    for _, order in placed:
        for sku, quantity in order.lines:
            sold[sku] += quantity
    off = [sku for sku in sold if reserved.get(sku) != sold[sku]]
    if off:
        found.append(
            f"{len(off)} SKUs whose reserved units differ from the units sold, e.g. {off[:3]}"
        )
    drift = [sku for sku, units in kept.items() if units != reserved.get(sku, 0)]
    if drift:
        found.append(
            f"{len(drift)} SKUs whose kept reserved count is not their reservations' sum,"
            f" e.g. {drift[:3]}"
        )
    return found


def show(label: str, timed: Timed) -> None:
    print(
        f"{label}: {timed.report.seen:,} orders in {timed.seconds:.1f} s wall, {timed.cpu:.1f} s "
        f"CPU → {timed.rate():,.0f} orders/s, {timed.cpu_rate():,.0f} per CPU second "
        f"({timed.report.as_counts()})"
    )
    print(
        f"  sandbox: {timed.sandbox_cpu:.1f} s CPU serving "
        f"{sum(timed.calls.values()):,} calls {timed.calls}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--skus", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--limits", choices=("lifted", "published"), default="lifted")
    parser.add_argument(
        "--again", action="store_true", help="time a second pull of the same orders"
    )
    scale_out_arguments(parser, redis_port=6396)
    parser.add_argument("--shops", type=int, default=4, help="scale-out: shops sharing the orders")
    args = parser.parse_args()
    configure_logging("WARNING", json=False)
    tune_collector()  # as Lapak's own processes do
    if args.workers:
        # imported here: the scale-out mode builds on this module's shop and checks
        from benchmarks import intake_workers

        sys.exit(intake_workers.main(args))
    started = time.perf_counter()
    lifted = args.limits == "lifted"
    limits = plugin_for(PLATFORM).limits
    pacer: Pacer = (
        UnpacedPacer() if lifted else TokenBucketPacer(STORE, limits.rate_per_second, limits.burst)
    )
    shop = Shop(STORE, 0, args.orders, args.skus, args.seed, lifted)
    shop.place()
    print(f"{args.orders:,} orders placed on a {PLATFORM} sandbox shop over {args.skus} SKUs in "
          f"{time.perf_counter() - started:.0f} s (not timed); {os.cpu_count()} cores, "
          f"load average {' '.join(f'{n:.2f}' for n in os.getloadavg())}")  # fmt: skip
    try:
        with tempfile.TemporaryDirectory() as directory, database(args.db, Path(directory)) as db:
            store_id, connector = setup_lapak(db, shop, args.skus, Path(directory), pacer)
            first = timed_pull(db, store_id, connector, shop)
            show(f"pull ({args.db})", first)
            again = timed_pull(db, store_id, connector, shop) if args.again else None
            if again is not None:
                show(f"pull again ({args.db})", again)
                if again.report.new_orders or again.report.updated_orders:
                    print("FAILED: the second pull changed orders it had already taken in")
                    raise SystemExit(1)
            found = problems(db, {store_id: shop.orders()})
            connector.close()
    finally:
        shop.stop()
    for problem in found:
        print(f"FAILED: {problem}")
    if not found:
        print(f"checked: all {args.orders:,} orders in Lapak once, each line reserved once")
    figures: dict[str, Any] = {
        "db": args.db,
        "orders": args.orders,
        "seconds": round(first.seconds, 2),
        "cpu_seconds": round(first.cpu, 2),
        "orders_per_second": round(first.rate()),
        "orders_per_cpu_second": round(first.cpu_rate()),
        "sandbox_cpu_seconds": round(first.sandbox_cpu, 2),
        "calls": sum(first.calls.values()),
        "ok": not found,
        "aim": AIM,
        "limits": args.limits,
    }
    if not lifted:  # the calls cannot go faster than Lapak's pace without being throttled
        floor = sum(first.calls.values()) / limits.rate_per_second
        figures |= {"floor_seconds": round(floor, 2), "ratio": round(first.seconds / floor, 2)}
        print(f"floor: {sum(first.calls.values()):,} calls at {limits.rate_per_second:g}/s = "
              f"{floor:.1f} s; wall ÷ floor {first.seconds / floor:.2f}")  # fmt: skip
    if again is not None:
        figures["again_orders_per_second"] = round(again.rate())
    print(json.dumps(figures))
    if found:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
