"""How far the catalog and the orders have come, store by store: read for `lapak demo`'s
narration and summary (what is published, what each store holds, what is reserved)."""

from __future__ import annotations

from dataclasses import dataclass

from lapak.sync.store.db import Database
from lapak.sync.store.models import Listing, Merchant, Order, Product, Reservation, Store
from sqlalchemy import func, select


def merchant_id(db: Database, name: str) -> int | None:
    """The id of the merchant named `name` (None: not in the database)."""
    with db.session() as session:
        found: int | None = session.scalar(select(Merchant.id).where(Merchant.name == name))
        return found


def all_published(db: Database) -> bool:
    """True when there are listings and every one is bound to a marketplace item."""
    with db.session() as session:
        unbound = session.scalar(select(func.count()).where(Listing.item_id.is_(None)))
        total = session.scalar(select(func.count(Listing.id)))
    return bool(total) and unbound == 0


def backing_off(db: Database) -> bool:
    """True while a listing waits out its backoff after a transient failure (its push is
    due at `retry_at`, then made)."""
    with db.session() as session:
        waiting = session.scalar(
            select(func.count()).where(
                Listing.dirty, Listing.failed.is_(False), Listing.retry_at.is_not(None)
            )
        )
    return bool(waiting)


def published_counts(db: Database) -> dict[str, int]:
    """Listings bound to a marketplace item, by store name (stores with none left out)."""
    with db.session() as session:
        rows = session.execute(
            select(Store.name, func.count(Listing.id))
            .join(Listing, Listing.store_id == Store.id)
            .where(Listing.item_id.is_not(None))
            .group_by(Store.name)
        ).all()
    return {name: count for name, count in rows}


@dataclass(frozen=True)
class StoreProgress:
    """One store: the stock Lapak wants for each published SKU, and its orders' statuses."""

    store: str
    desired_stock: dict[str, int]
    """SKU → the stock Lapak wants on the marketplace, for listings bound to an item."""
    order_statuses: dict[str, str]
    """The marketplace's order id → the order's status in Lapak."""


def store_progress(db: Database) -> list[StoreProgress]:
    """Every store, by name."""
    found = []
    with db.session() as session:
        for store in session.scalars(select(Store).order_by(Store.name)):
            listings = session.scalars(
                select(Listing).where(Listing.store_id == store.id, Listing.item_id.is_not(None))
            ).all()
            orders = session.execute(
                select(Order.external_id, Order.status).where(Order.store_id == store.id)
            ).all()
            found.append(
                StoreProgress(
                    store=store.name,
                    desired_stock={x.product.sku: x.desired_stock for x in listings},
                    order_statuses={external_id: status for external_id, status in orders},
                )
            )
    return found


def reserved_units(db: Database) -> tuple[int, int]:
    """(units reserved for open orders, of those the units beyond a product's stock on hand)."""
    with db.session() as session:
        held = dict(
            session.execute(
                select(Reservation.product_id, func.sum(Reservation.quantity))
                .where(Reservation.state == "active")
                .group_by(Reservation.product_id)
            ).all()
        )
        on_hand = dict(session.execute(select(Product.id, Product.on_hand)).all())
    beyond = sum(max(0, units - on_hand[product]) for product, units in held.items())
    return sum(held.values()), beyond
