"""Chaos run: six marketplaces with faults on, Lapak at scale, processes killed at random.

    python benchmarks/chaos.py [--quick] [--items 80 --sizes 5 --singles 600] [--seconds 240]
                               [--lift-limits]

Six sandbox marketplaces (one store each, at the rate limits each enforces or, with
`--lift-limits`, with them lifted and Lapak paced at 1,000 calls/s per store) answer 5 % of
calls with a 5xx, throttle 2 %, hang 1 % past the client's timeout, break 1 % of bodies and
add a latency that changes every few seconds. Against them run the Procfile's processes on
their own Redis server and a fresh PostgreSQL database, with two worker groups, under a
supervisor that restarts whatever dies. A catalog of `items` × `sizes` variants plus
`singles` single SKUs, with little stock each, is imported and listed for the first time
while buyers shop on every store (often the same last units: races across stores), some
pay later, some cancel, a reseller ships orders and some come back as returns, catalog
stock rises through `lapak catalog set-stock` and prices change through a second
`lapak catalog import`, and bursts of 50 orders in a second arrive. Meanwhile worker
children and whole worker groups are SIGKILLed at random, Redis is restarted empty once
and the scheduler once. Then the faults stop and the run waits for Lapak to converge.

It prints a table and, as its last line, one JSON object; it exits 1 if an order was
lost or duplicated, a SKU was listed twice on a store, a listing was left diverged, or an
oversold order went unflagged.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lapak.sync.store.models import Order, Product, Store
from sqlalchemy import select

from benchmarks import harness

FAULTS = {
    "error_rate": 0.05,
    "throttle_rate": 0.02,
    "timeout_rate": 0.01,
    "malformed_rate": 0.01,
    "timeout_seconds": 12.0,  # past the connectors' 10 s read timeout
}
LATENCIES_MS = (0.0, 5.0, 20.0, 60.0, 150.0)
BURST_ORDERS = 50


@dataclass
class Placed:
    store: str
    external_id: str
    paid: bool
    at: float
    settled: bool = False
    """Paid or cancelled (an unpaid order is settled one way or the other)."""


@dataclass
class Tally:
    placed: list[Placed] = field(default_factory=list)
    refused: int = 0
    cancelled: int = 0
    paid_later: int = 0
    shipped: int = 0
    returned: int = 0
    stock_changes: int = 0
    price_imports: int = 0
    bursts: int = 0
    child_kills: int = 0
    group_kills: int = 0
    redis_restarts: int = 0
    scheduler_restarts: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, what: str, done: subprocess.CompletedProcess[str]) -> None:
        """A CLI command that failed (Redis down mid-restart, say): its last error line."""
        lines = (done.stderr or done.stdout).strip().splitlines()
        with self.lock:
            self.errors.append(f"{what}: {lines[-1] if lines else done.returncode}")


class Buyers:
    """Buyers on every store: a steady pace, bursts of 50 orders in a second, and a taste
    for a few hot SKUs so stores race for their last units."""

    def __init__(self, market: harness.Marketplaces, tally: Tally, rng: random.Random) -> None:
        self.market = market
        self.tally = tally
        self.rng = rng
        self._stock: dict[str, dict[str, int]] = {}
        self._read_at = 0.0

    def _refresh(self) -> None:
        if time.monotonic() - self._read_at > 1.0:
            self._stock = {name: self.market.stock(name) for name in self.market.controls}
            self._read_at = time.monotonic()

    def place_one(self) -> None:
        self._refresh()
        name = self.rng.choice(list(self.market.controls))
        in_stock = sorted(sku for sku, units in self._stock[name].items() if units > 0)
        if not in_stock:
            return
        hot = in_stock[: max(3, len(in_stock) // 20)]
        sku = self.rng.choice(hot if self.rng.random() < 0.5 else in_stock)
        lines = [(sku, 1 if self.rng.random() < 0.85 else 2)]
        paid = self.rng.random() < 0.9
        try:
            external_id = self.market.controls[name].place_order(name, lines, paid=paid)
        except ValueError:
            with self.tally.lock:
                self.tally.refused += 1  # the marketplace had no stock left: no order
            return
        with self.tally.lock:
            self.tally.placed.append(Placed(name, external_id, paid, time.monotonic(), paid))

    def burst(self) -> None:
        started = time.monotonic()
        for n in range(BURST_ORDERS):
            self.place_one()
            pause = started + (n + 1) / BURST_ORDERS - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        with self.tally.lock:
            self.tally.bursts += 1


def settle_unpaid(
    market: harness.Marketplaces, tally: Tally, rng: random.Random, *, age: float
) -> None:
    """Unpaid orders older than `age` s are paid (mostly) or cancelled; a few paid orders
    are cancelled before they ship."""
    now = time.monotonic()
    with tally.lock:
        due = [p for p in tally.placed if not p.settled and now - p.at > age]
        candidates = [p for p in tally.placed if p.settled and now - p.at > age]
    for order in due:
        action = "pay" if rng.random() < 0.75 else "cancel"
        _change(market, tally, order, action)
        order.settled = True
    for order in rng.sample(candidates, k=min(len(candidates), 1)) if rng.random() < 0.3 else []:
        _change(market, tally, order, "cancel")


def _change(market: harness.Marketplaces, tally: Tally, order: Placed, action: str) -> None:
    try:
        market.controls[order.store].change_order(order.store, order.external_id, action)  # type: ignore[arg-type]
    except (ValueError, LookupError):
        return  # shipped or cancelled already: the marketplace refuses, as a real one would
    with tally.lock:
        if action == "cancel":
            tally.cancelled += 1
        else:
            tally.paid_later += 1


class Reseller:
    """Ships a ready order now and then through `lapak queue ship`, and has some of the
    shipped ones returned by their buyers."""

    def __init__(
        self, db: Any, market: harness.Marketplaces, env: dict[str, str], tally: Tally
    ) -> None:
        self.db = db
        self.market = market
        self.env = env
        self.tally = tally
        self._returned: set[int] = set()

    def ship_one(self) -> None:
        with self.db.session() as session:
            order_id = session.scalar(
                select(Order.id)
                .where(Order.status == "ready_to_ship", Order.ship_state == "none")
                .order_by(Order.id)
                .limit(1)
            )
        if order_id is None:
            return
        for step in (["claim"], ["pack"], ["ship", f"JNE{order_id:08d}"]):
            command, *rest = step
            done = harness.lapak_cli(
                self.env, "queue", command, str(order_id), *rest, "--as", harness.RESELLER
            )
            if done.returncode != 0:
                self.tally.note(f"queue {command} {order_id}", done)
                return
        with self.tally.lock:
            self.tally.shipped += 1

    def return_one(self) -> None:
        with self.db.session() as session:
            rows = session.execute(
                select(Order.id, Order.external_id, Order.store_id).where(
                    Order.ship_state == "confirmed"
                )
            ).all()
            names = {
                store_id: name for name, store_id in session.execute(select(Store.name, Store.id))
            }
        for order_id, external_id, store_id in rows:
            if order_id in self._returned:
                continue
            self._returned.add(order_id)
            store = names[store_id]
            try:
                self.market.controls[store].change_order(store, external_id, "return")
            except (ValueError, LookupError):
                continue
            with self.tally.lock:
                self.tally.returned += 1
            return


def raise_stock(
    db: Any, env: dict[str, str], skus: list[str], rng: random.Random, tally: Tally
) -> None:
    """A restock of one SKU: on hand rises by 1-4 (`lapak catalog set-stock`)."""
    sku = rng.choice(skus)
    with db.session() as session:
        on_hand = session.scalar(select(Product.on_hand).where(Product.sku == sku)) or 0
    done = harness.lapak_cli(env, "catalog", "set-stock", sku, str(on_hand + rng.randint(1, 4)))
    if done.returncode != 0:
        tally.note(f"set-stock {sku}", done)
        return
    with tally.lock:
        tally.stock_changes += 1


@dataclass
class Plan:
    items: int
    sizes: int
    singles: int
    seconds: float
    rate: float
    burst_every: float
    kill_every: float
    converge_timeout: float
    groups: int
    worker_args: str
    redis_port: int
    poll_interval: float
    list_first: bool
    seed: int
    keep: Path | None
    lift_limits: bool = False


def parse(argv: list[str] | None) -> Plan:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smaller run: under five minutes")
    parser.add_argument("--items", type=int, help="items with variants (default 80; quick 20)")
    parser.add_argument("--sizes", type=int, default=5, help="variants per item")
    parser.add_argument("--singles", type=int, help="single SKUs (default 600; quick 150)")
    parser.add_argument("--seconds", type=float, help="chaos phase (default 240; quick 90)")
    parser.add_argument("--rate", type=float, default=4.0, help="steady orders/s over all stores")
    parser.add_argument("--burst-every", type=float, help="seconds between 50-order bursts")
    parser.add_argument("--kill-every", type=float, help="seconds between random kills")
    parser.add_argument("--converge-timeout", type=float, help="seconds to wait for convergence")
    parser.add_argument("--groups", type=int, default=2, help="worker groups")
    parser.add_argument("--worker-args", default="", help="appended to the Procfile's worker")
    parser.add_argument("--redis-port", type=int, default=6391)
    parser.add_argument("--poll-interval", type=float, default=5.0, help="order polls, seconds")
    parser.add_argument(
        "--list-first",
        action="store_true",
        help="list the catalog everywhere before faults and kills start (the suite's short "
        "run: an interrupted create is held two minutes before it is adopted or made again)",
    )
    harness.lift_limits_argument(parser)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--keep", type=Path, help="keep config and logs in this directory")
    args = parser.parse_args(argv)
    quick = args.quick
    seconds = args.seconds or (90.0 if quick else 240.0)
    return Plan(
        items=args.items if args.items is not None else (20 if quick else 80),
        sizes=args.sizes,
        singles=args.singles if args.singles is not None else (150 if quick else 600),
        seconds=seconds,
        rate=args.rate,
        burst_every=args.burst_every or max(10.0, seconds / 4),
        kill_every=args.kill_every or max(6.0, seconds / 12),
        converge_timeout=args.converge_timeout or (150.0 if quick else 420.0),
        groups=args.groups,
        worker_args=args.worker_args,
        redis_port=args.redis_port,
        poll_interval=args.poll_interval,
        list_first=args.list_first,
        seed=args.seed,
        keep=args.keep,
        lift_limits=args.lift_limits,
    )


def main(argv: list[str] | None = None) -> int:
    plan = parse(argv)
    with harness.run_directory(plan.keep) as directory:
        return run(plan, directory)


def run(plan: Plan, directory: Path) -> int:
    rng = random.Random(plan.seed)
    with ExitStack() as cleanup:  # leaving it stops Lapak, the sandboxes, Redis; drops the db
        redis, database = harness.run_services(cleanup, directory, plan.redis_port, "lapak_chaos")
        market = harness.Marketplaces(harness.SIX_STORES, seed=plan.seed)
        cleanup.callback(market.close)
        if plan.lift_limits:
            market.lift_limits()
        rates = market.enforced_rates()
        lifted = [name for name, rate in rates.items() if rate <= 0]
        if lifted and not plan.lift_limits:
            raise SystemExit(f"the sandbox rate limit is lifted on {', '.join(lifted)}")
        web_port = harness.free_port()
        web_url = f"http://127.0.0.1:{web_port}"
        config, secrets = harness.write_config(
            directory, market, database_url=database.url, redis_url=redis.url,
            public_url=web_url, poll_interval_seconds=plan.poll_interval,
            rate_limit_per_second=harness.lapak_pace(plan.lift_limits),
        )  # fmt: skip
        env = harness.process_env(config, secrets, web_port)
        pacing = pacing_rates(config, env, plan.lift_limits)
        skus = harness.write_catalog(
            directory / "catalog.csv", market, items=plan.items, sizes=plan.sizes,
            singles=plan.singles, stock=lambda n: 1 + n % 4,
        )  # fmt: skip
        imported = harness.lapak_cli(
            env, "catalog", "import", str(directory / "catalog.csv"), timeout=300
        )
        if imported.returncode != 0:
            raise SystemExit(f"catalog import failed: {imported.stdout}{imported.stderr}")
        harness.log(f"catalog: {len(skus)} SKUs imported; {imported.stdout.strip()}")
        if not plan.list_first:
            market.set_faults(**FAULTS, latency_ms=LATENCIES_MS[1])
        lapak = harness.start_lapak(
            env, directory, web_port, groups=plan.groups, worker_args=plan.worker_args
        )
        cleanup.callback(lapak.supervisor.stop)
        market.set_webhooks(lapak.web_url)
        if plan.list_first:
            listed = harness.wait_until(lambda: _in_step(database, market), 300, every=1.0)
            if listed is None:
                raise SystemExit("--list-first: the catalog was not listed everywhere in 300 s")
            harness.log(f"catalog listed on six stores in {listed:.0f} s; faults on")
            market.set_faults(**FAULTS, latency_ms=LATENCIES_MS[1])
        harness.log(f"Lapak up at {lapak.web_url}; chaos for {plan.seconds:.0f} s")
        tally = Tally()
        chaos(plan, market, lapak, redis, database, env, skus, tally, rng)
        harness.log("chaos over: faults off, waiting for Lapak to converge")
        settle_unpaid(market, tally, rng, age=0)
        market.clear_faults()
        converge, figures = converge_and_measure(plan, market, database, lapak)
    figures["converge_seconds"] = converge
    figures["limits"] = "lifted" if plan.lift_limits else "published"
    print_table(plan, tally, rates, pacing, figures, lapak)
    print(harness.summary_line(figures))
    failed = (
        figures["lost"] or figures["duplicated"] or figures["duplicate_listings"]
        or figures["diverged"] or figures["unflagged_oversold_units"] or converge is None
    )  # fmt: skip
    return 1 if failed else 0


def _in_step(database: harness.PostgresDatabase, market: harness.Marketplaces) -> bool:
    truth = harness.stock_truth(database.db)
    return harness.check_divergence(database.db, market, truth).diverged == 0


def pacing_rates(config: Path, env: dict[str, str], lifted: bool) -> dict[str, tuple[float, float]]:
    """Per store: the calls/s Lapak paces itself to (the platform's published rate, or with
    the limits `lifted` the harness's), and the platform's published rate."""
    import os

    from lapak.config import load_config

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        loaded = load_config(config)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    rates = {s.name: (s.rate_per_second, s.plugin.limits.rate_per_second) for s in loaded.stores}
    wanted = {
        name: harness.lapak_pace(lifted) or published for name, (_, published) in rates.items()
    }
    off = [name for name, (used, _) in rates.items() if used != wanted[name]]
    if off:
        raise SystemExit(f"Lapak does not pace {', '.join(off)} at the rate this run wants")
    return rates


def chaos(
    plan: Plan,
    market: harness.Marketplaces,
    lapak: harness.LapakProcesses,
    redis: harness.RedisServer,
    database: harness.PostgresDatabase,
    env: dict[str, str],
    skus: list[str],
    tally: Tally,
    rng: random.Random,
) -> None:
    """The chaos phase: everything at once, for `plan.seconds`."""
    buyers = Buyers(market, tally, random.Random(plan.seed + 1))
    reseller = Reseller(database.db, market, env, tally)
    stop = threading.Event()
    started = time.monotonic()

    def every(seconds: float, action: Any, name: str) -> threading.Thread:
        def loop() -> None:
            while not stop.wait(seconds):
                try:
                    action()
                except Exception as error:  # a helper thread must not die silently
                    with tally.lock:
                        tally.errors.append(f"{name}: {error!r}")

        thread = threading.Thread(target=loop, name=name, daemon=True)
        thread.start()
        return thread

    side_rng = random.Random(plan.seed + 2)
    threads = [
        every(1 / plan.rate, buyers.place_one, "buyers"),
        every(plan.burst_every, buyers.burst, "bursts"),
        every(1.0, lambda: settle_unpaid(market, tally, side_rng, age=3), "payments"),
        every(4.0, reseller.ship_one, "reseller"),
        every(5.0, reseller.return_one, "returns"),
        every(5.0, lambda: raise_stock(database.db, env, skus, side_rng, tally), "restock"),
        every(
            3.0,
            lambda: market.set_faults(**FAULTS, latency_ms=side_rng.choice(LATENCIES_MS)),
            "latency",
        ),
    ]
    events = sorted(
        [
            (plan.seconds * 0.4, "redis"),
            (plan.seconds * 0.65, "scheduler"),
            (plan.seconds * 0.5, "prices"),
        ]
        + [(t, "kill") for t in _kill_times(plan, rng)]
    )
    for at, event in events:
        pause = started + at - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        if event == "kill":
            kill_something(lapak, tally, rng)
        elif event == "redis":
            harness.log("Redis restarted (nothing persisted)")
            redis.restart(down_seconds=3)
            with tally.lock:
                tally.redis_restarts += 1
        elif event == "scheduler":
            harness.log("scheduler SIGKILLed")
            lapak.scheduler.kill_group()
            with tally.lock:
                tally.scheduler_restarts += 1
        elif event == "prices":
            change_prices(market, env, plan, tally)
    remaining = started + plan.seconds - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)
    stop.set()
    for thread in threads:
        thread.join(60)


def _kill_times(plan: Plan, rng: random.Random) -> list[float]:
    times, at = [], plan.kill_every * rng.uniform(0.5, 1.0)
    while at < plan.seconds * 0.9:
        times.append(at)
        at += plan.kill_every * rng.uniform(0.6, 1.4)
    return times


def kill_something(lapak: harness.LapakProcesses, tally: Tally, rng: random.Random) -> None:
    group = rng.choice(lapak.workers)
    if rng.random() < 0.5:
        victim = group.kill_child(rng)
        if victim is not None:
            harness.log(f"SIGKILL worker child {victim} of {group.name}")
            with tally.lock:
                tally.child_kills += 1
            return
    harness.log(f"SIGKILL worker group {group.name}")
    group.kill_group()
    with tally.lock:
        tally.group_kills += 1


def change_prices(
    market: harness.Marketplaces, env: dict[str, str], plan: Plan, tally: Tally
) -> None:
    """A second import: every tenth SKU costs more; stock cells empty (on hand unchanged)."""
    path = Path(env["LAPAK_CONFIG"]).parent / "catalog-prices.csv"
    harness.write_catalog(
        path, market, items=plan.items, sizes=plan.sizes, singles=plan.singles,
        stock=lambda n: None,
        price_of=lambda n: 50_000 + 1_000 * (n % 97) + (7_500 if n % 10 == 0 else 0),
    )  # fmt: skip
    done = harness.lapak_cli(env, "catalog", "import", str(path), timeout=300)
    if done.returncode != 0:
        tally.note("price import", done)
        return
    with tally.lock:
        tally.price_imports += 1
    harness.log(f"prices changed by import: {done.stdout.strip()}")


def converge_and_measure(
    plan: Plan,
    market: harness.Marketplaces,
    database: harness.PostgresDatabase,
    lapak: harness.LapakProcesses,
) -> tuple[float | None, dict[str, Any]]:
    db = database.db

    def converged() -> bool:
        for control in market.controls.values():
            control.flush_webhooks(0.1)
        return not harness.check_orders(db, market).lost and _in_step(database, market)

    took = harness.wait_until(converged, plan.converge_timeout, every=2.0)
    orders = harness.check_orders(db, market)
    truth = harness.stock_truth(db)
    divergence = harness.check_divergence(db, market, truth)
    letters = harness.check_dead_letters(db, market)
    duplicates = harness.duplicate_listings(market)
    figures: dict[str, Any] = {
        "placed": orders.placed,
        "in_lapak": orders.in_lapak,
        "lost": len(orders.lost),
        "duplicated": orders.duplicated,
        "duplicate_listings": sum(duplicates.values()),
        "diverged": divergence.diverged,
        "oversold_units": truth.oversold_units,
        "oversold_flagged": truth.flagged_orders,
        "unflagged_oversold_units": truth.unflagged_units,
        "dead_letters": letters.total,
        "dead_letters_healed": letters.healed,
        "deadlocks": harness.deadlocks(db, lapak.logs()),
        "restarts": lapak.supervisor.restarts(),
        "converge_seconds": took,
    }
    figures["_examples"] = divergence.examples + [f"lost {s} {e}" for s, e in orders.lost[:5]]
    figures["_duplicates"] = duplicates
    figures["_dead_letters_by_actor"] = letters.by_actor
    return (None if took is None else round(took, 1)), figures


def print_table(
    plan: Plan,
    tally: Tally,
    rates: dict[str, float],
    pacing: dict[str, tuple[float, float]],
    figures: dict[str, Any],
    lapak: harness.LapakProcesses,
) -> None:
    examples = figures.pop("_examples")
    duplicates = figures.pop("_duplicates")
    by_actor = figures.pop("_dead_letters_by_actor")
    heads = ("sandbox limit/s", "Lapak paces/s", "published/s", "dup SKUs")
    print(f"{'store':<22} " + " ".join(f"{h:>15}" for h in heads))
    for name, limit in rates.items():
        used, published = pacing[name]
        values = (f"{limit:g}", f"{used:g}", f"{published:g}", str(duplicates.get(name, 0)))
        print(f"{name:<22} " + " ".join(f"{v:>15}" for v in values))
    print()
    rows = [
        ("catalog", f"{plan.items} items × {plan.sizes} + {plan.singles} singles"),
        ("chaos phase", f"{plan.seconds:.0f} s, {plan.rate:g} orders/s + bursts of {BURST_ORDERS}"),
        ("orders placed / refused (no stock)", f"{len(tally.placed)} / {tally.refused}"),
        ("bursts of 50", tally.bursts),
        ("paid later / cancelled", f"{tally.paid_later} / {tally.cancelled}"),
        ("shipped / returned", f"{tally.shipped} / {tally.returned}"),
        ("restocks (set-stock) / price imports", f"{tally.stock_changes} / {tally.price_imports}"),
        ("worker children / groups SIGKILLed", f"{tally.child_kills} / {tally.group_kills}"),
        ("Redis / scheduler restarts", f"{tally.redis_restarts} / {tally.scheduler_restarts}"),
        ("processes restarted by the supervisor", figures["restarts"]),
        ("placed on marketplaces / in Lapak", f"{figures['placed']} / {figures['in_lapak']}"),
        ("lost / duplicated", f"{figures['lost']} / {figures['duplicated']}"),
        ("SKUs listed twice on a store", figures["duplicate_listings"]),
        ("listings diverged after convergence", figures["diverged"]),
        (
            "units oversold / unflagged",
            f"{figures['oversold_units']} / {figures['unflagged_oversold_units']}",
        ),
        (
            "orders flagged oversold",
            figures["oversold_flagged"]
            if figures["oversold_flagged"] is not None
            else "no orders.oversold_units column",
        ),
        (
            "dead letters / healed anyway",
            f"{figures['dead_letters']} / {figures['dead_letters_healed']} {by_actor or ''}",
        ),
        ("jobs failed on a deadlock", figures["deadlocks"]),
        (
            "converged after faults stopped",
            f"{figures['converge_seconds']} s"
            if figures["converge_seconds"] is not None
            else "NOT within the timeout",
        ),
    ]
    for label, value in rows:
        print(f"{label:<40} {value}")
    for example in examples:
        print(f"  e.g. {example}")
    for error in tally.errors[:5]:
        print(f"  helper error: {error}")
    if plan.keep:
        print(f"logs: {', '.join(str(p) for p in lapak.logs())}")


if __name__ == "__main__":
    sys.exit(main())
