"""Stray listings: items on a store that carry a catalog SKU but are not the bound listing.

A second item with a SKU Lapak already bound on that store (made by hand in the seller
centre, or by a past fault that created a SKU twice) sells stock Lapak does not count:
every unit it sells can be an oversell. The read-back scans the store's listings once
(`connector.scan_listings()`, in pages), records each stray it finds, and sets its stock to
0 (an absolute value, through the store's own stock batch) unless the store's
`stray_listings` setting is "report". Operators see them at `/ops/strays`; deleting or
merging the duplicate is theirs to do on the marketplace. A stray the next scan no longer
finds is forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog
from lapak.sync.protocol import Connector
from lapak.sync.store.db import Database
from lapak.sync.store.models import Listing, Product, Store, StrayListing, utcnow
from lapak.sync.types import ItemResult, RemoteListing, StockUpdate
from sqlalchemy import delete, func, select

log = structlog.get_logger(__name__)

ZERO = "zero"
"""The store setting that zeroes strays (the default); "report" only records them."""


@dataclass
class StraySweep:
    """What one sweep of a store found and did."""

    found: int = 0
    zeroed: int = 0
    failed: int = 0
    gone: int = 0

    def as_counts(self) -> dict[str, int]:
        return {f"strays_{key}": value for key, value in vars(self).items() if value}


@dataclass(frozen=True, slots=True)
class StrayView:
    """A stray listing as operators see it."""

    id: int
    store: str
    sku: str
    item_id: str
    variant_id: str
    stock_seen: int
    action: str
    found_at: datetime
    seen_at: datetime
    zeroed_at: datetime | None
    error: str | None


def sweep_strays(db: Database, store_id: int, connector: Connector) -> StraySweep:
    """Scan the store, record its strays, zero them unless the store only reports them."""
    with db.session() as session:
        store = session.get_one(Store, store_id)
        zero = store.stray_listings == ZERO
        bound = {
            sku: (item_id, variant_id)
            for sku, item_id, variant_id in session.execute(
                select(Product.sku, Listing.item_id, Listing.variant_id)
                .join(Product, Product.id == Listing.product_id)
                .where(Listing.store_id == store_id, Listing.item_id.is_not(None))
            )
        }
    strays = [
        found
        for found in connector.scan_listings()
        if found.ref.sku in bound and bound[found.ref.sku] != _key(found)
    ]
    outcomes = _zero(connector, strays) if zero else {}
    sweep = StraySweep(found=len(strays))
    now = utcnow()
    with db.session() as session:
        known = {
            (row.item_id, row.variant_id): row
            for row in session.scalars(
                select(StrayListing).where(StrayListing.store_id == store_id)
            )
        }
        for found in strays:
            row = known.pop(_key(found), None)
            if row is None:
                row = StrayListing(
                    store_id=store_id,
                    sku=found.ref.sku,
                    item_id=found.ref.item_id,
                    variant_id=found.ref.variant_id,
                    found_at=now,
                )
                session.add(row)
                log.warning("stray_listing_found", store_id=store_id, sku=found.ref.sku)
            row.sku, row.seen_at, row.stock_seen = found.ref.sku, now, found.stock
            _apply(row, zero, outcomes.get(_key(found)), found.stock, now, sweep)
        if known:
            session.execute(
                delete(StrayListing).where(StrayListing.id.in_([r.id for r in known.values()]))
            )
            sweep.gone = len(known)
    log.info("strays_swept", store_id=store_id, **sweep.as_counts())
    return sweep


def _key(found: RemoteListing) -> tuple[str, str]:
    return (found.ref.item_id, found.ref.variant_id)


def _zero(connector: Connector, strays: list[RemoteListing]) -> dict[tuple[str, str], ItemResult]:
    """Stock 0 on every stray that shows any, in the store's own stock batches."""
    selling = [found for found in strays if found.stock > 0]
    if not selling:
        return {}
    results = connector.update_stock([StockUpdate(found.ref, 0) for found in selling])
    return {_key(found): result for found, result in zip(selling, results, strict=True)}


def _apply(
    row: StrayListing,
    zero: bool,
    result: ItemResult | None,
    stock: int,
    now: datetime,
    sweep: StraySweep,
) -> None:
    """The row's action after this sweep: reported, zeroed (now or already at 0), failed."""
    if not zero:
        row.action, row.error = "reported", None
        return
    if result is not None and not result.ok:
        row.action, row.error = "failed", result.error
        sweep.failed += 1
        return
    if result is not None:
        row.zeroed_at, row.stock_seen = now, 0
        sweep.zeroed += 1
    elif stock == 0 and row.zeroed_at is None:
        row.zeroed_at = now
    row.action, row.error = "zeroed", None


def stray_listings(db: Database, *, limit: int = 200) -> list[StrayView]:
    """Strays of every store, the most recently found first."""
    with db.session() as session:
        rows = session.execute(
            select(StrayListing, Store.name)
            .join(Store, Store.id == StrayListing.store_id)
            .order_by(StrayListing.found_at.desc(), StrayListing.id.desc())
            .limit(limit)
        ).all()
        return [
            StrayView(
                id=row.id,
                store=store,
                sku=row.sku,
                item_id=row.item_id,
                variant_id=row.variant_id,
                stock_seen=row.stock_seen,
                action=row.action,
                found_at=row.found_at,
                seen_at=row.seen_at,
                zeroed_at=row.zeroed_at,
                error=row.error,
            )
            for row, store in rows
        ]


def stray_counts(db: Database) -> dict[tuple[str, str], int]:
    """Strays by (store name, action), for `/metrics`."""
    with db.session() as session:
        rows = session.execute(
            select(Store.name, StrayListing.action, func.count())
            .join(Store, Store.id == StrayListing.store_id)
            .group_by(Store.name, StrayListing.action)
        ).all()
    return {(store, action): count for store, action, count in rows}
