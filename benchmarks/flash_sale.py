"""Flash sale: 50 orders/s on one store, arriving by webhook, reaching five other stores.

    python benchmarks/flash_sale.py [--rate 50] [--seconds 20] [--store shopee]
                                    [--items 20 --sizes 5 --singles 100] [--stock 10]
                                    [--lift-limits]

Six sandbox marketplaces (one store each, at their own rate limits or, `--lift-limits`,
with them lifted and Lapak paced at 1,000 calls/s per store; no faults) and the
Procfile's processes on a Redis server of the run's own and a fresh PostgreSQL database.
Once the catalog is listed everywhere, buyers check out `rate` orders a second for
`seconds` seconds on one store, one unit of a random SKU each; the marketplace pushes a
signed webhook per order to Lapak's web process (polls are a minute apart). It measures:

- every order reached Lapak's `orders`;
- per order, the time from checkout until every other store's sandbox shows the lower
  stock (p50/p95/p99; the stores are read every 0.1 s, so that is the resolution);
- job attempts failed on a PostgreSQL deadlock (job events and log lines; must be 0);
- times the selling store's stock went UP (read every 0.025 s: nobody cancels in this run,
  so a rise can only be a push that set back units the marketplace had already sold);
- units sold beyond stock (one store sells here, so there is no race: must be 0).

Last line: one JSON object. Exit status 1 when any of those checks fails.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lapak.sync.stock import store_stock

from benchmarks import harness

OTHER_STORES_EVERY = 0.1
SELLING_STORE_EVERY = 0.025


@dataclass
class Sale:
    """One successful checkout and when each other store showed it."""

    sku: str
    sold_before: int
    """Units of this SKU the selling store had sold before this order (this one excluded)."""
    at: float
    seen: dict[str, float] = field(default_factory=dict)


class Watch:
    """Reads the stores while the sale runs: other stores for the lower stock each order
    should bring, the selling store for any rise."""

    def __init__(self, market: harness.Marketplaces, seller: str, on_hand: dict[str, int]) -> None:
        self.market = market
        self.seller = seller
        self.on_hand = on_hand
        self.others = [p for p in market.plans if p.name != seller]
        self.sales: list[Sale] = []
        self.rises: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._others, name="watch-others", daemon=True),
            threading.Thread(target=self._seller, name="watch-seller", daemon=True),
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(10)

    def sold(self, sale: Sale) -> None:
        with self._lock:
            self.sales.append(sale)

    def _others(self) -> None:
        while not self._stop.wait(OTHER_STORES_EVERY):
            self.look()

    def look(self) -> None:
        """Mark each pending sale seen on each store now showing stock at or below what
        that sale leaves (the other stores sell nothing, so their stock only falls)."""
        now = time.monotonic()
        shown = {plan.name: self.market.stock(plan.name) for plan in self.others}
        with self._lock:
            pending = [s for s in self.sales if len(s.seen) < len(self.others)]
        for sale in pending:
            left = self.on_hand[sale.sku] - sale.sold_before - 1
            for plan in self.others:
                if plan.name in sale.seen:
                    continue
                units = shown[plan.name].get(sale.sku)
                if units is not None and units <= store_stock(left, plan.stock_buffer):
                    sale.seen[plan.name] = now

    def _seller(self) -> None:
        last = self.market.stock(self.seller)
        while not self._stop.wait(SELLING_STORE_EVERY):
            now = self.market.stock(self.seller)
            for sku, units in now.items():
                before = last.get(sku)
                if before is not None and units > before:
                    self.rises.append(f"{sku}: {before} → {units}")
            last = now

    def latencies(self) -> tuple[list[float], int]:
        """Seconds from checkout to the last other store showing it; and sales never shown."""
        took, unseen = [], 0
        for sale in self.sales:
            if len(sale.seen) == len(self.others):
                took.append(max(sale.seen.values()) - sale.at)
            else:
                unseen += 1
        return took, unseen

    def unseen_by_store(self) -> dict[str, int]:
        """Per other store: sales it never showed."""
        return {
            plan.name: sum(1 for sale in self.sales if plan.name not in sale.seen)
            for plan in self.others
        }


def shop(
    market: harness.Marketplaces,
    seller: str,
    watch: Watch,
    rate: float,
    seconds: float,
    rng: random.Random,
) -> int:
    """Check out `rate` orders a second for `seconds` s; returns the refusals (sold out)."""
    control = market.controls[seller]
    sold: dict[str, int] = {}
    in_stock = sorted(sku for sku, units in market.stock(seller).items() if units > 0)
    refused = 0
    started = time.monotonic()
    total = int(rate * seconds)
    for n in range(total):
        if not in_stock:
            break
        sku = rng.choice(in_stock)
        try:
            control.place_order(seller, [(sku, 1)])
        except ValueError:
            refused += 1
            in_stock.remove(sku)  # the marketplace says it is sold out
        else:
            watch.sold(Sale(sku, sold.get(sku, 0), time.monotonic()))
            sold[sku] = sold.get(sku, 0) + 1
        pause = started + (n + 1) / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    return refused


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=50.0, help="orders per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the sale lasts")
    parser.add_argument("--store", default="shopee", help="the platform of the selling store")
    parser.add_argument("--items", type=int, default=20, help="items with variants")
    parser.add_argument("--sizes", type=int, default=5, help="variants per item")
    parser.add_argument("--singles", type=int, default=100, help="single SKUs")
    parser.add_argument("--stock", type=int, default=10, help="units on hand per SKU")
    parser.add_argument("--groups", type=int, default=2, help="worker groups")
    parser.add_argument("--worker-args", default="", help="appended to the Procfile's worker")
    harness.lift_limits_argument(parser)
    parser.add_argument("--redis-port", type=int, default=6393)
    parser.add_argument("--settle-timeout", type=float, default=90.0)
    parser.add_argument("--list-timeout", type=float, default=600.0)
    parser.add_argument("--seed", type=int, default=50)
    parser.add_argument("--keep", type=Path, help="keep config and logs in this directory")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    with harness.run_directory(args.keep) as directory:
        return run(args, directory)


def run(args: argparse.Namespace, directory: Path) -> int:
    seller = next(p.name for p in harness.SIX_STORES if p.platform == args.store)
    figures: dict[str, Any] = {}
    with ExitStack() as cleanup:  # leaving it stops Lapak, the sandboxes, Redis; drops the db
        redis, database = harness.run_services(cleanup, directory, args.redis_port, "lapak_flash")
        market = harness.Marketplaces(harness.SIX_STORES, seed=args.seed)
        cleanup.callback(market.close)
        web_port = harness.free_port()
        web_url = f"http://127.0.0.1:{web_port}"
        config, secrets = harness.write_config(
            directory, market, database_url=database.url, redis_url=redis.url,
            public_url=web_url, poll_interval_seconds=60,
            rate_limit_per_second=harness.lapak_pace(args.lift_limits),
        )  # fmt: skip
        env = harness.process_env(config, secrets, web_port)
        skus = harness.write_catalog(
            directory / "catalog.csv", market, items=args.items, sizes=args.sizes,
            singles=args.singles, stock=lambda n: args.stock,
        )  # fmt: skip
        imported = harness.lapak_cli(env, "catalog", "import", str(directory / "catalog.csv"))
        if imported.returncode != 0:
            raise SystemExit(f"catalog import failed: {imported.stdout}{imported.stderr}")
        lapak = harness.start_lapak(
            env, directory, web_port, groups=args.groups, worker_args=args.worker_args
        )
        cleanup.callback(lapak.supervisor.stop)
        market.set_webhooks(lapak.web_url)
        db = database.db

        def listed() -> bool:
            truth = harness.stock_truth(db)
            return harness.check_divergence(db, market, truth).diverged == 0

        took = harness.wait_until(listed, args.list_timeout, every=2.0)
        if took is None:
            raise SystemExit(f"the catalog was not listed everywhere in {args.list_timeout:.0f} s")
        harness.log(f"{len(skus)} SKUs listed on six stores in {took:.0f} s; the sale starts")
        watch = Watch(market, seller, {sku: args.stock for sku in skus})
        watch.start()
        refused = shop(market, seller, watch, args.rate, args.seconds, random.Random(args.seed))
        harness.log(f"sale over: {len(watch.sales)} orders, {refused} refused (sold out)")

        def settled() -> bool:
            market.controls[seller].flush_webhooks(0.1)
            return not harness.check_orders(db, market).lost and watch.latencies()[1] == 0

        settle = harness.wait_until(settled, args.settle_timeout, every=0.5)
        watch.look()
        watch.stop()
        orders = harness.check_orders(db, market)
        truth = harness.stock_truth(db)
        latencies, unseen = watch.latencies()
        sold = len(watch.sales)
        figures = {
            "placed": orders.placed,
            "in_lapak": orders.in_lapak,
            "lost": len(orders.lost),
            "duplicated": orders.duplicated,
            "refused_sold_out": refused,
            "orders_per_second": round(sold / args.seconds, 1),
            "p50_seconds": _rounded(harness.percentile(latencies, 0.5)),
            "p95_seconds": _rounded(harness.percentile(latencies, 0.95)),
            "p99_seconds": _rounded(harness.percentile(latencies, 0.99)),
            "max_seconds": _rounded(max(latencies) if latencies else None),
            "not_shown_on_other_stores": unseen,
            "deadlock_failures": harness.deadlocks(db, lapak.logs()),
            "stock_raised_on_selling_store": len(watch.rises),
            "oversold_units": truth.oversold_units,
            "duplicate_listings": sum(harness.duplicate_listings(market).values()),
            "settled_seconds": _rounded(settle),
            "limits": "lifted" if args.lift_limits else "published",
        }
        print_table(args, seller, figures, latencies, watch)
    print(harness.summary_line(figures))
    failed = any(
        figures[key]
        for key in (
            "lost", "duplicated", "not_shown_on_other_stores", "deadlock_failures",
            "stock_raised_on_selling_store", "oversold_units", "duplicate_listings",
        )
    )  # fmt: skip
    return 1 if failed else 0


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def print_table(
    args: argparse.Namespace,
    seller: str,
    figures: dict[str, Any],
    latencies: list[float],
    watch: Watch,
) -> None:
    rows = [
        ("selling store", f"{seller}: {args.rate:g} orders/s for {args.seconds:g} s"),
        ("orders placed / in Lapak", f"{figures['placed']} / {figures['in_lapak']}"),
        ("lost / duplicated", f"{figures['lost']} / {figures['duplicated']}"),
        ("refused by the marketplace (sold out)", figures["refused_sold_out"]),
        ("checkout → every other store shows it", harness.describe(latencies)),
        ("orders never shown on every other store", figures["not_shown_on_other_stores"]),
        ("job attempts failed on a deadlock", figures["deadlock_failures"]),
        ("selling store's stock pushed back up", figures["stock_raised_on_selling_store"]),
        ("units sold beyond stock", figures["oversold_units"]),
        ("SKUs listed twice on a store", figures["duplicate_listings"]),
    ]
    for label, value in rows:
        print(f"{label:<40} {value}")
    missing = {name: n for name, n in watch.unseen_by_store().items() if n}
    if missing:
        print(f"  sales a store never showed: {missing}")
    for rise in watch.rises[:5]:
        print(f"  e.g. {seller} {rise}")


if __name__ == "__main__":
    sys.exit(main())
