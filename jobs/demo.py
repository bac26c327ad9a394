"""`lapak demo`: two sandbox Shopee shops, one catalog, simulated buyers, one queue.

Everything is real but the marketplace: the sandbox speaks Shopee's wire protocol on a
loopback port, and Lapak runs embedded (SQLite + in-process broker) exactly as `lapak run`
would. The demo writes `lapak.toml`, `lapak.env`, `demo-catalog.csv`, `lapak.db` and
`lapak-demo.log` (the JSON job log) into its directory, so `lapak queue list` run there
afterwards shows the demo's orders.
"""

from __future__ import annotations

import csv
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from config import load_config
from config.envfile import load_env_file
from jobs.logging import configure_logging
from jobs.runtime import Runtime, sandbox_shops
from sync import queue as order_queue
from sync.catalog import import_catalog
from sync.store.models import Listing, Merchant, Order, Reservation, Store

MARKER = "# written by `lapak demo`"
RESELLER = "dewi"
SHOP_IDS = {"shopee-a": 14701711, "shopee-b": 14701712}

CATALOG = [
    # sku, group, variant, name, price, stock, weight (g)
    ("BTK-PARANG-S", "BTK-PARANG", "S", "Kemeja Batik Parang", 185000, 12, 250),
    ("BTK-PARANG-M", "BTK-PARANG", "M", "Kemeja Batik Parang", 185000, 20, 260),
    ("BTK-PARANG-L", "BTK-PARANG", "L", "Kemeja Batik Parang", 185000, 15, 270),
    ("BTK-KAWUNG-M", "BTK-KAWUNG", "M", "Kemeja Batik Kawung", 175000, 10, 260),
    ("BTK-KAWUNG-L", "BTK-KAWUNG", "L", "Kemeja Batik Kawung", 175000, 8, 270),
    ("KOPI-GAYO-250", "KOPI-GAYO-250", None, "Kopi Arabika Gayo 250 g", 89000, 40, 280),
    ("KOPI-TORAJA-250", "KOPI-TORAJA-250", None, "Kopi Toraja 250 g", 95000, 30, 280),
    ("SAMBAL-ROA", "SAMBAL-ROA", None, "Sambal Roa Manado", 45000, 50, 200),
    ("KERIPIK-TEMPE", "KERIPIK-TEMPE", None, "Keripik Tempe Malang", 18000, 60, 150),
    ("TAS-PANDAN", "TAS-PANDAN", None, "Tas Anyaman Pandan", 120000, 9, 400),
]


def _config_text(sandbox_url: str) -> str:
    stores = "\n".join(
        f"""
[[stores]]
name = "{name}"
platform = "shopee"
merchant = "Batik Sari"
base_url = "{sandbox_url}"
stock_buffer = {buffer}
poll_interval_seconds = 10
price_rule = {{ markup_percent = {markup}, round_to = 500 }}

[stores.credentials]
partner_id = "DEMO_PARTNER_ID"
partner_key = "DEMO_PARTNER_KEY"
shop_id = "{env}_SHOP_ID"
refresh_token = "{env}_REFRESH_TOKEN"
"""
        for name, env, buffer, markup in (
            ("shopee-a", "DEMO_SHOPEE_A", 0, 0),
            ("shopee-b", "DEMO_SHOPEE_B", 2, 5),
        )
    )
    return f"""{MARKER}: two sandbox Shopee shops on {sandbox_url}.
# Secrets live in lapak.env beside this file; see config/lapak.example.toml for every key.

[lapak]
operator_token_env = "DEMO_OPERATOR_TOKEN"

[[merchants]]
name = "Batik Sari"
{stores}
[[resellers]]
name = "{RESELLER}"
token_env = "DEMO_RESELLER_TOKEN"
stores = ["shopee-a", "shopee-b"]
"""


def _env_text() -> str:
    values = {
        "DEMO_PARTNER_ID": "2001887",
        "DEMO_PARTNER_KEY": secrets.token_hex(32),
        "DEMO_SHOPEE_A_SHOP_ID": str(SHOP_IDS["shopee-a"]),
        "DEMO_SHOPEE_A_REFRESH_TOKEN": secrets.token_hex(16),
        "DEMO_SHOPEE_B_SHOP_ID": str(SHOP_IDS["shopee-b"]),
        "DEMO_SHOPEE_B_REFRESH_TOKEN": secrets.token_hex(16),
        "DEMO_RESELLER_TOKEN": f"demo-{secrets.token_urlsafe(12)}",
        "DEMO_OPERATOR_TOKEN": f"ops-{secrets.token_urlsafe(12)}",
    }
    return "".join(f"{key}={value}\n" for key, value in values.items())


def _catalog_csv(path: Path, image_base: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(
            [
                "sku", "group_sku", "variant_name", "name", "description", "price", "stock",
                "weight_grams", "image_urls", "category_shopee",
            ]
        )  # fmt: skip
        for sku, group, variant, name, price, stock, grams in CATALOG:
            description = f"{name}, buatan UMKM Indonesia, dikirim dari Yogyakarta."
            image = f"{image_base}/{group}.png"
            writer.writerow(
                [sku, group, variant or "", name, description, price, stock, grams, image, 100644]
            )


@dataclass
class Watch:
    """What the narrator has already told, so it prints only what is new."""

    published: dict[str, int] = field(default_factory=dict)
    orders: set[int] = field(default_factory=set)
    stock: dict[tuple[str, str], int | None] = field(default_factory=dict)
    last_sale: dict[str, str] = field(default_factory=dict)
    """SKU → the store of the newest order that had it."""
    shipped: set[int] = field(default_factory=set)


def run_demo(directory: Path, duration: float, orders_per_second: float, console: Console) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "lapak.toml"
    if config_path.exists() and MARKER not in config_path.read_text():
        console.print(f"{config_path} is not a demo config: run the demo with --dir ELSEWHERE")
        return 2
    for stale in ("lapak.db", "lapak.db-wal", "lapak.db-shm"):
        (directory / stale).unlink(missing_ok=True)

    from connectors.sandbox_server import serve
    from jobs.embedded import Embedded
    from sync.registry import plugin_for

    (directory / "lapak.env").write_text(_env_text())
    config_path.write_text(_config_text("http://127.0.0.1:1"))  # port known once serving
    load_env_file(config_path)
    first = load_config(config_path)
    sandbox_app = plugin_for("shopee").sandbox_app(sandbox_shops(first, "shopee"))
    sandbox = sandbox_app.state.sandbox
    log_file = (directory / "lapak-demo.log").open("a", encoding="utf-8")
    configure_logging("INFO", stream=log_file)

    with serve(sandbox_app) as server:
        config_path.write_text(_config_text(server.url))
        config = load_config(config_path)
        runtime = Runtime(config)
        runtime.bootstrap()
        console.print(f"[bold]Lapak demo[/]: Shopee sandbox at {server.url}, files in {directory}")
        _catalog_csv(directory / "demo-catalog.csv", f"{server.url}/_sandbox/images")
        with runtime.db.session() as session:
            merchant_id = session.scalar(select(Merchant.id))
        report = import_catalog(runtime.db, merchant_id, directory / "demo-catalog.csv")
        console.print(f"catalog imported: {report.created} SKUs (demo-catalog.csv)")
        for problem in report.errors:
            console.print(f"demo-catalog.csv: {problem}", markup=False)
        watch = Watch()
        started = time.monotonic()
        with Embedded(runtime, threads=8, web_port=0) as lapak:
            for store, shop_id in SHOP_IDS.items():
                sandbox.set_push_config(shop_id, f"{lapak.web_url}/webhooks/{store}")
            console.print(f"Lapak web at {lapak.web_url}: the shops push order events to it")
            buyers_started = False
            next_shipment = started + 8
            while time.monotonic() - started < duration:
                _narrate(runtime, sandbox, watch, console)
                if not buyers_started and _all_published(runtime):
                    _watch_stock(sandbox, watch)
                    sandbox.buyers.start(orders_per_second)
                    buyers_started = True
                    console.print(f"buyers are shopping on both shops ({orders_per_second}/s)")
                if buyers_started and time.monotonic() > next_shipment:
                    _reseller_ships_one(runtime, console)
                    next_shipment = time.monotonic() + 8
                time.sleep(0.5)
            sandbox.buyers.stop()
            time.sleep(1.5)
            _narrate(runtime, sandbox, watch, console)
        _summary(runtime, sandbox, console)
        runtime.close()
    log_file.close()
    console.print(
        f"\nThe queue stays in {directory / 'lapak.db'}: run [bold]lapak queue list[/] "
        f"in {directory} to see it. Job log: {directory / 'lapak-demo.log'}"
    )
    return 0


def _all_published(runtime: Runtime) -> bool:
    with runtime.db.session() as session:
        unbound = session.scalar(select(func.count()).where(Listing.item_id.is_(None)))
        total = session.scalar(select(func.count(Listing.id)))
    return bool(total) and unbound == 0


def _narrate(runtime: Runtime, sandbox: object, watch: Watch, console: Console) -> None:
    stamp = time.strftime("%H:%M:%S")
    with runtime.db.session() as session:
        published = dict(
            session.execute(
                select(Store.name, func.count(Listing.id))
                .join(Listing, Listing.store_id == Store.id)
                .where(Listing.item_id.is_not(None))
                .group_by(Store.name)
            ).all()
        )
    for store, count in sorted(published.items()):
        if watch.published.get(store) != count:
            watch.published[store] = count
            console.print(f"{stamp} {store}: {count} listings published")
    for order in order_queue.list_orders(
        runtime.db, statuses=("unpaid", "ready_to_ship", "shipped", "cancelled")
    ):
        if order.id not in watch.orders:
            watch.orders.add(order.id)
            items = ", ".join(f"{ln.quantity}× {ln.sku}" for ln in order.lines)
            console.print(
                f"{stamp} [green]order {order.external_id}[/] from {order.store} "
                f"({order.status}): {items} → queue"
            )
            for line in order.lines:
                watch.last_sale[line.sku] = order.store
        if order.ship_state == "confirmed" and order.id not in watch.shipped:
            watch.shipped.add(order.id)
            console.print(
                f"{stamp} [cyan]{order.store} confirmed shipment[/] of {order.external_id} "
                f"({order.tracking_number})"
            )
    for (store, sku), before in list(watch.stock.items()):
        now = _stock(sandbox, store, sku)
        if now == before:
            continue
        watch.stock[(store, sku)] = now
        sold_on = watch.last_sale.get(sku)
        if now is None or before is None or now > before:
            why = "stock freed"
        elif sold_on in (None, store):
            why = "sold here"  # the marketplace takes it off at once; the order follows
        else:
            why = f"Lapak pushed it: sold on {sold_on}"
        console.print(f"{stamp} [yellow]{store} stock of {sku}: {before} → {now}[/] ({why})")


def _watch_stock(sandbox: object, watch: Watch) -> None:
    """Start following every SKU's stock on both shops (once the catalog is published)."""
    for store in SHOP_IDS:
        for sku, *_ in CATALOG:
            watch.stock[(store, sku)] = _stock(sandbox, store, sku)


def _stock(sandbox: object, store: str, sku: str) -> int | None:
    return sandbox.stock_of(SHOP_IDS[store], sku)  # type: ignore[attr-defined]


def _reseller_ships_one(runtime: Runtime, console: Console) -> None:
    from jobs.actors import dispatcher

    stores = list(runtime.config.stores_of_merchant("Batik Sari"))
    names = [s.name for s in stores]
    try:
        order = order_queue.claim(runtime.db, RESELLER, names)
    except order_queue.QueueError:
        return
    tracking = f"JNE{order.id:08d}"
    order_queue.mark_packed(runtime.db, RESELLER, names, order.id)
    order_queue.ship(runtime.db, dispatcher, RESELLER, names, order.id, tracking)
    console.print(
        f"{time.strftime('%H:%M:%S')} reseller {RESELLER} packed {order.external_id} "
        f"and shipped it with {tracking}"
    )


def _summary(runtime: Runtime, sandbox: object, console: Console) -> None:
    table = Table("store", "listings published", "orders", "waiting to ship", "shipped")
    with runtime.db.session() as session:
        for store in session.scalars(select(Store).order_by(Store.name)):
            count = session.scalar(
                select(func.count(Listing.id)).where(
                    Listing.store_id == store.id, Listing.item_id.is_not(None)
                )
            )
            orders = session.scalars(select(Order.status).where(Order.store_id == store.id)).all()
            table.add_row(
                store.name,
                str(count),
                str(len(orders)),
                str(sum(1 for s in orders if s == "ready_to_ship")),
                str(sum(1 for s in orders if s in ("shipped", "completed"))),
            )
        held = session.scalar(
            select(func.coalesce(func.sum(Reservation.quantity), 0)).where(
                Reservation.state == "active"
            )
        )
    console.print(table)
    console.print(f"units reserved for open orders: {held}")
