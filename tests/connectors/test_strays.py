"""Stray listings: a second item carrying a bound SKU is found by the read-back's scan,
recorded, and zeroed on the marketplace (or only reported), against sandboxes over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from lapak.sync.push import push_store
from lapak.sync.setup import StoreSettings, apply_settings
from lapak.sync.store.db import Database
from lapak.sync.strays import stray_counts, stray_listings, sweep_strays

from tests.connectors.test_create_once import STORE, Marketplace, bound, catalog, marketplace

__all__ = ["marketplace"]  # the fixture, shared with the create-once tests


def published(db: Database, market: Marketplace, image_base: str) -> tuple[int, Any]:
    store_id = catalog(db, market, image_base, sized=1, singles=2)
    connector = market.connector()
    push_store(db, store_id, connector)
    return store_id, connector


def stock_by_item(market: Marketplace, sku: str) -> dict[str, int]:
    return {row.item_id: row.stock for row in market.control.listings(STORE) if row.sku == sku}


@pytest.mark.parametrize("marketplace", ["shopee", "tokopedia"], indirect=True)
def test_a_hand_made_duplicate_is_reported_and_zeroed(
    db: Database, marketplace: Marketplace, images: tuple[str, Any]
) -> None:
    store_id, connector = published(db, marketplace, images[0])
    twin = marketplace.control.add_listing(
        STORE, sku="KOPI0", name="Kopi duplikat dari seller centre", price=30000, stock=7
    )
    ours = bound(db, store_id)["KOPI0"].item_id

    sweep = sweep_strays(db, store_id, connector)

    assert (sweep.found, sweep.zeroed, sweep.failed) == (1, 1, 0)
    assert stock_by_item(marketplace, "KOPI0") == {twin: 0, ours: 5}
    [stray] = stray_listings(db)
    assert (stray.store, stray.sku, stray.item_id, stray.action) == (STORE, "KOPI0", twin, "zeroed")
    assert stray.zeroed_at is not None and stray.stock_seen == 0
    assert stray_counts(db) == {(STORE, "zeroed"): 1}

    marketplace.control.reset_calls()
    again = sweep_strays(db, store_id, connector)  # already at 0: nothing to write
    assert (again.found, again.zeroed) == (1, 0)
    assert not any("stock" in path for path in marketplace.control.call_counts())
    assert [s.found_at for s in stray_listings(db)] == [stray.found_at]


@pytest.mark.parametrize("marketplace", ["shopee"], indirect=True)
def test_with_report_a_stray_is_only_reported(
    db: Database, marketplace: Marketplace, images: tuple[str, Any]
) -> None:
    store_id, connector = published(db, marketplace, images[0])
    apply_settings(
        db, ["umkm"], [StoreSettings(STORE, marketplace.platform, "umkm", stray_listings="report")]
    )
    twin = marketplace.control.add_listing(
        STORE,
        sku="KAOS0",
        name="Kaos duplikat",
        price=50000,
        variants=[("KAOS0-M", "M", 50000, 4)],
    )

    sweep = sweep_strays(db, store_id, connector)

    assert (sweep.found, sweep.zeroed) == (1, 0)
    assert stock_by_item(marketplace, "KAOS0-M")[twin] == 4
    [stray] = stray_listings(db)
    assert (stray.sku, stray.item_id, stray.action, stray.stock_seen) == (
        "KAOS0-M",
        twin,
        "reported",
        4,
    )
    assert stray.variant_id and stray.zeroed_at is None


@pytest.mark.parametrize("marketplace", ["shopee"], indirect=True)
def test_a_stray_gone_from_the_store_is_forgotten(
    db: Database, marketplace: Marketplace, images: tuple[str, Any]
) -> None:
    store_id, connector = published(db, marketplace, images[0])
    twin = marketplace.control.add_listing(STORE, sku="KOPI1", name="Kopi dobel", price=1000)
    assert sweep_strays(db, store_id, connector).found == 1
    sandbox = marketplace.control.sandbox  # type: ignore[attr-defined]  # Shopee's own
    with sandbox.lock:  # the seller deletes the duplicate
        del sandbox.store(marketplace.credentials["shop_id"]).catalog.listings[int(twin)]

    sweep = sweep_strays(db, store_id, connector)

    assert (sweep.found, sweep.gone) == (0, 1)
    assert stray_listings(db) == []
