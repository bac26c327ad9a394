"""Order intake scaled out: `intake.py --workers N`, the Procfile's worker groups on one
Redis and one PostgreSQL taking in the orders of several shops.

`--shops` Shopee sandbox shops (`intake.Shop`, each in a process of its own, rate limit
lifted) list the same `--skus` SKUs; Lapak runs as the Procfile's processes under the
harness's supervisor (`harness.start_lapak`: `web`, `worker` × N, on a Redis server of
the run's own and a fresh PostgreSQL database), paced at 1,000 calls/s per store
(`--limits published`: the shops enforce Shopee's rate and Lapak paces each store at it). The
catalog is imported with `lapak catalog import` (its pushes go through the job queue and
adopt the shops' listings by SKU) and the run waits until no listing is dirty. Then each
shop places its share of `--orders` (untimed, through its `SandboxControl`: no webhook is
configured, Lapak hears of them only by pulling) and the clock starts with the `scheduler`
process, whose first tick sends each store's `pull_orders` job (`jobs/scheduler.py`),
the pull's only sender in production apart from a newly connected store. Polls are an hour
apart: one pull per store. The pulls' intake asks for pushes of the stores whose stock
moved, which the same workers run, as they would.

It stops the clock when every order of every shop is in PostgreSQL, then checks each order
is held once (one row per store and external id), each line has one active reservation of
its quantity, and each product's kept reserved count (`Product.reserved`) is its active
reservations' sum and the units sold (`intake.problems`); it also counts deadlocked job
attempts and dead letters, and from each worker group's job log which group ran which
pulls and pushes: how the work spread.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from lapak.sync.store.db import Database
from lapak.sync.store.models import DeadLetter, JobEvent, Listing, Order, PullCursor, Store
from sqlalchemy import func, select

from benchmarks import harness
from benchmarks.intake import PLATFORM, Shop, problems, write_catalog

POLL_INTERVAL_SECONDS = 3600
"""One pull per store in a run: the scheduler's first tick."""
SETTLE_TIMEOUT = 600.0


class Shops:
    """`count` sandbox shops sharing `orders` between them, each in a process of its own;
    what `harness.write_config` reads (`harness.ServedStores`)."""

    def __init__(self, count: int, orders: int, skus: int, seed: int, lifted: bool) -> None:
        self.plans = [harness.StorePlan(f"intake-shop-{n + 1}", PLATFORM) for n in range(count)]
        shares = [orders // count + (n < orders % count) for n in range(count)]
        self.shops: dict[str, Shop] = {}
        try:
            for n, plan in enumerate(self.plans):
                self.shops[plan.name] = Shop(plan.name, n, shares[n], skus, seed + n, lifted)
        except BaseException:
            self.stop()
            raise
        self.credentials = {name: shop.credentials for name, shop in self.shops.items()}
        self.urls = {name: shop.url for name, shop in self.shops.items()}

    def place(self) -> int:
        """Every shop places its orders, side by side; how many in all."""
        with ThreadPoolExecutor(len(self.shops)) as pool:
            return sum(pool.map(Shop.place, self.shops.values()))

    def calls(self) -> tuple[Counter[str], float]:
        """Calls served by path, summed over the shops, and their CPU seconds so far."""
        counts: Counter[str] = Counter()
        cpu = 0.0
        for shop in self.shops.values():
            served, seconds = shop.calls()
            counts.update(served)
            cpu += seconds
        return counts, cpu

    def stop(self) -> None:
        for shop in self.shops.values():
            shop.stop()


def catalog_settled(db: Database, listings: int) -> bool:
    """Every listing of every store is bound to its shop's item and pushed (a listing whose
    push failed ends the run: the intake would run beside pushes retrying)."""
    with db.session() as session:
        failed = session.scalar(select(Listing.last_error).where(Listing.failed).limit(1))
    if failed is not None:
        raise SystemExit(f"a listing's push failed: {failed}")
    bound = harness.count_where(db, Listing.item_id.is_not(None), ~Listing.dirty, of=Listing.id)
    return bound == listings


def pull_span(db: Database) -> float | None:
    """Seconds from the first pull job's start to the last order stored (Lapak's clocks)."""
    with db.session() as session:
        pulls = session.execute(
            select(JobEvent.at, JobEvent.duration_ms).where(JobEvent.actor.in_(harness.PULL_ACTORS))
        ).all()
        last = session.scalar(select(func.max(Order.ingested_at)))
    if not pulls or last is None:
        return None
    first = min(at.timestamp() - float(ms) / 1000 for at, ms in pulls)
    return last.timestamp() - first


def run(args: argparse.Namespace, directory: Path) -> dict[str, Any]:
    load_before = os.getloadavg()
    with ExitStack() as cleanup:
        lifted = args.limits == "lifted"
        shops = Shops(args.shops, args.orders, args.skus, args.seed, lifted)
        cleanup.callback(shops.stop)
        redis, database = harness.run_services(cleanup, directory, args.redis_port, "lapak_intake")
        db = database.db
        web_port = harness.free_port()
        config, secrets = harness.write_config(
            directory, shops, database_url=database.url, redis_url=redis.url,
            public_url=f"http://127.0.0.1:{web_port}",
            poll_interval_seconds=POLL_INTERVAL_SECONDS,
            rate_limit_per_second=harness.lapak_pace(lifted),
        )  # fmt: skip
        env = harness.process_env(config, secrets, web_port)
        catalog = write_catalog(directory / "catalog.csv", args.skus)
        imported = harness.lapak_cli(env, "catalog", "import", str(catalog))
        if imported.returncode != 0:
            raise SystemExit(f"catalog import failed: {imported.stdout}{imported.stderr}")
        lapak = harness.start_lapak(env, directory, web_port, groups=args.workers, scheduler=False)
        cleanup.callback(lapak.supervisor.stop)
        listings = args.shops * args.skus
        took = harness.wait_until(lambda: catalog_settled(db, listings), SETTLE_TIMEOUT, 1.0)
        if took is None:
            raise SystemExit(f"the shops' listings were not adopted in {SETTLE_TIMEOUT:.0f} s")
        harness.log(f"{listings} listings adopted and pushed in {took:.0f} s")
        placing = time.perf_counter()
        placed = shops.place()
        harness.log(f"{placed:,} orders placed in {time.perf_counter() - placing:.0f} s")
        calls_before, sandbox_cpu = shops.calls()
        load_start = os.getloadavg()
        cpu_before = harness.worker_cpu(lapak.workers)
        started = time.perf_counter()
        lapak.start_scheduler()
        done = harness.wait_until(
            lambda: harness.count_where(db) >= placed, args.timeout, every=0.25
        )
        wall = time.perf_counter() - started
        harness.log(f"{harness.count_where(db):,} orders in Lapak after {wall:.1f} s")
        cpu = {
            name: round(seconds - cpu_before.get(name, 0.0), 1)
            for name, seconds in harness.worker_cpu(lapak.workers).items()
        }
        harness.wait_until(
            lambda: harness.count_where(db, of=PullCursor.store_id) >= args.shops, 120, every=0.5
        )
        calls_after, sandbox_after = shops.calls()
        calls_after.subtract(calls_before)
        with db.session() as session:
            ids = dict(session.execute(select(Store.name, Store.id)).all())
        found = problems(db, {ids[name]: shop.orders() for name, shop in shops.shops.items()})
        if done is None:
            found.insert(0, f"not every order was in Lapak after {args.timeout:.0f} s")
        span = pull_span(db)
        dead = harness.count_where(db, of=DeadLetter.id)
        deadlocked = harness.deadlocks(db, lapak.logs())
        spread = harness.work_by_group({w.name: w.log_path for w in lapak.workers})
    figures: dict[str, Any] = {
        "mode": "workers",
        "workers": args.workers,
        "limits": args.limits,
        "shops": args.shops,
        "orders": placed,
        "seconds": round(wall, 2),
        "orders_per_second": round(placed / wall),
        "pull_span_seconds": None if span is None else round(span, 2),
        "sandbox_cpu_seconds": round(sandbox_after - sandbox_cpu, 2),
        "calls": {path: n for path, n in sorted(calls_after.items()) if n},
        "pulls_by_group": {name: work.pulls for name, work in spread.items()},
        "new_orders_by_group": {name: work.new_orders for name, work in spread.items()},
        "pushes_by_group": {name: work.pushes for name, work in spread.items()},
        "cpu_seconds_by_process": cpu,
        "deadlocks": deadlocked,
        "dead_letters": dead,
        "ok": not found,
        "problems": found,
        "load_average": [round(x[0], 2) for x in (load_before, load_start, os.getloadavg())],
    }
    print_table(args, figures, spread)
    return figures


def worker_command() -> str:
    """The Procfile's worker command from its options on (`--processes 2 --threads 8`)."""
    command = harness.procfile_commands()["worker"]
    return command[command.find("--processes") :]


def print_table(
    args: argparse.Namespace, figures: dict[str, Any], spread: Mapping[str, harness.GroupWork]
) -> None:
    rows: Sequence[tuple[str, Any]] = [
        ("worker groups", f"{args.workers} × `{worker_command()}`"),
        ("shops / orders / SKUs", f"{args.shops} / {figures['orders']:,} / {args.skus}"),
        ("scheduler started → every order stored", f"{figures['seconds']} s"),
        ("orders per second, overall", f"{figures['orders_per_second']:,}"),
        ("first pull started → last order stored", f"{figures['pull_span_seconds']} s"),
        ("sandboxes: CPU s / calls", f"{figures['sandbox_cpu_seconds']} / {figures['calls']}"),
        ("worker processes' CPU s meanwhile", figures["cpu_seconds_by_process"]),
    ]
    harness.print_report(rows, figures)
    for name, work in spread.items():
        other = {job: n for job, n in sorted(work.jobs.items())}
        print(
            f"  {name}: {work.pulls} pulls ({work.new_orders:,} new orders), "
            f"{work.skipped_pulls} skipped, {work.pushes} pushes; jobs {other}"
        )
    if figures["ok"]:
        print(
            f"checked: all {figures['orders']:,} orders in Lapak once, each line reserved once, "
            "each product's reserved count its reservations' sum"
        )


def main(args: argparse.Namespace) -> int:
    with harness.run_directory(args.keep) as directory:
        figures = run(args, directory)
    print(harness.summary_line(figures))
    return 0 if figures["ok"] else 1
