"""Full sync scaled out: `full_sync.py --workers N`, the Procfile's worker groups on one
Redis and one PostgreSQL listing a catalog on every store, then syncing a stock change.

One sandbox store per `--platforms` platform (`harness.Marketplaces`, in this process, as
`propagation.py` runs them; `--limits lifted` lifts their rate limits and paces Lapak at
1,000 calls/s per store, `published` keeps both at the platforms' published rates); Lapak
runs as the Procfile's `web`, `worker` × N and `scheduler` under the harness's supervisor
on a Redis server of the run's own and a fresh PostgreSQL database. `lapak catalog import`
of an N-SKU catalog (a fifth in items of 4 variants, `harness.write_catalog`) sends each
store's `push_store` job, as a merchant's import does; the first phase ends when every
store shows every SKU with the stock and price Lapak wants (`harness.check_divergence`).
Then a second import changes every SKU's stock, and the second phase ends the same way.

Checks: one listing per SKU on every store (`harness.duplicate_listings`), nothing
diverged, no dead letter, no deadlocked attempt; from each worker group's job log the
pushes it ran and per worker process the CPU seconds it used: how the work spread.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lapak.sync.store.db import Database
from lapak.sync.store.models import DeadLetter, Listing, Product, Store
from sqlalchemy import func, select

from benchmarks import harness

VARIANTS = 4
FIRST_STOCK = 10
SECOND_STOCK = 7


def catalog(directory: Path, market: harness.Marketplaces, skus: int, stock: int) -> Path:
    """`skus` SKUs, a fifth in items of `VARIANTS` variants, `stock` units each."""
    path = directory / f"catalog-{stock}.csv"
    items = skus // 5 // VARIANTS
    harness.write_catalog(
        path, market, items=items, sizes=VARIANTS, singles=skus - items * VARIANTS,
        stock=lambda n: stock,
    )  # fmt: skip
    return path


@dataclass
class Phase:
    """One import until every store shows it, timed from the import's start."""

    imported: float
    settled: float | None
    """None: not within the timeout."""
    by_store: dict[str, float]
    """Per store, until its last listing push was confirmed (`listings.last_pushed_at`)."""
    cpu: float
    """This process's CPU seconds meanwhile: the sandboxes it hosts, and the checks."""


def import_and_settle(
    env: dict[str, str], db: Database, market: harness.Marketplaces, path: Path, timeout: float
) -> Phase:
    """Import the catalog and wait until every store shows what Lapak wants."""
    started, wall, cpu = time.perf_counter(), datetime.now(UTC), time.process_time()
    imported = harness.lapak_cli(env, "catalog", "import", str(path), timeout=600)
    if imported.returncode != 0:
        raise SystemExit(f"catalog import failed: {imported.stdout}{imported.stderr}")
    took = time.perf_counter() - started
    listings = len(market.plans) * harness.count_where(db, of=Product.id)

    def shown() -> bool:
        # Lapak's own tables first (no sandbox read, which would take this process's GIL
        # from the sandboxes it hosts every half second), then what every store shows
        pushed = harness.count_where(
            db, Listing.item_id.is_not(None), ~Listing.dirty, of=Listing.id
        )
        if pushed < listings:
            return False
        truth = harness.stock_truth(db)
        return harness.check_divergence(db, market, truth).diverged == 0

    settled = None if harness.wait_until(shown, timeout, every=0.5) is None else (
        time.perf_counter() - started
    )  # fmt: skip
    with db.session() as session:
        last = session.execute(
            select(Store.name, func.max(Listing.last_pushed_at))
            .join(Store, Store.id == Listing.store_id)
            .group_by(Store.name)
        ).all()
    by_store = {name: round((at - wall).total_seconds(), 1) for name, at in last if at}
    return Phase(took, settled, by_store, time.process_time() - cpu)


def run(args: argparse.Namespace, directory: Path) -> dict[str, Any]:
    plans = [plan for plan in harness.SIX_STORES if plan.platform in args.platforms]
    lifted = args.limits == "lifted"
    load_before = os.getloadavg()
    with ExitStack() as cleanup:
        market = harness.Marketplaces(plans)
        cleanup.callback(market.close)
        if lifted:
            market.lift_limits()
        redis, database = harness.run_services(
            cleanup, directory, args.redis_port, "lapak_full_sync"
        )
        db = database.db
        web_port = harness.free_port()
        config, secrets = harness.write_config(
            directory, market, database_url=database.url, redis_url=redis.url,
            public_url=f"http://127.0.0.1:{web_port}", poll_interval_seconds=60,
            rate_limit_per_second=harness.lapak_pace(lifted),
        )  # fmt: skip
        env = harness.process_env(config, secrets, web_port)
        first = catalog(directory, market, args.skus, FIRST_STOCK)
        second = catalog(directory, market, args.skus, SECOND_STOCK)
        lapak = harness.start_lapak(env, directory, web_port, groups=args.workers)
        cleanup.callback(lapak.supervisor.stop)
        time.sleep(5)  # the scheduler's first ticks, with nothing to do yet
        for control in market.controls.values():
            control.reset_calls()
        cpu_before = harness.worker_cpu(lapak.workers)
        load_start = os.getloadavg()
        phases: dict[str, Phase] = {}
        for name, path in (("list", first), ("stock", second)):
            phase = phases[name] = import_and_settle(env, db, market, path, args.timeout)
            harness.log(f"{name}: {phase}")
            if phase.settled is None:
                break
        cpu = {
            name: round(seconds - cpu_before.get(name, 0.0), 1)
            for name, seconds in harness.worker_cpu(lapak.workers).items()
        }
        calls = {name: sum(c.call_counts().values()) for name, c in market.controls.items()}
        twice = harness.duplicate_listings(market)
        diverged = harness.check_divergence(db, market, harness.stock_truth(db))
        dead = harness.count_where(db, of=DeadLetter.id)
        deadlocked = harness.deadlocks(db, lapak.logs())
        spread = harness.work_by_group({w.name: w.log_path for w in lapak.workers})
    problems = [
        f"{name}: not settled in {args.timeout:.0f} s"
        for name, phase in phases.items()
        if phase.settled is None
    ]
    problems += [f"{store}: {n} SKUs listed more than once" for store, n in twice.items() if n]
    if diverged.diverged:
        problems.append(f"{diverged.diverged} listings diverged, e.g. {diverged.examples[:2]}")
    if dead:
        problems.append(f"{dead} dead letters")
    figures: dict[str, Any] = {
        "mode": "workers",
        "workers": args.workers,
        "limits": args.limits,
        "stores": len(plans),
        "skus": args.skus,
    }
    for name, phase in phases.items():
        figures[f"{name}_seconds"] = None if phase.settled is None else round(phase.settled, 2)
        figures[f"{name}_import_seconds"] = round(phase.imported, 2)
        figures[f"{name}_by_store"] = phase.by_store
        figures[f"{name}_sandbox_cpu_seconds"] = round(phase.cpu, 1)
    figures |= {
        "calls_by_store": calls,
        "pushes_by_group": {name: work.pushes for name, work in spread.items()},
        "cpu_seconds_by_process": cpu,
        "deadlocks": deadlocked,
        "dead_letters": dead,
        "ok": not problems,
        "problems": problems,
        "load_average": [round(x[0], 2) for x in (load_before, load_start, os.getloadavg())],
    }
    print_table(figures)
    return figures


def print_table(figures: dict[str, Any]) -> None:
    rows: Sequence[tuple[str, Any]] = [
        ("worker groups / limits", f"{figures['workers']} / {figures['limits']}"),
        ("stores / SKUs", f"{figures['stores']} / {figures['skus']:,}"),
        ("import → every store lists every SKU",
         f"{figures.get('list_seconds')} s (import {figures.get('list_import_seconds')} s)"),
        ("  each store's last listing pushed (s)", figures.get("list_by_store")),
        ("import → every store shows the new stock",
         f"{figures.get('stock_seconds')} s (import {figures.get('stock_import_seconds')} s)"),
        ("  each store's last stock pushed (s)", figures.get("stock_by_store")),
        ("this process's CPU s (sandboxes, checks)",
         f"{figures.get('list_sandbox_cpu_seconds')} · {figures.get('stock_sandbox_cpu_seconds')}"),
        ("calls by store", figures["calls_by_store"]),
        ("push jobs by group", figures["pushes_by_group"]),
        ("worker processes' CPU s", figures["cpu_seconds_by_process"]),
    ]  # fmt: skip
    harness.print_report(rows, figures)
    if figures["ok"]:
        print("checked: one listing per SKU on every store, each with the stock Lapak wants")


def main(args: argparse.Namespace) -> int:
    with harness.run_directory(args.keep) as directory:
        figures = run(args, directory)
    print(harness.summary_line(figures))
    return 0 if figures["ok"] else 1
