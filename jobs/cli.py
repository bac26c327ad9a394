"""`lapak`: the command line. Thin: each command loads the config and calls into `sync/`."""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from config import ConfigError, LapakConfig, load_config
from config.envfile import load_env_file
from jobs.logging import configure_logging
from jobs.runtime import Runtime
from sync import queue as order_queue
from sync.catalog import import_catalog, set_stock
from sync.dispatch import request_pushes
from sync.store.models import DeadLetter, Merchant, utcnow

app = typer.Typer(no_args_is_help=True, help="Lapak: one catalog, every marketplace, one queue.")
catalog_app = typer.Typer(no_args_is_help=True, help="Import the catalog and set stock.")
queue_app = typer.Typer(no_args_is_help=True, help="The resellers' order queue.")
jobs_app = typer.Typer(no_args_is_help=True, help="Failed jobs and their replay.")
app.add_typer(catalog_app, name="catalog")
app.add_typer(queue_app, name="queue")
app.add_typer(jobs_app, name="jobs")

console = Console()
err = Console(stderr=True, soft_wrap=True)  # located error lines stay whole

ConfigOption = Annotated[
    Path,
    typer.Option(
        "--config", "-c", envvar="LAPAK_CONFIG", help="The config file.", show_default=True
    ),
]
AsOption = Annotated[
    str | None,
    typer.Option(
        "--as", help="Act as this reseller (default: LAPAK_RESELLER_TOKEN's, else operator)."
    ),
]


def main() -> None:
    app()


def open_config(path: Path) -> LapakConfig:
    load_env_file(path)
    try:
        return load_config(path)
    except ConfigError as error:
        for problem in error.problems:
            err.print(problem, markup=False, highlight=False)
        raise typer.Exit(2) from None
    except FileNotFoundError:
        err.print(f"{path}: no such config file (see config/lapak.example.toml)", markup=False)
        raise typer.Exit(2) from None


@contextmanager
def runtime_for(path: Path) -> Iterator[Runtime]:
    runtime = Runtime(open_config(path))
    runtime.bootstrap()
    try:
        yield runtime
    finally:
        runtime.close()


class _ReconcilerPicksUp:
    """A dispatcher for CLI commands on the embedded default.

    The in-process broker of a short CLI command dies with it, so it sends nothing: the
    running `lapak run` reconciler finds the dirty listings and requested shipments in
    the database within seconds.
    """

    def push(self, store_id: int) -> None:
        return None

    def fetch_orders(self, store_id: int, external_ids: Any) -> None:
        return None

    def ship(self, order_id: int) -> None:
        return None


def dispatcher_for(runtime: Runtime) -> Any:
    if runtime.redis is None:
        return _ReconcilerPicksUp()
    from jobs.broker import build_broker

    build_broker(runtime.config.redis_url)
    from jobs.actors import dispatcher

    return dispatcher


def _merchant_id(runtime: Runtime, name: str | None) -> int:
    names = list(runtime.config.merchants)
    if name is None:
        if len(names) != 1:
            err.print(f"several merchants ({', '.join(names)}): name one with --merchant")
            raise typer.Exit(2)
        name = names[0]
    with runtime.db.session() as session:
        merchant = session.query(Merchant).filter_by(name=name).one_or_none()
        if merchant is None:
            err.print(f"no merchant named {name!r} in {runtime.config.path.name}")
            raise typer.Exit(2)
        return merchant.id


# --- running --------------------------------------------------------------------------------


@app.command()
def run(
    config: ConfigOption = Path("lapak.toml"),
    threads: Annotated[int, typer.Option(help="Worker threads.")] = 8,
    duration: Annotated[float | None, typer.Option(help="Stop after this many seconds.")] = None,
) -> None:
    """Run scheduler and worker in one process (the embedded default: SQLite + in-process
    broker, or Redis/PostgreSQL when the config says so)."""
    from jobs.embedded import Embedded, run_until

    configure_logging(os.environ.get("LAPAK_LOG_LEVEL", "INFO"))
    runtime = Runtime(open_config(config))
    runtime.bootstrap()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with Embedded(runtime, threads=threads):
        run_until(stop, duration)
    runtime.close()


@app.command()
def scheduler(config: ConfigOption = Path("lapak.toml")) -> None:
    """The Procfile's scheduler process: enqueue periodic jobs on Redis."""
    configure_logging(os.environ.get("LAPAK_LOG_LEVEL", "INFO"))
    runtime = Runtime(open_config(config))
    if runtime.redis is None:
        err.print("the scheduler process needs Redis (lapak.redis_url or LAPAK_REDIS_URL)")
        raise typer.Exit(2)
    runtime.bootstrap()
    from jobs.broker import build_broker
    from jobs.runtime import install

    install(runtime)
    build_broker(runtime.config.redis_url)
    from jobs.scheduler import build_scheduler

    build_scheduler(runtime, blocking=True).start()


@app.command()
def sandbox(
    config: ConfigOption = Path("lapak.toml"),
    port: Annotated[int, typer.Option(help="First port; one port per platform.")] = 8900,
) -> None:
    """Serve the sandbox marketplaces for the config's stores on loopback ports."""
    from connectors.sandbox_server import serve
    from jobs.runtime import sandbox_shops
    from sync.registry import plugin_for

    cfg = open_config(config)
    servers = []
    for offset, platform in enumerate(sorted({s.platform for s in cfg.stores})):
        app_ = plugin_for(platform).sandbox_app(sandbox_shops(cfg, platform))
        server = serve(app_, port=port + offset)
        servers.append(server)
        console.print(f"{platform} sandbox: {server.url}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    for server in servers:
        server.stop()


@app.command()
def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the demo keeps its files.")
    ] = Path("."),
    duration: Annotated[float, typer.Option(help="Seconds to run before the summary.")] = 45,
    orders_per_second: Annotated[float, typer.Option(help="Simulated buyers' pace.")] = 1.0,
) -> None:
    """Two sandbox Shopee shops, one catalog, simulated buyers, one queue: watch it sync."""
    from jobs.demo import run_demo

    raise typer.Exit(run_demo(directory, duration, orders_per_second, console))


# --- catalog --------------------------------------------------------------------------------


@catalog_app.command("import")
def catalog_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A catalog CSV.")],
    config: ConfigOption = Path("lapak.toml"),
    merchant: Annotated[str | None, typer.Option(help="The merchant it belongs to.")] = None,
) -> None:
    """Upsert products by SKU; bad rows are reported, good rows still import."""
    with runtime_for(config) as runtime:
        merchant_id = _merchant_id(runtime, merchant)
        total = max(0, sum(1 for _ in file.open(encoding="utf-8-sig")) - 1)
        with Progress(
            TextColumn("importing"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        ) as progress:
            task = progress.add_task("import", total=total)
            report = import_catalog(
                runtime.db, merchant_id, file, progress=lambda n: progress.update(task, completed=n)
            )
        for problem in report.errors:
            err.print(f"{file}: {problem}", markup=False, highlight=False)
        console.print(
            f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{len(report.errors)} rejected"
        )
        request_pushes(runtime.db, dispatcher_for(runtime), runtime.enabled_store_ids())
        if report.errors:
            raise typer.Exit(1)


@catalog_app.command("set-stock")
def catalog_set_stock(
    sku: str,
    on_hand: Annotated[int, typer.Argument(min=0, help="Units on hand.")],
    config: ConfigOption = Path("lapak.toml"),
    merchant: Annotated[str | None, typer.Option(help="The merchant it belongs to.")] = None,
) -> None:
    """Set the on-hand stock of a SKU; every store gets its share pushed."""
    with runtime_for(config) as runtime:
        try:
            set_stock(runtime.db, _merchant_id(runtime, merchant), sku, on_hand)
        except LookupError as missing:
            err.print(str(missing).strip("'\""))
            raise typer.Exit(1) from None
        request_pushes(runtime.db, dispatcher_for(runtime), runtime.enabled_store_ids())
        console.print(f"{sku}: on hand {on_hand}")


# --- queue ----------------------------------------------------------------------------------


def _actor(runtime: Runtime, name: str | None) -> tuple[str, list[str] | None]:
    """The reseller acting and the stores they may see (None: operator, every store)."""
    resellers = {r.name: r for r in runtime.config.resellers}
    if name is None:
        token = os.environ.get("LAPAK_RESELLER_TOKEN")
        found = runtime.config.reseller_for_token(token) if token else None
        if found is None:
            if token:
                err.print("LAPAK_RESELLER_TOKEN matches no reseller of the config")
                raise typer.Exit(2)
            return "operator", None
        return found.name, list(found.stores)
    if name not in resellers:
        err.print(f"no reseller named {name!r} in {runtime.config.path.name}")
        raise typer.Exit(2)
    return name, list(resellers[name].stores)


@contextmanager
def _queue_errors() -> Iterator[None]:
    try:
        yield
    except order_queue.QueueError as error:
        err.print(f"{error.kind}: {error}")
        raise typer.Exit(1) from None


def _print_orders(orders: list[order_queue.QueueOrder]) -> None:
    table = Table("id", "store", "order", "ship by", "items", "city", "claimed by", "state")
    for order in orders:
        items = ", ".join(f"{ln.quantity}× {ln.sku}" for ln in order.lines)
        ship_by = order.ship_by.strftime("%d %b %H:%M") if order.ship_by else "-"
        table.add_row(
            str(order.id),
            order.store,
            order.external_id,
            ship_by,
            items,
            order.buyer_city,
            order.claimed_by or "",
            order.ship_state if order.ship_state != "none" else order.status,
        )
    console.print(table)


@queue_app.command("list")
def queue_list(
    config: ConfigOption = Path("lapak.toml"),
    as_: AsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
    status: Annotated[list[str] | None, typer.Option(help="Statuses to show.")] = None,
) -> None:
    """Orders waiting to ship, most urgent first (only your stores' orders)."""
    with runtime_for(config) as runtime:
        _, stores = _actor(runtime, as_)
        orders = order_queue.list_orders(runtime.db, stores, statuses=status or ("ready_to_ship",))
    if as_json:
        print(json.dumps([o.as_json() for o in orders], ensure_ascii=False, indent=2))
    else:
        _print_orders(orders)


@queue_app.command("claim")
def queue_claim(
    order_id: Annotated[int | None, typer.Argument(help="Order id (default: most urgent).")] = None,
    config: ConfigOption = Path("lapak.toml"),
    as_: AsOption = None,
) -> None:
    """Take an order for 30 minutes so nobody else packs it."""
    with runtime_for(config) as runtime, _queue_errors():
        who, stores = _actor(runtime, as_)
        order = order_queue.claim(runtime.db, who, stores, order_id)
    console.print(f"claimed order {order.id} ({order.store} {order.external_id}) as {who}")


@queue_app.command("release")
def queue_release(order_id: int, config: ConfigOption = Path("lapak.toml"), as_: AsOption = None):
    """Give a claimed order back to the queue."""
    with runtime_for(config) as runtime, _queue_errors():
        who, stores = _actor(runtime, as_)
        order_queue.release(runtime.db, who, stores, order_id)
    console.print(f"released order {order_id}")


@queue_app.command("pack")
def queue_pack(order_id: int, config: ConfigOption = Path("lapak.toml"), as_: AsOption = None):
    """Mark a claimed order packed."""
    with runtime_for(config) as runtime, _queue_errors():
        who, stores = _actor(runtime, as_)
        order_queue.mark_packed(runtime.db, who, stores, order_id)
    console.print(f"order {order_id} packed")


@queue_app.command("ship")
def queue_ship(
    order_id: int,
    tracking: Annotated[str, typer.Argument(help="The courier's tracking number.")],
    config: ConfigOption = Path("lapak.toml"),
    as_: AsOption = None,
) -> None:
    """Ship a claimed order with a tracking number; the marketplace is told by a job."""
    with runtime_for(config) as runtime, _queue_errors():
        who, stores = _actor(runtime, as_)
        order_queue.claim(runtime.db, who, stores, order_id)
        order = order_queue.ship(
            runtime.db, dispatcher_for(runtime), who, stores, order_id, tracking
        )
    console.print(f"order {order.id} shipping with {tracking} (waiting for {order.platform})")


# --- jobs -----------------------------------------------------------------------------------


@jobs_app.command("failed")
def jobs_failed(config: ConfigOption = Path("lapak.toml")) -> None:
    """Dead-lettered jobs not yet retried."""
    with runtime_for(config) as runtime, runtime.db.session() as session:
        rows = session.query(DeadLetter).filter(DeadLetter.retried_at.is_(None)).all()
        table = Table("id", "at", "actor", "args", "error")
        for row in rows:
            table.add_row(
                str(row.id),
                row.at.strftime("%Y-%m-%d %H:%M:%S"),
                row.actor,
                json.dumps(row.args),
                row.error or "",
            )
    console.print(table)


@jobs_app.command("retry")
def jobs_retry(
    ids: Annotated[list[int] | None, typer.Argument(help="Dead letter ids (default: all).")] = None,
    config: ConfigOption = Path("lapak.toml"),
) -> None:
    """Send dead-lettered jobs again (they carry ids only, so a replay is always safe)."""
    with runtime_for(config) as runtime:
        from jobs.broker import build_broker
        from jobs.runtime import install

        install(runtime)
        build_broker(runtime.config.redis_url)
        from jobs import actors

        by_name = {actor.actor_name: actor for actor in actors.ALL}
        with runtime.db.session() as session:
            query = session.query(DeadLetter).filter(DeadLetter.retried_at.is_(None))
            if ids:
                query = query.filter(DeadLetter.id.in_(ids))
            rows = [(row.id, row.actor, tuple(row.args), dict(row.kwargs)) for row in query]
        for row_id, actor_name, args, kwargs in rows:
            actor = by_name[actor_name]
            if runtime.redis is None:
                # Embedded: no worker can receive it after this command exits; run it here.
                actor(*args, **kwargs)
            else:
                actor.send_with_options(args=args, kwargs=kwargs)
            with runtime.db.session() as session:
                session.get_one(DeadLetter, row_id).retried_at = utcnow()
            console.print(
                f"{actor_name}{list(args)}: {'done' if runtime.redis is None else 'sent'}"
            )
    console.print(f"{len(rows)} jobs retried")
