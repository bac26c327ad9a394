"""Stock and price pushes to every platform's sandbox: calls made against the fewest.

For each registered platform (or those named), publishes an N-SKU catalog to one sandbox
store (not timed), then lowers every product's stock by one and pushes (a rise would wait
for a pull: docs/ARCHITECTURE.md), then every product's price and pushes, through
`sync.push.push_store` (the real engine path) over real HTTP with the sandbox's rate limit
lifted. It prints, per platform, the API calls each push made
(counted by the sandbox; for stock, the calls to the stock batch endpoint, without the
reads a push makes first) against the fewest that platform's batch rules allow:

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
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lapak.sandboxes.kit.control import SandboxControl
from lapak.sandboxes.registry import sandbox_for
from lapak.sync.catalog import import_catalog
from lapak.sync.changes import products_changed
from lapak.sync.protocol import ConnectorPlugin, StoreSpec
from lapak.sync.registry import platforms, plugin_for
from lapak.sync.sealing import Sealer
from lapak.sync.setup import StoreSettings, apply_settings
from lapak.sync.store.db import Database
from lapak.sync.store.models import Listing, Merchant, Product
from lapak.sync.tokens import DbTokenVault
from lapak.sync.types import ListingRef
from lapak.wiring.collector import tune_collector
from lapak.wiring.logging import configure_logging
from lapak.wiring.pacing import UnpacedPacer
from lapak.wiring.server import serve
from sqlalchemy import select, update

from benchmarks.full_sync import (
    STOCK_WRITE_PATHS,
    VARIANTS,
    image_host,
    push_until_settled,
    write_catalog,
)

STORE = "bench"


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
    assert merchant_id is not None
    catalog = directory / f"{platform}.csv"
    write_catalog(catalog, skus, {platform: control.sample_category}, images)
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
        published = push_until_settled(db, store_id, connector)
        publish_s = time.perf_counter() - started
        if published.created != skus:
            raise SystemExit(f"{platform}: published {published.as_counts()}: {published.errors}")

        figures: dict[str, Any] = {"platform": platform, "publish_s": publish_s}
        for kind, change in (
            ("stock", {"on_hand": Product.on_hand - 1}),  # a rise waits for a pull
            ("price", {"price": Product.price + 100}),
        ):
            with db.session() as session:
                session.execute(update(Product).values(**change))
                products_changed(session, session.scalars(select(Product.id)).all())
            control.reset_calls()
            started = time.perf_counter()
            report = push_until_settled(db, store_id, connector)
            seconds = time.perf_counter() - started
            done = report.stock if kind == "stock" else report.prices
            if done != skus or report.failed or report.deferred:
                raise SystemExit(f"{platform} {kind} push incomplete: {report.as_counts()}")
            batch = plugin.limits.stock_batch if kind == "stock" else plugin.limits.price_batch
            calls = control.call_counts()
            if kind == "stock":  # the writes; the reads made before them are Lapak's own rule
                calls = {p: n for p, n in calls.items() if STOCK_WRITE_PATHS[platform] in p}
            figures[kind] = (sum(calls.values()), fewest(plugin, db, store_id, batch))
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
    tune_collector()  # as Lapak's own processes do
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
