"""Stock and price pushes to every platform's sandbox: calls made against the fewest.

For each registered platform (or those named), publishes an N-SKU catalog to one sandbox
store (not timed), then changes every product's stock and pushes, then every product's
price and pushes, through `sync.push.push_store` (the real engine path) over real HTTP with
the sandbox's rate limit lifted. It prints, per platform, the API calls each push made
(counted by the sandbox) against the fewest that platform's batch rules allow:

`ConnectorLimits.fewest_calls`: ceil(SKUs / batch size) where a call mixes SKUs of any
items; the sum over items of ceil(its SKUs / batch size) where a call covers one item's
variants (WooCommerce: variations per parent, simple products 100 to a call);

and the SKU updates per second of the stock push. The catalog has single-SKU products and
products with 4 variants (a fifth of the SKUs). Usage:

    python benchmarks/push_all.py [--skus 2000] [--platforms shopee lazada ...]

Each sandbox runs in this process (a uvicorn thread), so the rates include its work: they
compare platforms' call counts, not raw speed (`push_shopee.py` measures that).
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from lapak.sandboxes.kit.control import SandboxControl
from lapak.sandboxes.kit.images import placeholder_png
from lapak.sandboxes.registry import sandbox_for
from lapak.sync.catalog import import_catalog
from lapak.sync.changes import products_changed
from lapak.sync.protocol import ConnectorPlugin, StoreSpec
from lapak.sync.push import PushReport, push_store
from lapak.sync.registry import platforms, plugin_for
from lapak.sync.sealing import Sealer
from lapak.sync.setup import StoreSettings, apply_settings
from lapak.sync.store.db import Database
from lapak.sync.store.models import Listing, Merchant, Product
from lapak.sync.tokens import DbTokenVault
from lapak.sync.types import ListingRef
from lapak.wiring.logging import configure_logging
from lapak.wiring.pacing import UnpacedPacer
from lapak.wiring.server import serve
from sqlalchemy import select, update
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

STORE = "bench"
VARIANTS = 4


def image_host() -> Starlette:
    async def image(request: Request) -> Response:
        return Response(placeholder_png(request.path_params["name"], 600), media_type="image/png")

    return Starlette(routes=[Route("/img/{name}.png", image)])


def write_catalog(path: Path, skus: int, platform: str, category: str, images: str) -> None:
    grouped = skus // 5 // VARIANTS * VARIANTS
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(
            [
                "sku", "group_sku", "variant_name", "name", "description", "price", "stock",
                "weight_grams", "image_urls", f"category_{platform}",
            ]
        )  # fmt: skip
        for n in range(skus):
            sku = f"SKU{n:06d}"
            group = f"G{n // VARIANTS:05d}" if n < grouped else sku
            variant = f"Ukuran {n % VARIANTS}" if n < grouped else ""
            name = f"Produk UMKM nomor {group} buatan Yogyakarta"
            image = f"{images}/img/{group}.png"
            writer.writerow(
                [sku, group, variant, name, f"{name}, dikirim dari Yogyakarta.", 25000, 10, 300,
                 image, category]
            )  # fmt: skip


def push_all_of(db: Database, store_id: int, connector: Any) -> PushReport:
    """Push until a push finds nothing left to do (each stops at its time budget or after a
    few passes, and the job would be sent again)."""
    total = PushReport()
    while True:
        report = push_store(db, store_id, connector)
        for key, value in report.as_counts().items():
            setattr(total, key, getattr(total, key) + value)
        total.errors += report.errors
        if not report.settled:
            return total


def fewest(plugin: ConnectorPlugin, db: Database, store_id: int, batch: int) -> int:
    with db.session() as session:
        rows = session.execute(
            select(Listing.item_id, Listing.variant_id).where(Listing.store_id == store_id)
        ).all()
    refs = [ListingRef(sku="", item_id=str(item), variant_id=variant) for item, variant in rows]
    return plugin.limits.fewest_calls(refs, batch)


def bench(platform: str, skus: int, images: str, directory: Path) -> dict[str, Any]:
    plugin = plugin_for(platform)
    credentials = sandbox_for(plugin.platform).credentials(STORE, 0)
    app = sandbox_for(plugin.platform).app([{"name": STORE, **credentials}])
    control: SandboxControl = app.state.control
    control.set_rate_limit(0)
    db = Database(f"sqlite:///{directory / f'{platform}.db'}")
    db.migrate()
    store_id = apply_settings(db, ["bench"], [StoreSettings(STORE, platform, "bench")])[STORE]
    with db.session() as session:
        merchant_id = session.scalar(select(Merchant.id))
    catalog = directory / f"{platform}.csv"
    write_catalog(catalog, skus, platform, control.sample_category, images)
    imported = import_catalog(db, merchant_id, catalog)
    if imported.errors:
        raise SystemExit(f"{catalog}: {imported.errors[:3]}")
    lock = threading.Lock()
    with serve(app) as server:
        connector = plugin.create(
            StoreSpec(STORE, platform, server.url),
            plugin.credentials_model.model_validate(credentials),
            pacer=UnpacedPacer(),
            tokens=DbTokenVault(db, store_id, lambda _: lock, Sealer([Sealer.generate_key()])),
            clock=control.now,
        )
        started = time.perf_counter()
        published = push_all_of(db, store_id, connector)
        publish_s = time.perf_counter() - started
        if published.created != skus:
            raise SystemExit(f"{platform}: published {published.as_counts()}: {published.errors}")

        figures: dict[str, Any] = {"platform": platform, "publish_s": publish_s}
        for kind, change in (
            ("stock", {"on_hand": Product.on_hand + 1}),
            ("price", {"price": Product.price + 100}),
        ):
            with db.session() as session:
                session.execute(update(Product).values(**change))
                products_changed(session, session.scalars(select(Product.id)).all())
            control.reset_calls()
            started = time.perf_counter()
            report = push_all_of(db, store_id, connector)
            seconds = time.perf_counter() - started
            done = report.stock if kind == "stock" else report.prices
            if done != skus or report.failed or report.deferred:
                raise SystemExit(f"{platform} {kind} push incomplete: {report.as_counts()}")
            batch = plugin.limits.stock_batch if kind == "stock" else plugin.limits.price_batch
            figures[kind] = (
                sum(control.call_counts().values()),
                fewest(plugin, db, store_id, batch),
            )
            figures[f"{kind}_rate"] = skus / seconds
        held = {row.sku: row for row in control.listings(STORE)}
        with db.session() as session:
            wanted = session.execute(select(Product.sku, Product.on_hand)).all()
        wrong = [sku for sku, stock in wanted if held[sku].stock != stock]
        if wrong:
            raise SystemExit(f"{platform}: stock differs for {len(wrong)} SKUs, e.g. {wrong[:3]}")
        connector.close()
    control.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument("--platforms", nargs="*", default=platforms())
    args = parser.parse_args()
    configure_logging("WARNING")
    rows = []
    with tempfile.TemporaryDirectory() as tmp, serve(image_host()) as images:
        for platform in args.platforms:
            rows.append(bench(platform, args.skus, images.url, Path(tmp)))
    print(f"{args.skus} SKUs per platform ({args.skus // 5 // VARIANTS} items of {VARIANTS} "
          "variants, the rest single), rate limits lifted:")  # fmt: skip
    print(f"{'platform':<12} {'stock calls/fewest':>19} {'price calls/fewest':>19} "
          f"{'stock SKUs/s':>13} {'publish s':>10}")  # fmt: skip
    for row in rows:
        stock, price = row["stock"], row["price"]
        verdict = "OK" if stock[0] <= stock[1] and price[0] <= price[1] else "MORE"
        print(
            f"{row['platform']:<12} {f'{stock[0]}/{stock[1]}':>19} {f'{price[0]}/{price[1]}':>19} "
            f"{row['stock_rate']:>13.0f} {row['publish_s']:>10.1f}  {verdict}"
        )


if __name__ == "__main__":
    main()
