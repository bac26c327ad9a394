"""Turns catalog and stock changes into desired listing state (level-triggered sync).

docs/rules.md, rule 2.

`products_changed` is the one entry point: whatever changed about some products (a CSV
import, a stock count, a reservation), it recomputes every listing of those products on
every store of their merchant, creates missing listings, and keeps `Listing.dirty` in step.
The caller then makes sure one push per returned store is pending.
"""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from functools import cache
from typing import Any

from lapak.sync.stock import available, content_hash, store_price, store_stock
from lapak.sync.store.dialect import among, among_bound
from lapak.sync.store.models import Listing, Product, Store
from sqlalchemy import Table, and_, false, func, insert, not_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

CHUNK = 1000


def dirty_condition() -> ColumnElement[bool]:
    """SQL truth of "desired differs from confirmed" for a listing row."""
    in_sync = and_(
        Listing.item_id.is_not(None),
        Listing.stock_recheck.is_(False),
        func.coalesce(Listing.confirmed_stock, -1) == Listing.desired_stock,
        func.coalesce(Listing.confirmed_price, -1) == Listing.desired_price,
        func.coalesce(Listing.confirmed_hash, "") == Listing.desired_hash,
    )
    return not_(in_sync)


def refresh_dirty(session: Session, listing_ids: Collection[int]) -> None:
    """Recompute `dirty` for these listings after their desired or confirmed state moved."""
    statement = _dirty_update(session.get_bind().dialect.name)
    for chunk in chunked(listing_ids, CHUNK):
        session.execute(statement, {"ids": chunk})


@cache
def _dirty_update(dialect: str) -> Any:
    """`refresh_dirty`'s UPDATE (a Core statement: it moves no object of the session), built
    once: building it cost each chunk more than running it, twice per push call."""
    table = Listing.__table__
    assert isinstance(table, Table)
    among_ids = among_bound(dialect, table.c.id, "ids")
    return update(table).where(among_ids).values(dirty=dirty_condition())


def lock_stock_rows(session: Session, product_ids: Collection[int]) -> None:
    """Lock these products, then all their listings, each in id order (PostgreSQL; SQLite
    serializes writers anyway).

    Every transaction that moves stock takes its row locks in this one order — products
    before listings, ascending ids — so concurrent intakes, shipments and pushes queue
    behind each other instead of deadlocking (docs/stock.md). Holding the products also
    makes "what was available when this order arrived" a consistent reading."""
    if _held_whole(session):
        return
    products = sorted(set(product_ids))
    _lock_ascending(session, Product.id, products)
    # Each chunk's listing ids come sorted, kept as 8-byte machine integers, and are merged
    # into one ascending run: a whole catalog's listings (600,000 for 100,000 products on
    # six stores) held as a Python list, set and sorted copy cost 35 MB of peak memory.
    runs = [
        array("q", session.scalars(_listing_ids(session, chunk)))
        for chunk in chunked(products, CHUNK)
    ]
    _lock_ascending(session, Listing.id, heapq.merge(*runs))


def _listing_ids(session: Session, product_ids: list[int]) -> Any:
    return (
        select(Listing.id)
        .where(among(session, Listing.product_id, product_ids))
        .order_by(Listing.id)
    )


def lock_listings(session: Session, listing_ids: Collection[int]) -> None:
    """Lock these listings in id order before updating them (see `lock_stock_rows`)."""
    if not _held_whole(session):
        _lock_ascending(session, Listing.id, sorted(set(listing_ids)))


def _lock_ascending(session: Session, key: Any, ids: Iterable[int]) -> None:
    """Lock rows by `key`, given ascending and unique. `FOR NO KEY UPDATE`, the lock an
    UPDATE takes: the foreign-key checks' `FOR KEY SHARE` on the same rows does not wait
    on it."""
    for chunk in chunked(ids, CHUNK):
        session.execute(
            select(key)
            .where(among(session, key, chunk))
            .order_by(key)
            .with_for_update(key_share=True)
        ).all()


def _held_whole(session: Session) -> bool:
    """On SQLite, take the database's write lock now, for the rest of the transaction, and
    say so (True): there is nothing finer to lock.

    SQLite has no row locks (it drops `FOR UPDATE`), and Python's sqlite3 begins a
    transaction only at its first write: until then each read sees whatever was committed
    last, and another writer may commit between a read and the write made of it. An
    UPDATE that matches no row begins the transaction and takes the database's write lock
    there, so what the transaction reads from here stays true until it commits — what the
    row locks give on PostgreSQL, for one statement instead of a lock query per chunk."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    session.execute(
        update(Product).where(false()).values(id=Product.id),
        execution_options={"synchronize_session": False},
    )
    return True


def chunked(values: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def reserved_units(session: Session, product_ids: Sequence[int]) -> dict[int, int]:
    """Units held by active reservations, per product (`Product.reserved`: one row read per
    product however many orders are open)."""
    rows = session.execute(
        select(Product.id, Product.reserved).where(
            among(session, Product.id, product_ids), Product.reserved != 0
        )
    )
    return {product_id: reserved for product_id, reserved in rows}


def desired_state(product: Product, reserved: int, store: Store) -> dict[str, Any]:
    """What one product should look like on one store now."""
    return {
        "desired_stock": store_stock(
            available(product.on_hand, reserved), store.stock_buffer, store.stock_allocation
        ),
        "desired_price": store_price(product.price, store.markup_percent, store.round_to),
        "desired_hash": content_hash(
            name=product.name,
            description=product.description,
            weight_grams=product.weight_grams,
            image_urls=product.image_urls,
            category_id=(product.categories or {}).get(store.platform),
            group_sku=product.group_sku,
            variant_name=product.variant_name,
        ),
    }


def products_changed(
    session: Session,
    product_ids: Collection[int],
    *,
    locked: bool = False,
    reserved: Mapping[int, int] | None = None,
    stores: Mapping[int, Sequence[Store]] | None = None,
) -> set[int]:
    """Recompute the listings of these products; returns the stores that now have work.

    `locked`: this transaction already holds the products' stock locks (`lock_stock_rows`,
    as intake takes them before its orders), so they are not taken again.

    What the locked transaction already knows is not read again (intake's, `sync.pull`):
    `reserved`, the kept reserved counts (`Product.reserved`) of some of these products as
    its own writes left them (`sync.reservations.settle`); `stores`, the enabled stores of
    some merchants by merchant id, read after the locks were taken. The rest is read."""
    if not product_ids:
        return set()
    if not locked:
        if reserved or stores:
            raise ValueError("known reserved counts or stores need the locks held (locked)")
        lock_stock_rows(session, product_ids)
    stores_by_merchant: dict[int, list[Store]] = {
        merchant_id: list(found) for merchant_id, found in (stores or {}).items()
    }
    due: set[int] = set()
    for chunk in chunked(sorted(set(product_ids)), CHUNK):
        due |= _refresh_chunk(session, chunk, stores_by_merchant, reserved or {})
    return due


def _refresh_chunk(
    session: Session,
    product_ids: list[int],
    stores_by_merchant: dict[int, list[Store]],
    known_reserved: Mapping[int, int],
) -> set[int]:
    products = session.scalars(select(Product).where(among(session, Product.id, product_ids))).all()
    _load_stores(session, {product.merchant_id for product in products}, stores_by_merchant)
    unknown = [product_id for product_id in product_ids if product_id not in known_reserved]
    reserved = {
        product_id: known_reserved[product_id]
        for product_id in product_ids
        if product_id in known_reserved
    }
    if unknown:
        reserved.update(reserved_units(session, unknown))
    existing = {
        (row.store_id, row.product_id): row
        for row in session.execute(
            select(
                Listing.id,
                Listing.store_id,
                Listing.product_id,
                Listing.desired_stock,
                Listing.desired_price,
                Listing.desired_hash,
            ).where(among(session, Listing.product_id, product_ids))
        )
    }
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for product in products:
        for store in stores_by_merchant.get(product.merchant_id, ()):
            desired = desired_state(product, reserved.get(product.id, 0), store)
            row = existing.get((store.id, product.id))
            if row is None:
                inserts.append({"store_id": store.id, "product_id": product.id, **desired})
            elif _differs(row, desired):
                updates.append(
                    {
                        "id": row.id,
                        "failed": False,
                        "retry_at": None,
                        "retry_attempts": 0,
                        **desired,
                    }
                )
    if inserts:
        session.execute(insert(Listing), inserts)
    if updates:
        updates.sort(key=lambda row: row["id"])
        session.execute(update(Listing), updates)
        refresh_dirty(session, [u["id"] for u in updates])
    return {row["store_id"] for row in inserts} | _stores_of(session, [u["id"] for u in updates])


def _load_stores(
    session: Session, merchant_ids: set[int], stores_by_merchant: dict[int, list[Store]]
) -> None:
    """Add the enabled stores of the merchants not loaded yet (only the products'
    merchants' stores: not every store Lapak runs, for each batch of orders)."""
    missing = merchant_ids - stores_by_merchant.keys()
    if not missing:
        return
    for merchant_id in missing:
        stores_by_merchant[merchant_id] = []
    query = (
        select(Store)
        .where(Store.enabled.is_(True), among(session, Store.merchant_id, missing))
        .order_by(Store.id)
    )
    for store in session.scalars(query):
        stores_by_merchant[store.merchant_id].append(store)


def _differs(row: Any, desired: dict[str, Any]) -> bool:
    return (
        row.desired_stock != desired["desired_stock"]
        or Decimal(row.desired_price) != desired["desired_price"]
        or row.desired_hash != desired["desired_hash"]
    )


def _stores_of(session: Session, listing_ids: list[int]) -> set[int]:
    stores: set[int] = set()
    for chunk in chunked(listing_ids, CHUNK):
        stores.update(
            session.scalars(
                select(Listing.store_id)
                .where(among(session, Listing.id, chunk), Listing.dirty)
                .distinct()
            )
        )
    return stores
