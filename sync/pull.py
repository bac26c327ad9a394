"""Pulling a store's orders into the queue (DESIGN rule 5).

Each pull asks for orders updated in [cursor − overlap, now], so an order updated while
the previous pull ran is seen again rather than missed; intake is idempotent, so seeing it
twice is harmless. The cursor advances only after every order of the pull is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sync.changes import chunked, products_changed
from sync.orders import ingest_orders
from sync.protocol import Connector
from sync.store.db import Database
from sync.store.models import PullCursor, Store, utcnow

OVERLAP = timedelta(minutes=10)
FIRST_LOOKBACK = timedelta(days=3)
"""How far before the store was connected the first pull looks, for orders still open."""


@dataclass
class PullReport:
    seen: int = 0
    new_orders: int = 0
    updated_orders: int = 0
    stores_to_push: set[int] = field(default_factory=set)

    def as_counts(self) -> dict[str, int]:
        return {"seen": self.seen, "new": self.new_orders, "updated": self.updated_orders}


def pull_orders(
    db: Database, store_id: int, connector: Connector, *, now: datetime | None = None
) -> PullReport:
    """Fetch every order updated since the cursor (minus the overlap) and take it in."""
    now = now or utcnow()
    with db.session() as session:
        store = session.get_one(Store, store_id)
        cursor = session.get(PullCursor, store_id)
        since = (cursor.pulled_until if cursor else store.connected_at - FIRST_LOOKBACK) - OVERLAP
    ids = list(dict.fromkeys(connector.list_order_ids(since, now)))
    report = fetch_orders(db, store_id, connector, ids)
    with db.session() as session:
        cursor = session.get(PullCursor, store_id)
        if cursor is None:
            session.add(PullCursor(store_id=store_id, pulled_until=now))
        elif now > cursor.pulled_until:
            cursor.pulled_until = now
        session.get_one(Store, store_id).last_pull_at = utcnow()
    return report


def fetch_orders(
    db: Database, store_id: int, connector: Connector, external_ids: Sequence[str]
) -> PullReport:
    """Fetch these orders (a pull's, or a webhook's) and take them in."""
    report = PullReport(seen=len(external_ids))
    batch = connector.limits.order_detail_batch
    for chunk in chunked(external_ids, batch):
        orders = connector.get_orders(chunk)
        with db.session() as session:
            store = session.get_one(Store, store_id)
            intake = ingest_orders(session, store, orders)
            report.stores_to_push |= products_changed(session, intake.changed_product_ids)
            if intake.own_stock_unconfirmed:
                report.stores_to_push.add(store_id)
        report.new_orders += intake.new_orders
        report.updated_orders += intake.updated_orders
    return report
