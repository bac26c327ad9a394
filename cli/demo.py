"""`lapak demo`: six sandbox marketplaces, one catalog, simulated buyers, one queue.

Everything is real but the marketplaces: each sandbox speaks its platform's wire protocol
on a loopback port (Shopee, Tokopedia, Lazada, TikTok Shop, Shopify, WooCommerce), and Lapak
runs embedded (SQLite + in-process broker) exactly as `lapak run` would, with its web app on
127.0.0.1. The config holds each store's app keys only (the plugin's
`authorization.app_keys`, the rule `lapak init` follows too); once Lapak runs, the demo
connects every store through its marketplace's authorization page (cli.demo_connect), as a
seller would, so the shops' ids and tokens come from the grants. The demo writes
`lapak.toml`, `lapak.env`, `demo-catalog.csv`, `lapak.db` and `lapak-demo.log` (the JSON job
log) into its directory, so `lapak queue list` or `lapak stores` run there afterwards shows
the demo's orders and connections.
"""

from __future__ import annotations

import csv
import secrets
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lapak.cli.demo_connect import StoreNotConnected, connect_stores
from lapak.config import load_config
from lapak.config.envfile import load_env_file
from lapak.sandboxes.kit.control import SandboxControl
from lapak.sandboxes.registry import sandbox_for
from lapak.sync import progress
from lapak.sync import queue as order_queue
from lapak.sync.catalog import import_catalog
from lapak.sync.connect import app_key_fields
from lapak.sync.dispatch import Dispatcher
from lapak.sync.i18n import format_local_time, gettext, order_status_name
from lapak.sync.private_files import write_private
from lapak.wiring.logging import configure_logging
from lapak.wiring.runtime import Runtime
from rich.console import Console
from rich.table import Table

MARKER = "# written by `lapak demo`"
CHAOS: dict[str, Any] = {"error_rate": 0.2, "throttle_rate": 0.1, "latency_ms": 20.0}
"""`--chaos`: a fifth of the calls get a 5xx, a tenth are throttled, every call is slower."""
RESELLER = "dewi"
MERCHANT = "Batik Sari"


@dataclass(frozen=True)
class DemoStore:
    name: str
    platform: str
    stock_buffer: int
    markup_percent: int


STORES = (
    DemoStore("shopee-batiksari", "shopee", 0, 0),
    DemoStore("tokopedia-batiksari", "tokopedia", 1, 5),
    DemoStore("lazada-batiksari", "lazada", 0, 8),
    DemoStore("tiktok-batiksari", "tiktok", 1, 5),
    DemoStore("shopify-batiksari", "shopify", 0, 0),
    DemoStore("woo-batiksari", "woocommerce", 0, 0),
)

CATALOG = [
    # sku, group, variant, name, price, stock, weight (g)
    ("BTK-PARANG-S", "BTK-PARANG", "S", "Kemeja Batik Parang Lengan Panjang", 185000, 12, 250),
    ("BTK-PARANG-M", "BTK-PARANG", "M", "Kemeja Batik Parang Lengan Panjang", 185000, 20, 260),
    ("BTK-PARANG-L", "BTK-PARANG", "L", "Kemeja Batik Parang Lengan Panjang", 185000, 15, 270),
    ("BTK-KAWUNG-M", "BTK-KAWUNG", "M", "Kemeja Batik Kawung Lengan Panjang", 175000, 10, 260),
    ("BTK-KAWUNG-L", "BTK-KAWUNG", "L", "Kemeja Batik Kawung Lengan Panjang", 175000, 8, 270),
    ("KOPI-GAYO-250", "KOPI-GAYO-250", None, "Kopi Arabika Gayo Bubuk 250 g", 89000, 40, 280),
    ("KOPI-TORAJA-250", "KOPI-TORAJA-250", None, "Kopi Toraja Kalosi Bubuk 250 g", 95000, 30, 280),
    ("SAMBAL-ROA", "SAMBAL-ROA", None, "Sambal Roa Manado Pedas Botol 200 g", 45000, 50, 200),
    ("KERIPIK-TEMPE", "KERIPIK-TEMPE", None, "Keripik Tempe Malang Renyah 150 g", 18000, 60, 150),
    ("TAS-PANDAN", "TAS-PANDAN", None, "Tas Anyaman Pandan Tasikmalaya", 120000, 9, 400),
]


def _env_name(store: DemoStore, key: str) -> str:
    return f"DEMO_{store.name.upper().replace('-', '_')}_{key.upper()}"


def _app_keys(plugin: Any, name: str, index: int) -> dict[str, Any]:
    """The sandbox app's keys for one store: its fake credentials the config may hold
    (`sync.connect.app_key_fields`), none of what an authorization gives."""
    fields = app_key_fields(plugin)
    return {
        k: v
        for k, v in sandbox_for(plugin.platform).credentials(name, index).items()
        if k in fields
    }


def _connect_first(
    runtime: Runtime, web_port: int, dispatcher: Dispatcher, console: Console
) -> None:
    """Connect every store before Lapak starts working, as `lapak connect` before `lapak
    run`: Lapak's web app alone on the demo's web port receives the callbacks. No job runs
    yet, so none fails for a store not connected; the first push and pull each connection
    asks `dispatcher` for wait in the embedded broker until its worker starts."""
    from lapak.web.app import create_app
    from lapak.wiring.server import serve

    with serve(create_app(runtime, dispatcher), port=web_port) as web:
        connect_stores(runtime, web.url, dispatcher, console)


def _import_catalog(runtime: Runtime, path: Path, console: Console) -> None:
    """The demo catalog into Lapak (the embedded reconciler's first tick pushes it)."""
    merchant = progress.merchant_id(runtime.db, MERCHANT)
    assert merchant is not None  # the demo's config names it; bootstrap() stored it
    report = import_catalog(runtime.db, merchant, path)
    message = gettext("catalog imported: %(count)d SKUs (%(file)s)")
    console.print(message % {"count": report.created, "file": path.name}, markup=False)
    for problem in report.errors:
        console.print(f"{path.name}: {problem}", markup=False)


def _config_text(urls: dict[str, str], credentials: dict[str, dict[str, Any]]) -> str:
    tables = []
    for store in STORES:
        secrets_table = "\n".join(
            f'{key} = "{_env_name(store, key)}"' for key in credentials[store.name]
        )
        tables.append(
            f"""
[[stores]]
name = "{store.name}"
platform = "{store.platform}"
merchant = "{MERCHANT}"
base_url = "{urls[store.platform]}"
stock_buffer = {store.stock_buffer}
poll_interval_seconds = 10
price_rule = {{ markup_percent = {store.markup_percent}, round_to = 500 }}

[stores.credentials]
{secrets_table}
"""
        )
    names = ", ".join(f'"{store.name}"' for store in STORES)
    return f"""{MARKER}: six sandbox marketplaces on loopback ports.
# Secrets live in lapak.env beside this file; see config/lapak.example.toml for every key.

[lapak]
operator_token_env = "DEMO_OPERATOR_TOKEN"

[[merchants]]
name = "{MERCHANT}"
{"".join(tables)}
[[resellers]]
name = "{RESELLER}"
token_env = "DEMO_RESELLER_TOKEN"
stores = [{names}]
"""


def _env_text(
    credentials: dict[str, dict[str, Any]], reseller_token: str, operator_token: str
) -> str:
    values: dict[str, object] = {
        _env_name(store, key): value
        for store in STORES
        for key, value in credentials[store.name].items()
    }
    values["DEMO_RESELLER_TOKEN"] = reseller_token
    values["DEMO_OPERATOR_TOKEN"] = operator_token
    return "".join(f"{key}={value}\n" for key, value in values.items())


def _catalog_csv(path: Path, image_base: str, categories: dict[str, str]) -> None:
    platforms = sorted(categories)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(
            [
                "sku", "group_sku", "variant_name", "name", "description", "price", "stock",
                "weight_grams", "image_urls", *(f"category_{p}" for p in platforms),
            ]
        )  # fmt: skip
        for sku, group, variant, name, price, stock, grams in CATALOG:
            description = f"{name}, buatan UMKM Indonesia, dikirim dari Yogyakarta."
            image = f"{image_base}/{group}.png"
            writer.writerow(
                [
                    sku, group, variant or "", name, description, price, stock, grams, image,
                    *(categories[p] for p in platforms),
                ]
            )  # fmt: skip


@dataclass
class Watch:
    """What the narrator has already told, so it prints only what is new."""

    published: dict[str, int] = field(default_factory=dict)
    orders: set[int] = field(default_factory=set)
    stock: dict[tuple[str, str], int | None] = field(default_factory=dict)
    last_sale: dict[str, str] = field(default_factory=dict)
    """SKU → the store of the newest order that had it."""
    shipped: set[int] = field(default_factory=set)


Controls = dict[str, SandboxControl]
"""Store name → the sandbox control of its marketplace."""


def run_demo(
    directory: Path,
    duration: float,
    orders_per_second: float,
    console: Console,
    *,
    web_port: int = 8000,
    chaos: bool = False,
) -> list[StoreSummary] | None:
    """Runs the demo; returns each store's summary (None: the directory is not the demo's)."""
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "lapak.toml"
    if config_path.exists() and MARKER not in config_path.read_text():
        message = gettext("%(path)s is not a demo config: run the demo with --dir ELSEWHERE")
        console.print(message % {"path": config_path}, markup=False)
        return None
    for stale in ("lapak.db", "lapak.db-wal", "lapak.db-shm"):
        (directory / stale).unlink(missing_ok=True)

    from lapak.cli.embedded import Embedded
    from lapak.sync.registry import plugin_for
    from lapak.wiring.server import serve

    credentials = {  # the app's own keys only: the rest comes from connecting each store
        store.name: _app_keys(plugin_for(store.platform), store.name, index)
        for index, store in enumerate(STORES)
    }
    reseller_token = f"demo-{secrets.token_urlsafe(12)}"
    operator_token = f"ops-{secrets.token_urlsafe(12)}"
    log_file = (directory / "lapak-demo.log").open("a", encoding="utf-8")
    configure_logging("INFO", stream=log_file)

    with ExitStack() as running:
        urls: dict[str, str] = {}
        controls: Controls = {}
        for index, store in enumerate(STORES):
            # the marketplace knows its shop whole (ids, keys); Lapak gets them by connecting
            fakes = sandbox_for(store.platform).credentials(store.name, index)
            shop = {"name": store.name, **fakes}
            # its own seed: each marketplace's buyers choose on their own, as real ones do
            app = sandbox_for(store.platform).app([shop], seed=index + 1)
            urls[store.platform] = running.enter_context(serve(app)).url
            controls[store.name] = app.state.control
        env_text = _env_text(credentials, reseller_token, operator_token)
        write_private(directory / "lapak.env", env_text)  # 0600: it holds the app keys
        config_path.write_text(_config_text(urls, credentials))
        load_env_file(config_path)
        runtime = Runtime(load_config(config_path))
        runtime.bootstrap()
        running.callback(runtime.close)
        message = gettext("six sandbox marketplaces, files in %(dir)s")
        console.print(f"[bold]Lapak demo[/]: {message % {'dir': directory}}")
        for store in STORES:
            console.print(f"  {store.name:<22} {store.platform:<12} {urls[store.platform]}")
        categories = {store.platform: controls[store.name].sample_category for store in STORES}
        image_host = f"{urls['shopee']}/_sandbox/images"  # the Shopee sandbox hosts images
        _catalog_csv(directory / "demo-catalog.csv", image_host, categories)
        lapak = Embedded(runtime, threads=8, web_port=web_port)
        try:
            _connect_first(runtime, web_port, lapak.actors.dispatcher, console)
        except StoreNotConnected as failed:
            console.print(str(failed), style="red", markup=False, highlight=False)
            log_file.close()
            return None
        _import_catalog(runtime, directory / "demo-catalog.csv", console)
        watch = Watch()
        started = time.monotonic()
        with lapak:
            for name, control in controls.items():
                control.set_webhook_url(name, f"{lapak.web_url}/webhooks/{name}")
            welcome = gettext(
                "Open %(url)s/ and sign in as reseller %(reseller)s with token %(token)s\n"
                "Operators: the same page with token %(operator_token)s opens %(url)s/ops/ · "
                "metrics at %(url)s/metrics\n"
                "(the marketplaces push order events to %(url)s/webhooks/…)"
            )
            values: dict[str, object] = {
                "url": lapak.web_url,
                "reseller": RESELLER,
                "token": f"[bold]{reseller_token}[/]",
                "operator_token": operator_token,
            }
            console.print(f"\n{welcome % values}\n")
            if chaos:
                for control in controls.values():
                    control.set_faults(**CHAOS)
                message = gettext("every marketplace answers with faults %(faults)s")
                console.print(f"[red]chaos[/]: {message % {'faults': CHAOS}}")
            try:
                _shop_until(
                    runtime, controls, watch, console, started + duration, orders_per_second
                )
            except KeyboardInterrupt:
                console.print(gettext("Ctrl-C: the buyers stop; the summary follows"))
            for control in controls.values():
                control.stop_buyers()
                control.set_faults()
            if chaos:
                console.print(gettext("chaos over: the marketplaces answer normally again"))
            _settle(runtime, controls, timeout=40)
            _narrate(runtime, controls, watch, console)
            summary = _summary(runtime, controls, console)
    log_file.close()
    goodbye = gettext(
        "The queue stays in %(db)s: run %(queue)s in %(dir)s to see it. Job log: %(log)s "
        "(%(tail)s reads it)"
    )
    log = directory / "lapak-demo.log"
    values = {
        "db": directory / "lapak.db",
        "queue": "[bold]lapak queue list[/]",
        "dir": directory,
        "log": log,
        "tail": f"[bold]lapak jobs tail --file {log}[/]",
    }
    console.print(f"\n{goodbye % values}")
    return summary


def _shop_until(
    runtime: Runtime,
    controls: Controls,
    watch: Watch,
    console: Console,
    deadline: float,
    orders_per_second: float,
) -> None:
    """Narrate until `deadline` (monotonic s): once the catalog is everywhere, buyers shop
    on every store and the demo reseller ships an order every 8 seconds.

    Each store's buyers check out at a steady pace; their starts are spread over one
    period, so the stores' checkouts interleave (1 / `orders_per_second` apart) as real
    buyers' do, instead of all landing in the same instant."""
    waiting = list(controls.values())  # stores whose buyers have not started yet
    next_start = next_shipment = float("inf")
    while time.monotonic() < deadline:
        _narrate(runtime, controls, watch, console)
        now = time.monotonic()
        if next_start == float("inf") and progress.all_published(runtime.db):
            _watch_stock(controls, watch)
            next_start, next_shipment = now, now + 8
            message = gettext("buyers are shopping on all six stores (%(rate)s/s in all)")
            console.print(message % {"rate": orders_per_second})
        while waiting and now >= next_start:
            waiting.pop(0).start_buyers(orders_per_second / len(controls))
            next_start += 1 / orders_per_second
        if now > next_shipment:
            _reseller_ships_one(runtime, console)
            next_shipment = now + 8
        time.sleep(min(0.5, max(0.01, next_start - time.monotonic())))


def _stamp() -> str:
    """Now, as the narration's lines start: "14:05:03 WIB"."""
    return format_local_time(datetime.now(UTC), pattern="HH:mm:ss")


def _narrate(runtime: Runtime, controls: Controls, watch: Watch, console: Console) -> None:
    stamp = _stamp()
    _ = gettext
    for store, count in sorted(progress.published_counts(runtime.db).items()):
        if watch.published.get(store) != count:
            watch.published[store] = count
            said = _("%(store)s: %(count)d listings published") % {"store": store, "count": count}
            console.print(f"{stamp} {said}")
    for order in order_queue.list_orders(
        runtime.db, statuses=("unpaid", "ready_to_ship", "shipped", "cancelled")
    ):
        if order.id not in watch.orders:
            watch.orders.add(order.id)
            items = ", ".join(f"{ln.quantity}× {ln.sku}" for ln in order.lines)
            values: dict[str, object] = {
                "order": f"[green]{order.external_id}[/]",
                "store": order.store,
                "status": order_status_name(order.status),
                "items": items,
            }
            said = _("order %(order)s from %(store)s (%(status)s): %(items)s → queue") % values
            console.print(f"{stamp} {said}")
            for line in order.lines:
                watch.last_sale[line.sku] = order.store
        if order.ship_state == "confirmed" and order.id not in watch.shipped:
            watch.shipped.add(order.id)
            values = {
                "store": f"[cyan]{order.store}[/]",
                "order": order.external_id,
                "tracking": order.tracking_number,
            }
            said = _("%(store)s confirmed the shipment of %(order)s (%(tracking)s)") % values
            console.print(f"{stamp} {said}")
    held = {name: _stock(control, name) for name, control in controls.items()}
    for (store, sku), before in list(watch.stock.items()):
        now = held[store].get(sku)
        if now == before:
            continue
        watch.stock[(store, sku)] = now
        sold_on = watch.last_sale.get(sku)
        if now is None or before is None or now > before:
            why = _("stock freed")
        elif sold_on in (None, store):
            why = _("sold here")  # the marketplace takes it off at once; the order follows
        else:
            why = _("Lapak pushed it: sold on %(store)s") % {"store": sold_on}
        values = {"store": store, "sku": sku, "before": before, "now": now}
        said = _("%(store)s stock of %(sku)s: %(before)s → %(now)s") % values
        console.print(f"{stamp} [yellow]{said}[/] ({why})")


def _watch_stock(controls: Controls, watch: Watch) -> None:
    """Start following every SKU's stock on every store (once the catalog is published)."""
    for name, control in controls.items():
        held = _stock(control, name)
        for sku, *_ in CATALOG:
            watch.stock[(name, sku)] = held.get(sku)


def _stock(control: SandboxControl, store: str) -> dict[str, int]:
    """What the marketplace holds now, by SKU."""
    return {row.sku: row.stock for row in control.listings(store)}


def _reseller_ships_one(runtime: Runtime, console: Console) -> None:
    from lapak.jobs.actors import dispatcher

    stores = list(runtime.config.stores_of_merchant(MERCHANT))
    names = [s.name for s in stores]
    try:
        order = order_queue.claim(runtime.db, RESELLER, names)
    except order_queue.QueueError:
        return
    tracking = f"JNE{order.id:08d}"
    order_queue.mark_packed(runtime.db, RESELLER, names, order.id)
    order_queue.ship(runtime.db, dispatcher, RESELLER, names, order.id, tracking)
    line = gettext("reseller %(reseller)s packed %(order)s and shipped it with %(tracking)s")
    values: dict[str, object] = {
        "reseller": RESELLER,
        "order": order.external_id,
        "tracking": tracking,
    }
    console.print(f"{_stamp()} {line % values}")


@dataclass(frozen=True)
class StoreSummary:
    """One store at the end of the demo. `in_step` counts listings whose stock on the
    marketplace is exactly what Lapak wants there (after the last pushes settled)."""

    store: str
    published: int
    in_step: int
    orders: int
    on_marketplace: int
    """Orders the marketplace holds; `orders` those of them Lapak holds (none lost: equal)."""
    waiting: int
    shipped: int


def _settle(runtime: Runtime, controls: Controls, timeout: float, backoff: float = 60) -> None:
    """Wait (up to `timeout` s) until every listing is published, Lapak holds every order
    of every marketplace and each marketplace holds the stock Lapak wants there (the pushes
    the last orders caused). After chaos, a push refused in its last seconds is tried again
    once its backoff ends: while one waits, the summary waits for it (up to `backoff` s
    more) rather than report a store behind."""
    deadline = time.monotonic() + timeout
    while (now := time.monotonic()) < deadline + backoff:
        if now >= deadline and not progress.backing_off(runtime.db):
            return
        rows = _in_step(runtime, controls)
        settled = all(r.in_step == r.published and r.orders == r.on_marketplace for r in rows)
        if settled and progress.all_published(runtime.db):
            return
        time.sleep(0.5)


def _in_step(runtime: Runtime, controls: Controls) -> list[StoreSummary]:
    rows = []
    for store in progress.store_progress(runtime.db):
        control = controls[store.store]
        held = _stock(control, store.store)
        wanted = store.desired_stock
        statuses = store.order_statuses.values()
        placed = set(control.order_ids(store.store))
        rows.append(
            StoreSummary(
                store=store.store,
                published=len(wanted),
                in_step=sum(1 for sku, stock in wanted.items() if held.get(sku) == stock),
                orders=len(placed & store.order_statuses.keys()),
                on_marketplace=len(placed),
                waiting=sum(1 for s in statuses if s == "ready_to_ship"),
                shipped=sum(1 for s in statuses if s in ("shipped", "completed")),
            )
        )
    return rows


def _summary(runtime: Runtime, controls: Controls, console: Console) -> list[StoreSummary]:
    rows = _in_step(runtime, controls)
    reserved, beyond = progress.reserved_units(runtime.db)
    _ = gettext
    table = Table()
    table.add_column(_("store"), no_wrap=True)
    headings = (
        _("listings published"),
        _("stock in step"),
        _("orders in Lapak"),
        _("to ship"),
        _("shipped"),
    )
    for heading in headings:
        table.add_column(heading)
    for row in rows:
        table.add_row(
            row.store,
            str(row.published),
            f"{row.in_step}/{row.published}",
            f"{row.orders}/{row.on_marketplace}",
            str(row.waiting),
            str(row.shipped),
        )
    console.print(table)
    console.print(_("units reserved for open orders: %(count)d") % {"count": reserved})
    beyond_line = _("units ordered beyond stock: %(count)d") % {"count": beyond}
    if beyond:
        beyond_line += " " + _(
            "(buyers on two stores took the last units within the moment the news took to "
            "travel: a store's stock_buffer holds units back against exactly this)"
        )
    console.print(beyond_line)
    return rows
