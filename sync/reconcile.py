"""The reconciler's questions: what is due, and what did someone change by hand?

Level-triggered sync heals lost jobs by asking the database what is due rather than
remembering what was sent. `read_back` compares each store's real stock with what Lapak
last confirmed there; a difference (a seller edited stock in the marketplace's own page)
makes the listing dirty again, and the next push restores the value Lapak computes.
"""

from __future__ import annotations

from lapak.sync.changes import chunked, refresh_dirty
from lapak.sync.protocol import Connector
from lapak.sync.store.db import Database
from lapak.sync.store.models import Listing, Product, Store, utcnow
from lapak.sync.types import ListingRef
from sqlalchemy import or_, select, update

READ_BATCH = 500


def stores_with_work(db: Database) -> set[int]:
    """Enabled stores with dirty listings that are not held by a permanent failure nor
    backing off after a transient one (their delayed push is on its way)."""
    with db.session() as session:
        return set(
            session.scalars(
                select(Listing.store_id)
                .join(Store, Store.id == Listing.store_id)
                .where(
                    Store.enabled.is_(True),
                    Listing.dirty,
                    Listing.failed.is_(False),
                    or_(Listing.retry_at.is_(None), Listing.retry_at <= utcnow()),
                )
                .distinct()
            )
        )


def read_back(db: Database, store_id: int, connector: Connector) -> int:
    """Re-read stock of bound listings; returns how many drifted from the confirmed value."""
    with db.session() as session:
        bound = session.execute(
            select(Listing.id, Product.sku, Listing.item_id, Listing.variant_id)
            .join(Product, Product.id == Listing.product_id)
            .where(Listing.store_id == store_id, Listing.item_id.is_not(None))
            .order_by(Listing.id)
        ).all()
    drifted = 0
    for chunk in chunked(bound, READ_BATCH):
        refs = {
            ListingRef(sku, item_id, variant_id): lid for lid, sku, item_id, variant_id in chunk
        }
        remote = {found.ref: found.stock for found in connector.read_stock(list(refs))}
        changes = [
            {"id": refs[ref], "confirmed_stock": stock}
            for ref, stock in remote.items()
            if ref in refs
        ]
        with db.session() as session:
            confirmed = {
                listing_id: stock
                for listing_id, stock in session.execute(
                    select(Listing.id, Listing.confirmed_stock).where(
                        Listing.id.in_([c["id"] for c in changes])
                    )
                )
            }
            moved = [c for c in changes if confirmed.get(c["id"]) != c["confirmed_stock"]]
            if moved:
                session.execute(update(Listing), moved)
                refresh_dirty(session, [c["id"] for c in moved])
            drifted += len(moved)
    return drifted
