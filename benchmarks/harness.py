"""The shared rig of `chaos.py` and `flash_sale.py`: Lapak at scale against six sandboxes.

What it runs, as production would:

- six sandbox marketplaces (Shopee, Tokopedia, Lazada, TikTok Shop, Shopify, WooCommerce),
  one store each, in this process (their `SandboxControl` is how buyers shop and how the
  checks read what each marketplace holds), at the rate limits each sandbox enforces by
  default, pushing signed order webhooks to Lapak's web process;
- a Redis server of its own (`redis-server --save "" --appendonly no` on a chosen port, so
  restarting it disturbs nobody) and a fresh PostgreSQL database, dropped at the end;
- the Procfile's processes (`web`, `worker`, `scheduler`), each command taken from the
  `Procfile` itself, under a `Supervisor` that restarts any of them that dies, as systemd's
  `Restart=always` or supervisord would (a dramatiq worker group dies with one child).

It also holds the checks both runs make: orders placed on the marketplaces against
Lapak's `orders`, SKUs listed twice on a store, listings whose marketplace stock or price
differs from what Lapak's catalog and reservations make them, units ordered beyond stock,
dead letters.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import httpx
import psycopg
from lapak.sandboxes.kit.control import SandboxControl, SandboxListing
from lapak.sandboxes.registry import sandbox_for
from lapak.sync.registry import plugin_for
from lapak.sync.stock import available, store_price, store_stock
from lapak.sync.store.db import Database
from lapak.sync.store.models import (
    DeadLetter,
    JobEvent,
    Listing,
    Order,
    Product,
    Reservation,
    Store,
    WebhookRecord,
)
from lapak.wiring.server import RunningServer, serve
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, inspect, or_, select, text

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MERCHANT = "Batik Sari"
RESELLER = "dewi"
RESELLER_TOKEN = "chaos-reseller-token-0123456789"
OPERATOR_TOKEN = "chaos-operator-token-0123456789"
POSTGRES_ADMIN_URL = os.environ.get(
    "LAPAK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@dataclass(frozen=True)
class StorePlan:
    """One store of the run: its marketplace and how Lapak shows stock and prices there."""

    name: str
    platform: str
    stock_buffer: int = 0
    markup_percent: int = 0


SIX_STORES = (
    StorePlan("shopee-batiksari", "shopee"),
    StorePlan("tokopedia-batiksari", "tokopedia", markup_percent=5),
    StorePlan("lazada-batiksari", "lazada", markup_percent=8),
    StorePlan("tiktok-batiksari", "tiktok", markup_percent=5),
    StorePlan("shopify-batiksari", "shopify"),
    StorePlan("woo-batiksari", "woocommerce"),
)
ROUND_TO = 500


def log(message: str) -> None:
    """Progress on stderr; stdout is kept for the table and the last-line JSON."""
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def wait_until(check: Callable[[], bool], timeout: float, every: float = 0.5) -> float | None:
    """Seconds until `check()` held, or None if it did not within `timeout`."""
    started = time.monotonic()
    while True:
        if check():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            return None
        time.sleep(every)


def open_loop(rate: float, seconds: float) -> Iterator[int]:
    """0, 1, 2, … `rate` times a second for `seconds`, each yielded at its scheduled time
    however long the caller took over the ones before (open loop: work piles up in flight
    instead of slowing the arrivals)."""
    started = time.monotonic()
    for n in range(max(1, round(rate * seconds))):
        pause = started + n / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        yield n


def percentile(values: Sequence[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


# --- the marketplaces -----------------------------------------------------------------------


DELIVERY_SENDERS = 8
"""Webhooks each sandbox posts side by side: a marketplace's delivery fleet does not queue a
flash sale's pushes behind one receiver's answers (the sandboxes' default, one, does)."""


LIFTED_RATE_PER_SECOND = 1000.0
"""Lapak's pacing per store in a run with the sandboxes' rate limits lifted
(`--lift-limits`): what is left to measure is Lapak's own overhead."""


def lift_limits_argument(parser: argparse.ArgumentParser) -> None:
    """`--lift-limits`: every scale and chaos run goes both ways, at the platforms' published
    limits (the default: do pushes overlap, do locks expire, does a first listing finish?)
    and with them lifted (Lapak's own overhead and nothing else)."""
    parser.add_argument(
        "--lift-limits", action="store_true",
        help="lift the sandboxes' rate limits and pace Lapak at 1,000 calls/s per store",
    )  # fmt: skip


def lapak_pace(lifted: bool) -> float | None:
    """`write_config`'s `rate_limit_per_second`: None keeps each platform's published rate."""
    return LIFTED_RATE_PER_SECOND if lifted else None


class Marketplaces:
    """The sandboxes of `plans`, one store each, served on loopback ports in this process."""

    def __init__(
        self,
        plans: Sequence[StorePlan],
        *,
        seed: int = 1,
        wrap: Callable[[Any], Any] = lambda app: app,
    ) -> None:
        """`wrap` is applied to each sandbox app before it is served (tests put a hook
        in front of the API with it)."""
        self.plans = list(plans)
        self.credentials: dict[str, dict[str, Any]] = {}
        self.controls: dict[str, SandboxControl] = {}
        self.apps: dict[str, Any] = {}
        self.urls: dict[str, str] = {}
        self._servers: list[RunningServer] = []
        for index, plan in enumerate(self.plans):
            plugin = plugin_for(plan.platform)
            creds = sandbox_for(plugin.platform).credentials(plan.name, index)
            app = sandbox_for(plugin.platform).app(
                [{"name": plan.name, **creds}], seed=seed + index
            )
            app.state.sandbox.push.senders = DELIVERY_SENDERS
            server = serve(wrap(app))
            self._servers.append(server)
            self.credentials[plan.name] = creds
            self.apps[plan.name] = app
            self.controls[plan.name] = app.state.control
            self.urls[plan.name] = server.url

    def lift_limits(self) -> None:
        """Every sandbox lets its store call as fast as it likes."""
        for control in self.controls.values():
            control.set_rate_limit(0)

    def enforced_rates(self) -> dict[str, float]:
        """Calls per second each sandbox lets a store make (0: the limit is lifted)."""
        rates = {}
        for name, app in self.apps.items():
            sandbox = app.state.sandbox
            rates[name] = sandbox.limiter.per_second
        return rates

    def set_webhooks(self, web_url: str) -> None:
        for name, control in self.controls.items():
            control.set_webhook_url(name, f"{web_url}/webhooks/{name}")

    def set_faults(self, **settings: Any) -> None:
        for control in self.controls.values():
            control.set_faults(**settings)

    def clear_faults(self) -> None:
        for control in self.controls.values():
            control.set_faults()

    def held(self, store: str) -> list[SandboxListing]:
        return self.controls[store].listings(store)

    def stock(self, store: str) -> dict[str, int]:
        """SKU → units the marketplace shows (the lowest, should a SKU be listed twice)."""
        found: dict[str, int] = {}
        for row in self.held(store):
            found[row.sku] = min(row.stock, found.get(row.sku, row.stock))
        return found

    def close(self) -> None:
        for control in self.controls.values():
            control.close()
        for server in self._servers:
            server.stop()


def store_plans(count: int) -> list[StorePlan]:
    """`count` stores selling the merchant's catalog: `SIX_STORES` first, then reseller
    stores taking the platforms in turn (the fan-out of one sale to many stores)."""
    plans = list(SIX_STORES[:count])
    for n in range(count - len(plans)):
        base = SIX_STORES[n % len(SIX_STORES)]
        plans.append(
            StorePlan(f"{base.platform}-reseller-{n + 1:02d}", base.platform,
                      markup_percent=base.markup_percent)
        )  # fmt: skip
    return plans


def catalog_header(platforms: Sequence[str]) -> list[str]:
    """The catalog CSV's header row, with a category column per platform."""
    return [
        "sku", "group_sku", "variant_name", "name", "description", "price", "stock",
        "weight_grams", "image_urls", *(f"category_{p}" for p in platforms),
    ]  # fmt: skip


def write_catalog(
    path: Path,
    marketplaces: Marketplaces,
    *,
    items: int,
    sizes: int,
    singles: int,
    stock: Callable[[int], int | None],
    price_of: Callable[[int], int] = lambda n: 50_000 + 1_000 * (n % 97),
) -> list[str]:
    """A catalog CSV of `items` × `sizes` variants and `singles` single SKUs; returns the SKUs.
    A `stock` of None leaves the cell empty: the import keeps the on-hand count as stored.

    Every product has an image (hosted by the Shopee sandbox) and a category for each
    marketplace, so each can create it."""
    image_base = f"{marketplaces.urls[_first(marketplaces, 'shopee')]}/_sandbox/images"
    categories = {
        plan.platform: marketplaces.controls[plan.name].sample_category
        for plan in marketplaces.plans
    }
    platforms = sorted(categories)
    size_names = ["S", "M", "L", "XL", "XXL", "3XL", "4XL"]
    rows: list[list[Any]] = []
    n = 0
    for item in range(items):
        group = f"BTK-{item:04d}"
        for size in size_names[:sizes]:
            name = f"Kemeja Batik Motif Parang Nomor {item:04d} Lengan Panjang"
            rows.append([f"{group}-{size}", group, size, name, n])
            n += 1
    for single in range(singles):
        sku = f"KOPI-{single:04d}"
        rows.append([sku, sku, "", f"Kopi Arabika Gayo Bubuk 250 g Seri {single:04d}", n])
        n += 1
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(catalog_header(platforms))
        for sku, group, variant, name, index in rows:
            writer.writerow(
                [sku, group, variant, name, f"{name}, buatan UMKM Indonesia.", price_of(index),
                 stock(index), 250, f"{image_base}/{group}.png",
                 *(categories[p] for p in platforms)]
            )  # fmt: skip
    return [row[0] for row in rows]


def _first(marketplaces: Marketplaces, platform: str) -> str:
    return next(p.name for p in marketplaces.plans if p.platform == platform)


# --- Redis and PostgreSQL of the run --------------------------------------------------------


def run_services(
    cleanup: ExitStack, directory: Path, redis_port: int, database: str
) -> tuple[RedisServer, PostgresDatabase]:
    """A Redis of the run's own on `redis_port` (its log in `directory`) and a fresh
    PostgreSQL database named after `database`: stopped and dropped when `cleanup` closes."""
    redis = RedisServer(redis_port, directory / "redis.log")
    redis.start()
    cleanup.callback(redis.stop)
    created = PostgresDatabase(database)
    cleanup.callback(created.drop)
    return redis, created


class RedisServer:
    """A `redis-server` without persistence on `port`: a restart loses every queue."""

    def __init__(self, port: int, log_path: Path) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it; refuse a port where a Redis already answers (another run's: its
        workers would take this run's messages, and this run's theirs)."""
        client = Redis.from_url(self.url)
        if _pings(client):
            client.close()
            raise RuntimeError(f"a Redis already answers on port {self.port}: another run's?")
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no"]  # fmt: skip
        with self._log_path.open("ab") as log_file:
            self._process = subprocess.Popen(
                args, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
            )
        started = wait_until(lambda: _pings(client), 10, every=0.05)
        client.close()
        if started is None or self._process.poll() is not None:
            raise RuntimeError(
                f"redis-server on port {self.port} did not start (see {self._log_path})"
            )

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(10)
        self._process = None

    def restart(self, down_seconds: float) -> None:
        """SIGKILL (everything queued is gone), stay down a while, start again empty."""
        self.stop()
        time.sleep(down_seconds)
        self.start()


def _pings(client: Redis) -> bool:
    try:
        return bool(client.ping())
    except RedisError:
        return False


class PostgresDatabase:
    """A database created for the run on the local server and dropped at the end."""

    def __init__(self, prefix: str) -> None:
        self.name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
        self.url = f"{base}/{self.name}"
        self._admin(f'CREATE DATABASE "{self.name}"')
        self.db = Database(self.url)

    def drop(self) -> None:
        self.db.dispose()
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    @staticmethod
    def _admin(statement: str) -> None:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(statement)


# --- Lapak's config -------------------------------------------------------------------------


class ServedStores(Protocol):
    """Stores served somewhere: `Marketplaces`, or sandbox shops in processes of their own
    (`intake_workers.Shops`). What Lapak's config is written from."""

    @property
    def plans(self) -> Sequence[StorePlan]: ...

    @property
    def credentials(self) -> Mapping[str, Mapping[str, Any]]: ...

    @property
    def urls(self) -> Mapping[str, str]: ...


def env_name(store: str, key: str) -> str:
    return f"RUN_{store.upper().replace('-', '_')}_{key.upper()}"


def write_config(
    directory: Path,
    marketplaces: ServedStores,
    *,
    database_url: str,
    redis_url: str | None,
    public_url: str,
    poll_interval_seconds: float,
    rate_limit_per_second: float | None = None,
) -> tuple[Path, dict[str, str]]:
    """`lapak.toml` for the run's stores and the environment its credential names point
    at. No `redis_url`: Lapak runs embedded. Lapak paces each store at its platform's
    published rate unless `rate_limit_per_second` overrides it for every store."""
    env = {"RUN_RESELLER_TOKEN": RESELLER_TOKEN, "RUN_OPERATOR_TOKEN": OPERATOR_TOKEN}
    pacing = (
        "" if rate_limit_per_second is None
        else f"rate_limit_per_second = {rate_limit_per_second}\n"
    )  # fmt: skip
    tables = []
    for plan in marketplaces.plans:
        names = []
        for key, value in marketplaces.credentials[plan.name].items():
            env[env_name(plan.name, key)] = str(value)
            names.append(f'{key} = "{env_name(plan.name, key)}"')
        tables.append(
            f"""
[[stores]]
name = "{plan.name}"
platform = "{plan.platform}"
merchant = "{MERCHANT}"
base_url = "{marketplaces.urls[plan.name]}"
stock_buffer = {plan.stock_buffer}
poll_interval_seconds = {poll_interval_seconds}
{pacing}price_rule = {{ markup_percent = {plan.markup_percent}, round_to = {ROUND_TO} }}

[stores.credentials]
{chr(10).join(names)}
"""
        )
    stores = ", ".join(f'"{plan.name}"' for plan in marketplaces.plans)
    path = directory / "lapak.toml"
    path.write_text(
        f"""[lapak]
database_url = "{database_url}"
{f'redis_url = "{redis_url}"' if redis_url else ""}
public_url = "{public_url}"
operator_token_env = "RUN_OPERATOR_TOKEN"

[[merchants]]
name = "{MERCHANT}"

[[resellers]]
name = "{RESELLER}"
token_env = "RUN_RESELLER_TOKEN"
stores = [{stores}]
{"".join(tables)}"""
    )
    return path, env


def process_env(config: Path, secrets: dict[str, str], web_port: int) -> dict[str, str]:
    env = dict(os.environ) | secrets
    env |= {
        "LAPAK_CONFIG": str(config),
        "PORT": str(web_port),
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
    }
    for inherited in ("LAPAK_REDIS_URL", "LAPAK_DATABASE_URL"):
        env.pop(inherited, None)  # the run's config says where they are
    return env


def lapak_cli(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "lapak"), *args], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip


# --- the Procfile's processes under a supervisor --------------------------------------------


def procfile_commands(path: Path = ROOT / "Procfile") -> dict[str, str]:
    """`name: command` lines of the Procfile (comments and blank lines skipped)."""
    commands = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and ":" in line:
            name, command = line.split(":", 1)
            commands[name.strip()] = command.strip()
    return commands


class Supervised:
    """One Procfile process as a supervisor runs it: in a session of its own (so a SIGKILL
    of the group reaches every child), its output appended to `<name>.log` across starts.
    A `Supervisor` starts it again whenever it exits."""

    def __init__(self, name: str, command: str, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.command = command
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        with self.log_path.open("ab") as log_file:  # the child keeps its own copy
            self.process = subprocess.Popen(
                ["sh", "-c", f"exec {self.command}"], env=self.env, cwd=ROOT,
                stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        self.starts += 1

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def children(self) -> list[int]:
        """The worker processes a dramatiq group's parent forked."""
        if not self.alive():
            return []
        assert self.process is not None
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            return []

    def kill_group(self) -> None:
        """SIGKILL the process and everything it started (its session's process group)."""
        if self.process is not None and self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)

    def kill_child(self, rng: random.Random) -> int | None:
        """SIGKILL one forked child; the dramatiq parent then shuts the group down."""
        children = self.children()
        if not children:
            return None
        victim = rng.choice(children)
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            return None
        return victim


class Supervisor:
    """Restarts any supervised process that exited, `restart_delay` seconds later."""

    def __init__(self, restart_delay: float = 1.0) -> None:
        self.processes: list[Supervised] = []
        self.restart_delay = restart_delay
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._lock = threading.Lock()

    def add(self, process: Supervised) -> Supervised:
        with self._lock:
            process.start()
            self.processes.append(process)
        return process

    def start(self) -> None:
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            with self._lock:
                for process in self.processes:
                    if process.process is not None and process.process.poll() is not None:
                        # a dramatiq parent gone: make sure no orphaned child lingers
                        process.kill_group()
                        time.sleep(self.restart_delay)
                        process.start()
                        log(f"supervisor: {process.name} exited, started again")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)
        for process in self.processes:
            if process.alive():
                assert process.process is not None
                os.killpg(process.process.pid, signal.SIGTERM)
        for process in self.processes:
            if process.process is not None:
                try:
                    process.process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill_group()

    def restarts(self) -> int:
        return sum(p.starts - 1 for p in self.processes)


@dataclass
class LapakProcesses:
    """web + `groups` worker groups + scheduler, from the Procfile, supervised."""

    supervisor: Supervisor
    web: Supervised
    workers: list[Supervised]
    scheduler: Supervised
    web_url: str

    def logs(self) -> list[Path]:
        return [p.log_path for p in self.supervisor.processes]

    def start_scheduler(self) -> None:
        """Start the scheduler held back by `start_lapak(scheduler=False)`."""
        if self.scheduler not in self.supervisor.processes:
            self.supervisor.add(self.scheduler)


def start_lapak(
    env: dict[str, str],
    log_dir: Path,
    web_port: int,
    *,
    groups: int = 2,
    worker_args: str = "",
    scheduler: bool = True,
) -> LapakProcesses:
    """Start the Procfile's processes (`worker_args` is appended to the worker command, e.g.
    `--processes 1` for a smaller machine) and wait until web answers /healthz.
    `scheduler=False` holds the scheduler back (its first ticks send each store's pull)
    until `LapakProcesses.start_scheduler`."""
    commands = procfile_commands()
    supervisor = Supervisor()
    web = supervisor.add(Supervised("web", commands["web"], env, log_dir))
    workers = [
        supervisor.add(
            Supervised(f"worker-{n + 1}", f"{commands['worker']} {worker_args}", env, log_dir)
        )
        for n in range(groups)
    ]
    timer = Supervised("scheduler", commands["scheduler"], env, log_dir)
    if scheduler:
        supervisor.add(timer)
    supervisor.start()
    web_url = f"http://127.0.0.1:{web_port}"
    if not answers_health(web_url, 60):
        supervisor.stop()
        raise RuntimeError(f"web did not answer /healthz at {web_url}: see {web.log_path}")
    return LapakProcesses(supervisor, web, workers, timer, web_url)


def answers_health(web_url: str, timeout: float) -> bool:
    """Whether the web process at `web_url` answers /healthz within `timeout` seconds. A
    marketplace's push to a web process still starting is refused, and the sandboxes try
    a push only three times in under a second."""

    def healthy() -> bool:
        try:
            return httpx.get(f"{web_url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    return wait_until(healthy, timeout) is not None


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def run_directory(keep: Path | None) -> Iterator[Path]:
    """`keep` if given (logs stay there), else a temporary directory removed afterwards."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    import tempfile

    with tempfile.TemporaryDirectory(prefix="lapak-run-") as directory:
        yield Path(directory)


# --- the checks -----------------------------------------------------------------------------


@dataclass
class OrderCheck:
    placed: int
    in_lapak: int
    lost: list[tuple[str, str]]
    duplicated: int


def check_orders(db: Database, marketplaces: Marketplaces) -> OrderCheck:
    """Every order the marketplaces show their sellers against Lapak's `orders`; duplicates
    are two rows for one (store, external id) or two reservations for one order line."""
    with db.session() as session:
        ids = dict(session.execute(select(Store.name, Store.id)).all())
        held = Counter(session.execute(select(Order.store_id, Order.external_id)).all())
        extra_reservations = session.scalar(
            select(func.coalesce(func.sum(text("n - 1")), 0)).select_from(
                select(func.count(Reservation.id).label("n"))
                .group_by(Reservation.order_line_id)
                .having(func.count(Reservation.id) > 1)
                .subquery()
            )
        )
    placed = [
        (name, external_id)
        for name, control in marketplaces.controls.items()
        for external_id in control.order_ids(name)
    ]
    lost = [(name, ext) for name, ext in placed if (ids.get(name), ext) not in held]
    duplicated = sum(count - 1 for count in held.values() if count > 1) + int(extra_reservations)
    return OrderCheck(len(placed), len(placed) - len(lost), lost, duplicated)


def duplicate_listings(marketplaces: Marketplaces) -> dict[str, int]:
    """Per store: marketplace items/variants beyond the first carrying one SKU."""
    counts = {}
    for plan in marketplaces.plans:
        skus = Counter(row.sku for row in marketplaces.held(plan.name))
        counts[plan.name] = sum(n - 1 for n in skus.values() if n > 1)
    return counts


@dataclass
class StockTruth:
    """What Lapak's own tables say each store should show, and what they say was oversold."""

    expected_stock: dict[tuple[str, str], int]
    expected_price: dict[tuple[str, str], Decimal]
    oversold_units: int
    unflagged_units: int
    flagged_orders: int | None
    """Orders with `orders.oversold_units` above 0 (None: the column does not exist yet)."""


def stock_truth(db: Database) -> StockTruth:
    """Each store's stock and price from on-hand stock, active reservations, buffers and
    price rules; units reserved beyond on-hand, and how many of them no flagged order holds."""
    with db.session() as session:
        reserved = dict(
            session.execute(
                select(Reservation.product_id, func.sum(Reservation.quantity))
                .where(Reservation.state == "active")
                .group_by(Reservation.product_id)
            ).all()
        )
        products = session.execute(
            select(Product.id, Product.sku, Product.on_hand, Product.price)
        ).all()
        stores = session.scalars(select(Store)).all()
        has_flag = "oversold_units" in {
            c["name"] for c in inspect(session.connection()).get_columns("orders")
        }
        flagged_units: dict[int, int] = defaultdict(int)
        flagged_orders = None
        if has_flag:
            flagged_orders = int(
                session.scalar(text("SELECT count(*) FROM orders WHERE oversold_units > 0")) or 0
            )
            # an order's flagged units, on the products it still holds (capped per line)
            for product_id, units in session.execute(
                text(
                    "SELECT r.product_id, sum(CASE WHEN r.quantity < o.oversold_units "
                    "THEN r.quantity ELSE o.oversold_units END) "
                    "FROM reservations r "
                    "JOIN order_lines l ON l.id = r.order_line_id "
                    "JOIN orders o ON o.id = l.order_id "
                    "WHERE o.oversold_units > 0 AND r.state = 'active' GROUP BY r.product_id"
                )
            ).all():
                flagged_units[product_id] = int(units)
    expected_stock: dict[tuple[str, str], int] = {}
    expected_price: dict[tuple[str, str], Decimal] = {}
    oversold = unflagged = 0
    for product_id, sku, on_hand, price in products:
        held = int(reserved.get(product_id, 0))
        beyond = max(0, held - on_hand)
        oversold += beyond
        unflagged += max(0, beyond - flagged_units.get(product_id, 0))
        for store in stores:
            expected_stock[(store.name, sku)] = store_stock(
                available(on_hand, held), store.stock_buffer, store.stock_allocation
            )
            expected_price[(store.name, sku)] = store_price(
                price, store.markup_percent, store.round_to
            )
    return StockTruth(expected_stock, expected_price, oversold, unflagged, flagged_orders)


@dataclass
class Divergence:
    diverged: int
    examples: list[str] = field(default_factory=list)
    dirty: int = 0


def check_divergence(db: Database, marketplaces: Marketplaces, truth: StockTruth) -> Divergence:
    """Listings whose marketplace stock or price is not what Lapak's tables make it, or
    that are not on the marketplace at all."""
    with db.session() as session:
        dirty = int(session.scalar(select(func.count(Listing.id)).where(Listing.dirty)) or 0)
        lapak_side = {
            (store, sku): (listing_dirty, failed, error)
            for store, sku, listing_dirty, failed, error in session.execute(
                select(Store.name, Product.sku, Listing.dirty, Listing.failed, Listing.last_error)
                .join(Store, Store.id == Listing.store_id)
                .join(Product, Product.id == Listing.product_id)
            )
        }
    diverged = 0
    examples: list[str] = []
    skus = {sku for (_, sku) in truth.expected_stock}
    for plan in marketplaces.plans:
        shown = {row.sku: row for row in marketplaces.held(plan.name)}
        for sku in sorted(skus):
            row = shown.get(sku)
            stock = truth.expected_stock[(plan.name, sku)]
            price = truth.expected_price[(plan.name, sku)]
            if row is None or row.stock != stock or Decimal(row.price) != price:
                diverged += 1
                if len(examples) < 5:
                    held = "missing" if row is None else f"stock {row.stock} price {row.price}"
                    state = lapak_side.get((plan.name, sku))
                    why = (
                        "no listing in Lapak" if state is None
                        else f"dirty={state[0]} failed={state[1]} error={(state[2] or '')[:120]!r}"
                    )  # fmt: skip
                    examples.append(
                        f"{plan.name} {sku}: {held}, Lapak wants {stock} at {price} ({why})"
                    )
    return Divergence(diverged, examples, dirty)


@dataclass
class DeadLetterCheck:
    total: int
    healed: int
    by_actor: dict[str, int]


def check_dead_letters(db: Database, marketplaces: Marketplaces) -> DeadLetterCheck:
    """Dead letters, and how many of them are about state that is in order anyway: the
    store they would push has nothing dirty, the orders they would fetch are in Lapak, the
    webhooks they would process are processed, the shipment they would confirm is confirmed."""
    healed = 0
    by_actor: Counter[str] = Counter()
    with db.session() as session:
        letters = session.scalars(select(DeadLetter)).all()
        for letter in letters:
            by_actor[letter.actor] += 1
            args = list(letter.args)
            if letter.actor == "push_store":
                ok = not session.scalar(
                    select(func.count(Listing.id)).where(Listing.store_id == args[0], Listing.dirty)
                )
            elif letter.actor == "fetch_orders":
                have = set(
                    session.scalars(
                        select(Order.external_id).where(
                            Order.store_id == args[0], Order.external_id.in_(args[1])
                        )
                    )
                )
                ok = have == set(args[1])
            elif letter.actor == "process_webhooks":
                ok = not session.scalar(
                    select(func.count(WebhookRecord.id)).where(
                        WebhookRecord.store_id == args[0], WebhookRecord.processed_at.is_(None)
                    )
                )
            elif letter.actor == "ship_order":
                ok = session.get_one(Order, args[0]).ship_state == "confirmed"
            else:  # pull_orders, reconcile, read_back, refresh_token: healed if nothing is off
                ok = True
            healed += int(ok)
    return DeadLetterCheck(len(letters), healed, dict(by_actor))


# --- what the Procfile's workers did -----------------------------------------------------------

PULL_ACTORS = ("pull_orders", "catch_up_orders")


@dataclass
class GroupWork:
    """What one worker group's job log says it ran."""

    pulls: int = 0
    skipped_pulls: int = 0
    new_orders: int = 0
    pushes: int = 0
    jobs: Counter[str] = field(default_factory=Counter)


def work_by_group(logs: Mapping[str, Path]) -> dict[str, GroupWork]:
    """Per worker group, from the `job_finished` lines of its log (`jobs/middleware.py`)."""
    spread = {}
    for name, path in logs.items():
        work = GroupWork()
        with path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if '"job_finished"' not in line:
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                actor, counts = entry.get("actor"), entry.get("counts") or {}
                work.jobs[f"{actor}:{entry.get('outcome')}"] += 1
                if actor in PULL_ACTORS and entry.get("outcome") == "ok":
                    if counts.get("skipped"):
                        work.skipped_pulls += 1
                    else:
                        work.pulls += 1
                        work.new_orders += int(counts.get("new", 0))
                elif actor == "push_store" and entry.get("outcome") == "ok":
                    work.pushes += 1
        spread[name] = work
    return spread


def worker_cpu(workers: Sequence[Supervised]) -> dict[str, float]:
    """CPU seconds each worker process (a group's forked children) has used so far, by
    `group/pid`, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for group in workers:
        for pid in group.children():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            used[f"{group.name}/{pid}"] = (int(fields[11]) + int(fields[12])) / tick
    return used


def count_where(db: Database, *criteria: Any, of: Any = Order.id) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count(of)).where(*criteria)) or 0)


DEADLOCK_MARKERS = ("DeadlockDetected", "deadlock detected")


def deadlocks(db: Database, logs: Sequence[Path]) -> int:
    """Job attempts that failed on a PostgreSQL deadlock: job events and log lines."""
    with db.session() as session:
        events = int(
            session.scalar(
                select(func.count(JobEvent.id)).where(
                    or_(*(JobEvent.error.contains(m) for m in DEADLOCK_MARKERS))
                )
            )
            or 0
        )
    lines = 0  # the job log's one line per failed attempt (the database may have missed some)
    for path in logs:
        if path.exists():
            with path.open(encoding="utf-8", errors="replace") as file:
                lines += sum(
                    1
                    for line in file
                    if '"outcome": "error"' in line and any(m in line for m in DEADLOCK_MARKERS)
                )
    return max(events, lines)


def scale_out_arguments(parser: argparse.ArgumentParser, *, redis_port: int) -> None:
    """A benchmark's `--workers N` mode: the Procfile's worker groups on a Redis of the
    run's own (`--redis-port`) and PostgreSQL instead of this process."""
    parser.add_argument(
        "--workers", type=int, default=0,
        help="scale-out: the Procfile's worker groups on Redis + PostgreSQL (0: this process)",
    )  # fmt: skip
    parser.add_argument("--redis-port", type=int, default=redis_port, help="scale-out: its Redis")
    parser.add_argument(
        "--timeout", type=float, default=1800.0, help="scale-out: seconds to wait, per phase"
    )
    parser.add_argument("--keep", type=Path, help="scale-out: keep config and logs here")


def print_report(rows: Sequence[tuple[str, Any]], figures: dict[str, Any]) -> None:
    """A scale-out run's table: `rows`, then its deadlocks, dead letters and load, then
    what its checks found wrong."""
    rows = [
        *rows,
        ("deadlocked attempts / dead letters",
         f"{figures['deadlocks']} / {figures['dead_letters']}"),
        ("load average (before, at the start, after)", figures["load_average"]),
    ]  # fmt: skip
    for label, value in rows:
        print(f"{label:<44} {value}")
    for problem in figures["problems"]:
        print(f"FAILED: {problem}")


def summary_line(figures: dict[str, Any]) -> str:
    return json.dumps(figures, sort_keys=False, default=str)


def describe(values: Sequence[float]) -> str:
    if not values:
        return "-"
    return (
        f"p50 {percentile(values, 0.5):.2f} s · p95 {percentile(values, 0.95):.2f} s · "
        f"p99 {percentile(values, 0.99):.2f} s · max {max(values):.2f} s "
        f"(mean {statistics.fmean(values):.2f} s)"
    )
