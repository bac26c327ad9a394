"""One listing per SKU on a store, whatever overlaps: pushes against sandboxes over real HTTP.

Two pushes of one store that run at the same time (a lost mutex, two workers) must not
create a SKU twice — Shopee does not refuse a second item with the same SKU, so Lapak must
not send it. A create the store refuses because the listing is already there (Lazada,
Tokopedia) is adopted by SKU, not failed. A push stops at its budget between create calls.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from lapak.connectors.http import RetryPolicy
from lapak.sandboxes.kit.control import SandboxControl
from lapak.sandboxes.registry import sandbox_for
from lapak.sync.changes import products_changed
from lapak.sync.protocol import Connector, Pacer, StoreSpec
from lapak.sync.pull import pull_orders
from lapak.sync.push import PushReport, adopt_existing, push_store
from lapak.sync.registry import plugin_for
from lapak.sync.setup import StoreSettings, apply_settings
from lapak.sync.store.db import Database
from lapak.sync.store.models import Listing, Product, Store
from lapak.wiring.pacing import TokenBucketPacer
from lapak.wiring.server import serve
from sqlalchemy import select

from tests.connectors.doubles import MemoryVault

STORE = "toko"
FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, max_retry_after=3.0, budget=10.0)


class SlowPacer:
    """Every call waits a little, so two pushes started together interleave their calls."""

    def acquire(self, weight: int = 1) -> None:
        time.sleep(0.005 * weight)


class Marketplace:
    """A sandbox store served over HTTP and the connectors that talk to it."""

    def __init__(self, platform: str, url: str, control: SandboxControl, credentials: dict):
        self.platform = platform
        self.url = url
        self.control = control
        self.credentials = credentials
        self.vault = MemoryVault(control.now)  # shared, as the database vault is
        self._made: list[Connector] = []

    def connector(self, pacer: Pacer | None = None) -> Connector:
        plugin = plugin_for(self.platform)
        made = plugin.create(
            StoreSpec(name=STORE, platform=self.platform, base_url=self.url),
            plugin.credentials_model.model_validate(self.credentials),
            pacer=pacer or SlowPacer(),
            tokens=self.vault,
            clock=self.control.now,
            retry_policy=FAST,
        )
        self._made.append(made)
        return made

    def skus(self) -> Counter[str]:
        return Counter(row.sku for row in self.control.listings(STORE))

    def close(self) -> None:
        for made in self._made:
            made.close()


@pytest.fixture
def marketplace(request: pytest.FixtureRequest) -> Iterator[Marketplace]:
    platform = request.param
    plugin = plugin_for(platform)
    credentials = sandbox_for(plugin.platform).credentials(STORE, 0)
    app = sandbox_for(plugin.platform).app([{"name": STORE, **credentials}], seed=3)
    app.state.control.set_rate_limit(0)
    with serve(app) as server:
        market = Marketplace(platform, server.url, app.state.control, credentials)
        yield market
        market.close()
    app.state.control.close()


def catalog(db: Database, market: Marketplace, image_base: str, *, sized: int, singles: int) -> int:
    """A store on the sandbox's platform and a catalog: `sized` items in three sizes each,
    `singles` items without variants. Returns the store id."""
    store_id = apply_settings(db, ["umkm"], [StoreSettings(STORE, market.platform, "umkm")])[STORE]
    rows = [(f"KAOS{n}", f"KAOS{n}-{size}", size) for n in range(sized) for size in "SML"]
    rows += [(f"KOPI{n}", f"KOPI{n}", None) for n in range(singles)]
    add_products(db, store_id, market, image_base, rows)
    return store_id


def add_products(
    db: Database,
    store_id: int,
    market: Marketplace,
    image_base: str,
    rows: list[tuple[str, str, str | None]],
    *,
    name: Callable[[str], str] = lambda group: f"Produk {group} buatan UMKM Yogyakarta",
) -> None:
    with db.session() as session:
        merchant_id = session.get_one(Store, store_id).merchant_id
        products = [
            Product(
                merchant_id=merchant_id,
                sku=sku,
                group_sku=group,
                variant_name=variant,
                name=name(group),
                description=f"Deskripsi produk {group} buatan UMKM, bahan pilihan.",
                price=Decimal(50_000),
                weight_grams=300,
                image_urls=[f"{image_base}/img/{group.lower()}.png"],
                categories={market.platform: market.control.sample_category},
                on_hand=5,
            )
            for group, sku, variant in rows
        ]
        session.add_all(products)
        session.flush()
        products_changed(session, [p.id for p in products])


def bound(db: Database, store_id: int) -> dict[str, Listing]:
    with db.session() as session:
        rows = session.execute(
            select(Product.sku, Listing).join(Product).where(Listing.store_id == store_id)
        ).all()
        session.expunge_all()
    return {sku: listing for sku, listing in rows}


@pytest.mark.parametrize("marketplace", ["shopee"], indirect=True)
def test_two_overlapping_pushes_create_each_sku_once(
    db: Database, marketplace: Marketplace, images: tuple[str, Any]
) -> None:
    store_id = catalog(db, marketplace, images[0], sized=4, singles=12)
    start = threading.Barrier(2)
    reports: list[PushReport] = []

    def push() -> None:
        connector = marketplace.connector()  # each its own worker's connector
        start.wait()
        reports.append(push_store(db, store_id, connector, budget=120))

    threads = [threading.Thread(target=push) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(reports) == 2
    assert sum(r.created for r in reports) == 24
    assert all(r.created for r in reports), "both pushes worked: they overlapped"
    assert marketplace.skus() == Counter({sku: 1 for sku in bound(db, store_id)})
    listings = bound(db, store_id)
    assert all(x.item_id and not x.failed and not x.dirty for x in listings.values())
    held = {row.sku: row.item_id for row in marketplace.control.listings(STORE)}
    assert {sku: x.item_id for sku, x in listings.items()} == held


@pytest.mark.parametrize("marketplace", ["shopee"], indirect=True)
def test_a_push_stops_at_its_budget_between_create_calls(
    db: Database, marketplace: Marketplace, images: tuple[str, Any]
) -> None:
    store_id = catalog(db, marketplace, images[0], sized=0, singles=12)
    connector = marketplace.connector(TokenBucketPacer("slow", rate_per_second=10, burst=1))
    # the store's first scan, done once before any create, is not what this budget is about
    # (on a loaded machine it alone can spend half a second)
    assert adopt_existing(db, store_id, connector) == 0

    began = time.monotonic()
    first = push_store(db, store_id, connector, budget=0.5)
    took = time.monotonic() - began

    # creates go `parallel_calls` (4) at a time: the push stops after the round of calls
    # that crossed the budget (four creates at 10 calls/s: about a second)
    assert first.incomplete and first.created == connector.limits.parallel_calls == 4
    assert took < 0.5 + 3.0, "stopped after the round of calls that crossed the budget"
    reports = [first]
    while reports[-1].incomplete:
        reports.append(push_store(db, store_id, connector, budget=0.5))
    assert sum(r.created for r in reports) == 12
    assert marketplace.skus() == Counter({f"KOPI{n}": 1 for n in range(12)})


@pytest.mark.parametrize("marketplace", ["lazada", "tokopedia"], indirect=True)
def test_a_create_refused_as_already_there_is_adopted(
    db: Database, marketplace: Marketplace, images: tuple[str, Any]
) -> None:
    store_id = catalog(db, marketplace, images[0], sized=1, singles=1)
    connector = marketplace.connector()
    push_store(db, store_id, connector)  # the first scan is done: later pushes create
    add_products(db, store_id, marketplace, images[0], [("SAMBAL", "SAMBAL", None)])
    name = "Produk SAMBAL buatan UMKM Yogyakarta"
    made = marketplace.control.add_listing(STORE, sku="SAMBAL", name=name, price=35000, stock=1)

    report = push_store(db, store_id, connector)

    sambal = bound(db, store_id)["SAMBAL"]
    assert (report.adopted, report.created, report.failed) == (1, 0, 0)
    assert sambal.item_id == made and not sambal.failed
    assert marketplace.skus()["SAMBAL"] == 1
    # The adopted item shows 1: raised to Lapak's 5 once the store's orders are in
    # (docs/stock.md), not before.
    assert report.held == 1
    pull_orders(db, store_id, connector)
    push_store(db, store_id, connector)
    assert not bound(db, store_id)["SAMBAL"].dirty
    assert {r.stock for r in marketplace.control.listings(STORE) if r.sku == "SAMBAL"} == {5}


@pytest.mark.parametrize("marketplace", ["tokopedia"], indirect=True)
def test_a_name_taken_by_another_sku_fails_with_the_stores_message(
    db: Database, marketplace: Marketplace, images: tuple[str, Any]
) -> None:
    store_id = catalog(db, marketplace, images[0], sized=0, singles=1)
    connector = marketplace.connector()
    push_store(db, store_id, connector)
    add_products(db, store_id, marketplace, images[0], [("SAMBAL", "SAMBAL", None)])
    name = "Produk SAMBAL buatan UMKM Yogyakarta"
    marketplace.control.add_listing(STORE, sku="OTHER", name=name, price=35000, stock=1)

    report = push_store(db, store_id, connector)

    sambal = bound(db, store_id)["SAMBAL"]
    assert (report.adopted, report.created) == (0, 0)
    assert sambal.failed and sambal.item_id is None
    assert "already used" in (sambal.last_error or "")
