"""Full sync to one store of every platform: first listing, then a stock sync, per store.

An N-SKU catalog (a fifth of the SKUs in items of 4 variants, the rest single) is imported
into one SQLite database with six stores (one per platform), listed on every store, then
every product's on-hand stock changes and is pushed, all through `sync.push.push_store`
over real HTTP. The six sandboxes run in a child process (spawned: their work, memory and
GIL stay out of this one) and count every API call. Per store it prints the calls made
(creates and stock updates apart), the fewest the batch rules allow for the stock sync
(`ConnectorLimits.fewest_calls`), the wall time, and checks one listing per SKU with the
stock Lapak wants.

`--limits published` (default): each sandbox enforces its default rate limit (the
platform's published one, docs/MARKETPLACES.md) and Lapak paces each store with its own
`TokenBucketPacer` at `plugin.limits` (as `lapak run` does embedded); the six stores are
pushed at once, one thread each. Each phase's floor is the sync's calls ÷ Lapak's pace:
the calls cannot go faster without being throttled.

`--limits lifted`: no rate limit on either side (`UnpacedPacer`); the stores go one after
another, and right after each store's timed stock push a bare httpx loop (one keep-alive
connection, one call at a time) sends the very requests that push sent — recorded by the
sandbox as they arrived: method, URL, headers and body, byte for byte — to the same
sandbox. Stock is set as an absolute value, so the replay changes nothing. Lapak's call
rate is set against the bare loop's; the peak RSS of this process (Lapak's side only) is
printed at the end.

    python benchmarks/full_sync.py [--skus 1000] [--limits published|lifted]
                                   [--platforms shopee lazada ...] [--listed]

`--listed`: the stores already hold the catalog, listed by their seller before Lapak (made
through each sandbox's control API, not timed): the first phase is Lapak's adoption of
those listings by SKU (one scan of each store) instead of creating them, which makes a
stock sync of 100,000 SKUs on six stores a matter of minutes where creating them takes
hours. The peak RSS is read when the last sync ends, before the checks and the bare loop.

`--workers N` is the scale-out mode instead (`benchmarks/full_sync_workers.py`): the
Procfile's worker groups on Redis + PostgreSQL push every store through `push_store` jobs.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import multiprocessing
import os
import pickle
import resource
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from lapak.connectors.woocommerce import signing as woo_signing
from lapak.sandboxes.kit.images import placeholder_png
from lapak.sandboxes.tokopedia.wire import ROW_FACTOR
from lapak.sync.catalog import import_catalog
from lapak.sync.changes import products_changed, refresh_dirty
from lapak.sync.protocol import Connector, Pacer, StoreSpec
from lapak.sync.push import PushReport, adopt_existing, push_store
from lapak.sync.registry import platforms, plugin_for
from lapak.sync.sealing import Sealer
from lapak.sync.setup import StoreSettings, apply_settings
from lapak.sync.store.db import Database
from lapak.sync.store.models import Listing, Merchant, Product
from lapak.sync.tokens import DbTokenVault
from lapak.sync.types import ListingRef
from lapak.wiring.collector import tune_collector
from lapak.wiring.logging import configure_logging
from lapak.wiring.pacing import TokenBucketPacer, UnpacedPacer
from sqlalchemy import select, update
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from benchmarks import harness

MERCHANT = "bench"
VARIANTS = 4
PRICE = 25_000
STOCK = 10
GOAL_WALL_RATIO = 1.1
ROWS_COUNTED = {"tokopedia": ROW_FACTOR}
"""Platforms whose sandbox also counts each row of a bulk write as a request, at this many
times its call rate and burst: their stock floor is the rows' when that is longer."""
GOAL_BARE_RATIO = 0.9
STOCK_WRITE_PATHS = {
    # the stock batch endpoint of each platform (docs/MARKETPLACES.md, "... batches"); every
    # other call of a stock push is the read of what the store shows, made before writing
    # anything but zero (docs/ARCHITECTURE.md: never pushed back up)
    "lazada": "/product/stock/sellable/update",
    "shopee": "/product/update_stock",
    "shopify": "/graphql.json",
    "tiktok": "/inventory/update",
    "tokopedia": "/stock/update",
    "woocommerce": "/batch",
}


# --- the sandboxes, in a child process ------------------------------------------------------


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: list[tuple[bytes, bytes]]
    body: bytes


class Recorder:
    """ASGI wrapper in front of one sandbox: while `on`, keeps every API request (not the
    `/_sandbox/` control API) exactly as it arrived, for the bare loop to send again."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = app.state
        self.on = False
        self.requests: list[RecordedRequest] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not self.on or scope["type"] != "http" or scope["path"].startswith("/_sandbox/"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def recording_receive() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        await self.app(scope, recording_receive, send)
        query = scope.get("query_string", b"").decode("latin-1")
        path = scope["raw_path"].decode("latin-1") + (f"?{query}" if query else "")
        self.requests.append(
            RecordedRequest(scope["method"], path, list(scope["headers"]), b"".join(chunks))
        )


def image_host() -> Starlette:
    """The catalog's pictures, as a merchant's own web host would serve them."""

    async def image(request: Request) -> Response:
        return Response(placeholder_png(request.path_params["name"], 600), media_type="image/png")

    return Starlette(routes=[Route("/img/{name}.png", image)])


def host_sandboxes(platform_names: list[str], lifted: bool, conn: Connection) -> None:
    """Child process: the image host, then one sandbox store per platform; answers
    (method, args) over `conn`."""
    from lapak.sandboxes.registry import sandbox_for
    from lapak.wiring.server import serve

    recorders: dict[str, Recorder] = {}
    servers = [serve(image_host())]
    conn.send(servers[0].url)
    for index, platform in enumerate(platform_names):
        credentials = sandbox_for(platform).credentials(platform, index)
        recorder = Recorder(sandbox_for(platform).app([{"name": platform, **credentials}]))
        if lifted:
            recorder.state.control.set_rate_limit(0)
        recorders[platform] = recorder
        servers.append(serve(recorder))
        conn.send((platform, servers[-1].url, credentials))
    conn.send(None)

    def limits(platform: str) -> tuple[float, int]:
        limiter = recorders[platform].state.sandbox.limiter
        return float(limiter.per_second), int(limiter.burst)

    def recorded(platform: str, path: str) -> int:
        """Pickles the recording to `path` (Lapak's process never holds it: its peak RSS is
        Lapak's own); the number of requests."""
        recorder = recorders[platform]
        recorder.on = False
        requests, recorder.requests = recorder.requests, []
        with open(path, "wb") as file:
            pickle.dump(requests, file, protocol=pickle.HIGHEST_PROTOCOL)
        return len(requests)

    def seed(platform: str, skus: int) -> None:
        seed_store(recorders[platform].state.control, platform, skus)

    def record(platform: str) -> None:
        recorders[platform].on = True

    def stock(platform: str) -> list[tuple[str, int]]:
        return [
            (row.sku, row.stock) for row in recorders[platform].state.control.listings(platform)
        ]

    def category(platform: str) -> str:
        return str(recorders[platform].state.control.sample_category)

    def control(platform: str, method: str, *args: Any) -> Any:
        return getattr(recorders[platform].state.control, method)(*args)

    calls: dict[str, Callable[..., Any]] = {
        "limits": limits, "recorded": recorded, "record": record, "stock": stock,
        "category": category, "control": control, "seed": seed,
    }  # fmt: skip
    while (message := conn.recv()) is not None:
        name, args = message
        conn.send(calls[name](*args))
    for recorder in recorders.values():
        recorder.state.control.close()
    for server in servers:
        server.stop()


@dataclass
class SandboxStore:
    platform: str
    url: str
    credentials: dict[str, Any]


class Sandboxes:
    """The child process hosting the sandboxes, and a thread-safe way to ask it things."""

    def __init__(self, platform_names: list[str], lifted: bool) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._lock = threading.Lock()
        self._process = context.Process(
            target=host_sandboxes, args=(platform_names, lifted, child), daemon=True
        )
        self._process.start()
        self.images: str = self._receive(60)
        self.stores: dict[str, SandboxStore] = {}
        while (started := self._receive(60)) is not None:
            platform, url, credentials = started
            self.stores[platform] = SandboxStore(platform, url, credentials)

    def _receive(self, timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        while not self._conn.poll(1):
            if not self._process.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox process does not answer")
        return self._conn.recv()

    def ask(self, name: str, *args: Any) -> Any:
        with self._lock:
            self._conn.send((name, args))
            return self._receive(600)

    def calls(self, platform: str) -> dict[str, int]:
        return dict(self.ask("control", platform, "call_counts"))

    def reset_calls(self, platform: str) -> None:
        self.ask("control", platform, "reset_calls")

    def close(self) -> None:
        self._conn.send(None)
        self._process.join(30)
        if self._process.is_alive():
            self._process.terminate()


# --- Lapak's side ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogRow:
    sku: str
    group: str
    variant: str
    """The variant's option ("" for a single SKU)."""

    @property
    def name(self) -> str:
        return f"Produk UMKM nomor {self.group} buatan Yogyakarta"


def catalog_rows(skus: int) -> Iterator[CatalogRow]:
    """N SKUs, a fifth in items of `VARIANTS` variants (the variants of an item in a row)."""
    grouped = skus // 5 // VARIANTS * VARIANTS
    for n in range(skus):
        sku = f"SKU{n:06d}"
        if n < grouped:
            yield CatalogRow(sku, f"G{n // VARIANTS:05d}", f"Ukuran {n % VARIANTS}")
        else:
            yield CatalogRow(sku, sku, "")


def write_catalog(path: Path, skus: int, categories: dict[str, str], images: str) -> None:
    """`catalog_rows` as a catalog CSV: `categories` by platform; pictures on the
    `image_host` at `images`."""
    names = sorted(categories)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(harness.catalog_header(names))
        for row in catalog_rows(skus):
            writer.writerow(
                [row.sku, row.group, row.variant, row.name,
                 f"{row.name}, dikirim dari Yogyakarta.", PRICE, STOCK, 300,
                 f"{images}/img/{row.group}.png", *(categories[p] for p in names)]
            )  # fmt: skip


SEEDED_PER_SECOND = 100
"""Items a seller's bulk upload makes per second of the sandbox's clock (`--listed`): not
all at one instant, which Lazada's product list could not page through (at most 10,000
products by offset, so Lapak splits its scan by creation time down to one second)."""


def seed_store(control: Any, store: str, skus: int) -> None:
    """The catalog listed on the store by its seller, before Lapak (`--listed`): each item
    made through the sandbox's control API, with the catalog's price and stock, over the
    minutes before now (the sandbox's clock is set back, then moves forward as the items
    are made, so it ends at the time Lapak's own clock reads)."""
    items = len({row.group for row in catalog_rows(skus)})
    control.advance_clock(-(items // SEEDED_PER_SECOND))
    groups = itertools.groupby(catalog_rows(skus), key=lambda row: row.group)
    for n, (group, rows) in enumerate(groups, start=1):
        if n % SEEDED_PER_SECOND == 0:
            control.advance_clock(1)
        variants = [(row.sku, row.variant, PRICE, STOCK) for row in rows if row.variant]
        name = f"Produk UMKM nomor {group} buatan Yogyakarta"
        control.add_listing(
            store, sku=group, name=name, price=PRICE, stock=STOCK, variants=variants
        )


@dataclass
class Phase:
    """One push of one store until settled: its calls by API path, its wall time and the
    CPU time this process (Lapak's side: the sandboxes run in a child) spent on it."""

    calls: dict[str, int]
    seconds: float
    report: PushReport
    cpu_seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def writes(self, platform: str) -> int:
        """Calls to the platform's stock batch endpoint."""
        return sum(n for path, n in self.calls.items() if STOCK_WRITE_PATHS[platform] in path)


@dataclass
class StoreRun:
    platform: str
    store_id: int
    connector: Connector
    pace: tuple[float, int]
    """Lapak's pacing of this store: calls per second and burst (0: unpaced)."""
    enforced: tuple[float, int]
    """The sandbox's rate limit: calls per second and burst (0: lifted)."""
    phases: dict[str, Phase] = field(default_factory=dict)
    fewest_stock: int = 0
    listings: int = 0
    """The store's listings: the rows a stock sync of every SKU writes."""
    bare: tuple[int, float] | None = None
    """The bare loop: calls sent and seconds."""
    listings_per_sku: Counter[int] = field(default_factory=Counter)
    wrong_stock: int = 0

    def stock_floor(self, reads: int) -> float:
        """The fewest writes and the reads at Lapak's pace, or the rows at the sandbox's
        row rate after its row burst where the sandbox counts rows and that is longer."""
        calls = (self.fewest_stock + reads) / self.pace[0]
        factor = ROWS_COUNTED.get(self.platform)
        if factor is None or not self.enforced[0]:
            return calls
        per_second, burst = self.enforced[0] * factor, self.enforced[1] * factor
        return max(calls, max(0, self.listings - burst) / per_second)

    def checked_ok(self) -> bool:
        """One listing per SKU, each with the stock Lapak wants."""
        return set(self.listings_per_sku) == {1} and not self.wrong_stock


PhaseRunner = Callable[[Database, "Sandboxes", StoreRun], None]
"""The first phase of a store's run: its first listing, or (`--listed`) the adoption."""


def push_until_settled(db: Database, store_id: int, connector: Connector) -> PushReport:
    """Push until a push finds nothing left (each push stops at its time budget or after a
    few passes, and the job would be sent again)."""
    total = PushReport()
    while True:
        report = push_store(db, store_id, connector)
        for key, value in report.as_counts().items():
            setattr(total, key, getattr(total, key) + value)
        total.errors += report.errors
        if not report.settled:
            return total


def timed_phase(db: Database, sandboxes: Sandboxes, run: StoreRun, name: str) -> None:
    sandboxes.reset_calls(run.platform)
    started, cpu_started = time.perf_counter(), time.process_time()
    report = push_until_settled(db, run.store_id, run.connector)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    run.phases[name] = Phase(sandboxes.calls(run.platform), seconds, report, cpu)


def fewest_stock_calls(db: Database, run: StoreRun) -> int:
    plugin = plugin_for(run.platform)
    with db.session() as session:
        rows = session.execute(
            select(Listing.item_id, Listing.variant_id).where(Listing.store_id == run.store_id)
        ).all()
    refs = [ListingRef(sku="", item_id=str(item), variant_id=variant) for item, variant in rows]
    run.listings = len(refs)
    return plugin.limits.fewest_calls(refs, plugin.limits.stock_batch)


def change_all_stock(db: Database) -> None:
    """One unit less of every product (a sale each): written at once, where a rise waits
    for a pull to take the store's orders in first (docs/ARCHITECTURE.md)."""
    with db.session() as session:
        session.execute(update(Product).values(on_hand=Product.on_hand - 1))
        products_changed(session, session.scalars(select(Product.id)).all())


def fresh_oauth_query(store: SandboxStore, method: str, path: str) -> str:
    """The path with its OAuth 1.0a query signed again under a new nonce and timestamp:
    WooCommerce refuses a nonce used before (docs/MARKETPLACES.md#woocommerce-auth-and-signing)."""
    endpoint, _, query = path.partition("?")
    params = {k: v for k, v in parse_qsl(query) if not k.startswith("oauth_")}
    signed = woo_signing.signed_params(
        store.credentials["consumer_key"], store.credentials["consumer_secret"], method,
        f"{store.url}{endpoint}", params, timestamp=int(time.time()),
        nonce=woo_signing.new_nonce(),
    )  # fmt: skip
    return f"{endpoint}?{urlencode(signed)}"


def bare_replay(store: SandboxStore, recording: Path) -> float:
    """In a process of its own: send the recorded requests again, one at a time over one
    keep-alive connection (WooCommerce's signed again with a fresh nonce, as each of
    Lapak's is); returns the seconds it took. Every answer must be a success."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_replay, store, recording).result()


def _replay(store: SandboxStore, recording: Path) -> float:
    with recording.open("rb") as file:
        requests: list[RecordedRequest] = pickle.load(file)
    with httpx.Client(base_url=store.url, timeout=30) as client:
        started = time.perf_counter()
        for request in requests:
            path = request.path
            if "oauth_nonce=" in path:
                path = fresh_oauth_query(store, request.method, path)
            headers = [(k, v) for k, v in request.headers if k.lower() != b"host"]
            answer = client.request(request.method, path, headers=headers,
                                    content=request.body)  # fmt: skip
            if answer.status_code >= 400:
                raise SystemExit(f"bare loop: {request.method} {request.path}: {answer.text}")
        return time.perf_counter() - started


def check_store(db: Database, sandboxes: Sandboxes, run: StoreRun) -> None:
    """One listing per SKU on the store, each with the stock Lapak wants."""
    held = sandboxes.ask("stock", run.platform)
    per_sku = Counter(sku for sku, _ in held)
    shown = dict(held)
    with db.session() as session:
        wanted = session.execute(
            select(Product.sku, Listing.desired_stock)
            .join(Listing, Listing.product_id == Product.id)
            .where(Listing.store_id == run.store_id)
        ).all()
    run.listings_per_sku = Counter(per_sku.get(sku, 0) for sku, _ in wanted)
    run.wrong_stock = sum(1 for sku, stock in wanted if shown.get(sku) != stock)


def in_threads(work: Callable[[StoreRun], None], runs: Sequence[StoreRun]) -> None:
    """`work` for every store at once, one thread each; the first error is raised."""
    errors: list[BaseException] = []

    def guarded(run: StoreRun) -> None:
        try:
            work(run)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


# --- the run --------------------------------------------------------------------------------


def set_up(
    directory: Path, sandboxes: Sandboxes, skus: int, lifted: bool
) -> tuple[Database, list[StoreRun]]:
    db = Database(f"sqlite:///{directory / 'lapak.db'}")
    db.migrate()
    names = list(sandboxes.stores)
    ids = apply_settings(db, [MERCHANT], [StoreSettings(p, p, MERCHANT) for p in names])
    with db.session() as session:
        merchant_id = session.scalar(select(Merchant.id))
    assert merchant_id is not None
    categories = {p: sandboxes.ask("category", p) for p in names}
    catalog = directory / "catalog.csv"
    write_catalog(catalog, skus, categories, sandboxes.images)
    started = time.perf_counter()
    imported = import_catalog(db, merchant_id, catalog)
    if imported.errors:
        raise SystemExit(f"{catalog}: {imported.errors[:3]}")
    print(f"catalog: {skus} SKUs imported for {len(names)} stores in "
          f"{time.perf_counter() - started:.1f} s (not timed)")  # fmt: skip
    lock = threading.Lock()
    sealer = Sealer([Sealer.generate_key()])
    runs = []
    for platform in names:
        plugin = plugin_for(platform)
        store = sandboxes.stores[platform]
        pacer: Pacer = UnpacedPacer()
        pace = (0.0, 0)
        if not lifted:
            pace = (plugin.limits.rate_per_second, plugin.limits.burst)
            pacer = TokenBucketPacer(platform, *pace)
        connector = plugin.create(
            StoreSpec(platform, platform, store.url),
            plugin.credentials_model.model_validate(store.credentials),
            pacer=pacer,
            tokens=DbTokenVault(db, ids[platform], lambda _: lock, sealer),
        )
        enforced = sandboxes.ask("limits", platform)
        runs.append(StoreRun(platform, ids[platform], connector, pace, enforced))
    return db, runs


def list_phase(db: Database, sandboxes: Sandboxes, run: StoreRun) -> None:
    """The first listing: every SKU created on the store by Lapak's pushes."""
    timed_phase(db, sandboxes, run, "list")


def adopt_phase(db: Database, sandboxes: Sandboxes, run: StoreRun) -> None:
    """`--listed`: the seller's listings adopted by SKU, one scan of the store
    (`sync.push.adopt_existing`, as the first push of a store does). Their content is then
    taken as the catalog's — the state Lapak's own first listing leaves — so what follows
    is the stock sync alone, not a rewrite of every title and picture."""
    sandboxes.reset_calls(run.platform)
    started = time.perf_counter()
    adopted = adopt_existing(db, run.store_id, run.connector)
    seconds = time.perf_counter() - started
    with db.session() as session:
        mine = Listing.store_id == run.store_id
        session.execute(update(Listing).where(mine).values(confirmed_hash=Listing.desired_hash))
        refresh_dirty(session, session.scalars(select(Listing.id).where(mine)).all())
    run.phases["list"] = Phase(sandboxes.calls(run.platform), seconds, PushReport(adopted=adopted))


def run_published(
    db: Database, sandboxes: Sandboxes, runs: Sequence[StoreRun], first: PhaseRunner, _: Path
) -> None:
    in_threads(lambda run: first(db, sandboxes, run), runs)
    change_all_stock(db)
    for run in runs:
        run.fewest_stock = fewest_stock_calls(db, run)
    in_threads(lambda run: timed_phase(db, sandboxes, run, "stock"), runs)


def run_lifted(
    db: Database, sandboxes: Sandboxes, runs: Sequence[StoreRun], first: PhaseRunner, tmp: Path
) -> None:
    """Store after store; each stock push recorded by its sandbox and, right after it (its
    signed timestamps still fresh), sent again by the bare loop in a process of its own: the
    recording goes through a file, never through this process."""
    for run in runs:
        first(db, sandboxes, run)
    change_all_stock(db)
    for run in runs:
        run.fewest_stock = fewest_stock_calls(db, run)
        sandboxes.ask("record", run.platform)
        timed_phase(db, sandboxes, run, "stock")
        path = tmp / f"{run.platform}.recording"
        sent = sandboxes.ask("recorded", run.platform, str(path))
        run.bare = (sent, bare_replay(sandboxes.stores[run.platform], path))
        path.unlink()


def print_published(runs: Sequence[StoreRun], first: str) -> None:
    print("\nrate limits published: the sandbox enforces, Lapak paces (calls/s, burst); floor ="
          " calls ÷ Lapak's pace, stock floor over the fewest writes plus the reads (Tokopedia:"
          " or its rows at the sandbox's row rate, if longer)")  # fmt: skip
    print(f"{'store':<12} {'enforced':>9} {'paced':>6} │ {f'{first} calls':>11} {'wall s':>7} "
          f"{'floor s':>7} {'ratio':>5} │ {'writes/fewest':>13} {'reads':>5} {'wall s':>6} "
          f"{'floor s':>7} {'ratio':>5} │ verdict")  # fmt: skip
    for run in runs:
        listing, stock = run.phases["list"], run.phases["stock"]
        writes = stock.writes(run.platform)
        reads = stock.total - writes
        list_floor = listing.total / run.pace[0]
        stock_floor = run.stock_floor(reads)
        list_ratio, stock_ratio = listing.seconds / list_floor, stock.seconds / stock_floor
        ok = (
            writes == run.fewest_stock
            and max(list_ratio, stock_ratio) <= GOAL_WALL_RATIO
            and run.checked_ok()
        )
        print(
            f"{run.platform:<12} {_rate(run.enforced):>9} {_rate(run.pace):>6} │ "
            f"{listing.total:>11} {listing.seconds:>7.1f} {list_floor:>7.1f} {list_ratio:>5.2f} │ "
            f"{f'{writes}/{run.fewest_stock}':>13} {reads:>5} {stock.seconds:>6.1f} "
            f"{stock_floor:>7.1f} {stock_ratio:>5.2f} │ {'OK' if ok else 'MISSED'}"
        )


def print_lifted(runs: Sequence[StoreRun], first: str) -> None:
    print("\nrate limits lifted; bare = the stock push's requests (reads and writes) sent again"
          " by a plain httpx loop; CPU µs/SKU = this process's CPU time over the stock push"
          " (every thread; the sandboxes run in a child) per SKU updated")  # fmt: skip
    print(f"{'store':<12} {f'{first} calls':>11} {f'{first} s':>8} │ {'writes/fewest':>13} "
          f"{'reads':>5} {'SKU upd/s':>9} {'CPU µs/SKU':>10} {'Lapak calls/s':>13} "
          f"{'bare calls/s':>12} {'ratio':>5} │ verdict")  # fmt: skip
    for run in runs:
        listing, stock = run.phases["list"], run.phases["stock"]
        assert run.bare is not None
        writes = stock.writes(run.platform)
        rate, bare_rate = stock.total / stock.seconds, run.bare[0] / run.bare[1]
        ok = writes == run.fewest_stock and rate >= GOAL_BARE_RATIO * bare_rate and run.checked_ok()
        print(
            f"{run.platform:<12} {listing.total:>11} {listing.seconds:>8.1f} │ "
            f"{f'{writes}/{run.fewest_stock}':>13} {stock.total - writes:>5} "
            f"{stock.report.stock / stock.seconds:>9,.0f} "
            f"{stock.cpu_seconds / max(stock.report.stock, 1) * 1e6:>10,.1f} "
            f"{rate:>13,.0f} {bare_rate:>12,.0f} "
            f"{rate / bare_rate:>5.2f} │ {'OK' if ok else 'MISSED'}"
        )


def _rate(pace: tuple[float, int]) -> str:
    return "lifted" if pace[0] <= 0 else f"{pace[0]:g}/{pace[1]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=1000)
    parser.add_argument("--limits", choices=["published", "lifted"], default="published")
    parser.add_argument("--platforms", nargs="*", default=platforms())
    parser.add_argument(
        "--listed", action="store_true",
        help="the stores already list the catalog (their seller's own listings): Lapak "
        "adopts them by SKU instead of creating them, then syncs stock",
    )  # fmt: skip
    harness.scale_out_arguments(parser, redis_port=6397)
    args = parser.parse_args()
    configure_logging("WARNING", json=False)
    tune_collector()  # as Lapak's own processes do
    if args.workers:
        # imported here: the scale-out mode runs on the harness, not on this module's rig
        from benchmarks import full_sync_workers

        sys.exit(full_sync_workers.main(args))
    lifted = args.limits == "lifted"
    started = time.perf_counter()
    sandboxes = Sandboxes(args.platforms, lifted)
    try:
        with tempfile.TemporaryDirectory() as directory:
            if args.listed:
                for platform in args.platforms:
                    sandboxes.ask("seed", platform, args.skus)
                print(f"the catalog listed on {len(args.platforms)} stores by their seller in "
                      f"{time.perf_counter() - started:.0f} s (not timed)")  # fmt: skip
            db, runs = set_up(Path(directory), sandboxes, args.skus, lifted)
            run_all = run_lifted if lifted else run_published
            first = adopt_phase if args.listed else list_phase
            run_all(db, sandboxes, runs, first, Path(directory))
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            for run in runs:
                check_store(db, sandboxes, run)
                run.connector.close()
                first = run.phases["list"].report
                if (first.adopted if args.listed else first.created) != args.skus:
                    raise SystemExit(
                        f"{run.platform}: first phase {first.as_counts()}: {first.errors[:3]}"
                    )
            db.dispose()
    finally:
        sandboxes.close()
    print(f"{args.skus} SKUs ({args.skus // 5 // VARIANTS} items of {VARIANTS} variants, the "
          f"rest single) on {len(runs)} stores; {os.cpu_count()} cores, load "
          f"{' '.join(f'{n:.2f}' for n in os.getloadavg())}")  # fmt: skip
    (print_lifted if lifted else print_published)(runs, "adopt" if args.listed else "list")
    for run in runs:
        if not run.checked_ok():
            print(f"{run.platform}: listings per SKU {dict(run.listings_per_sku)}, "
                  f"{run.wrong_stock} SKUs with other stock")  # fmt: skip
    print(f"peak RSS of this process (Lapak's side) up to the end of the sync: {peak_mb:,.0f} MB; "
          f"run {time.perf_counter() - started:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
