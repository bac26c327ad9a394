"""Pulling a store's orders into the queue (docs/rules.md, rule 5).

Each pull asks for orders updated in [cursor − overlap, now], so an order updated while
the previous pull ran is seen again rather than missed; intake is idempotent, so seeing it
twice is harmless. The cursor advances only after every order of the pull is stored.
"""

from __future__ import annotations

import json
import reprlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from lapak.sync.changes import chunked, products_changed
from lapak.sync.orders import IntakeResult, ingest_store_orders
from lapak.sync.protocol import Connector, PermanentError
from lapak.sync.store.db import Database
from lapak.sync.store.models import Listing, PullCursor, Store, utcnow
from lapak.sync.types import RemoteOrder
from sqlalchemy import func, select
from sqlalchemy.orm import Session

log = structlog.get_logger(__name__)

OVERLAP = timedelta(minutes=10)
FIRST_LOOKBACK = timedelta(days=3)
"""How far before the store was connected the first pull looks, for orders still open."""


@dataclass
class PullReport:
    seen: int = 0
    new_orders: int = 0
    updated_orders: int = 0
    oversold_orders: int = 0
    stores_to_push: set[int] = field(default_factory=set)
    unreadable: list[dict[str, Any]] = field(default_factory=list)
    """Orders the marketplace answered with something unreadable: id, error, raw payload."""

    def as_counts(self) -> dict[str, Any]:
        counts: dict[str, Any] = {
            "seen": self.seen,
            "new": self.new_orders,
            "updated": self.updated_orders,
        }
        if self.oversold_orders:
            counts["oversold"] = self.oversold_orders
        if self.unreadable:
            counts["unreadable"] = len(self.unreadable)
            counts["unreadable_orders"] = self.unreadable[:MAX_KEPT_UNREADABLE]
        return counts


MAX_KEPT_UNREADABLE = 20
RAW_LIMIT = 4_000
"""Characters of an unreadable payload kept on the job event."""


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
        if _has_holds(session, store_id):
            report.stores_to_push.add(store_id)  # every sale up to `now` is in: release them
    return report


def holds_waiting(db: Database, store_id: int) -> bool:
    """The store has increases held back (`sync.stock_check`) that no pull has covered yet:
    a pull now releases the genuine ones."""
    with db.session() as session:
        cursor = session.get(PullCursor, store_id)
        query = select(func.min(Listing.held_since)).where(Listing.store_id == store_id)
        oldest = session.scalar(query)
        return oldest is not None and (cursor is None or cursor.pulled_until <= oldest)


def _has_holds(session: Session, store_id: int) -> bool:
    query = select(Listing.id).where(Listing.store_id == store_id, Listing.held_since.is_not(None))
    return session.scalar(query.limit(1)) is not None


def fetch_orders(
    db: Database, store_id: int, connector: Connector, external_ids: Sequence[str]
) -> PullReport:
    """Fetch these orders (a pull's, or a webhook's) and take them in.

    An order the marketplace answers with garbage fails alone: its batch is fetched again
    one order at a time, the unreadable one is reported with its raw payload (the job
    event keeps it) and the others are taken in."""
    report = PullReport(seen=len(external_ids))
    batch = connector.limits.order_detail_batch
    for chunk in chunked(external_ids, batch):
        for orders in _readable(connector, chunk, report):
            _take_in(db, store_id, orders, report)
    return report


def _readable(
    connector: Connector, external_ids: list[str], report: PullReport
) -> Iterator[list[RemoteOrder]]:
    try:
        yield connector.get_orders(external_ids)
        return
    except PermanentError as error:
        if len(external_ids) > 1:
            for external_id in external_ids:
                yield from _readable(connector, [external_id], report)
            return
        report.unreadable.append(
            {
                "order": external_ids[0],
                "error": str(error)[:500],
                "raw": _clip(error.raw),
            }
        )
        log.warning("order_unreadable", order=external_ids[0], error=str(error)[:500])


def _take_in(db: Database, store_id: int, orders: list[RemoteOrder], report: PullReport) -> None:
    def work(session: Session) -> tuple[IntakeResult, set[int]]:
        intake = ingest_store_orders(session, store_id, orders)  # locks the orders' products
        # What intake read or wrote under those locks is not read again.
        stores = products_changed(
            session,
            intake.changed_product_ids,
            locked=True,
            reserved=intake.reserved,
            stores=intake.stores,
        )
        if intake.own_stock_unconfirmed:
            stores.add(store_id)
        return intake, stores

    intake, stores = db.transaction(work)
    report.stores_to_push |= stores
    report.new_orders += intake.new_orders
    report.updated_orders += intake.updated_orders
    report.oversold_orders += intake.oversold_orders


def _clip(raw: Any) -> Any:
    """A raw payload small enough for a job event (JSON-safe)."""
    if raw is None:
        return None
    try:
        text = raw if isinstance(raw, str) else json.dumps(raw, default=str, ensure_ascii=False)
    except (RecursionError, ValueError):  # nested beyond what JSON can write
        text = _SHALLOW.repr(raw)
    return text[:RAW_LIMIT]


_SHALLOW = reprlib.Repr()
_SHALLOW.maxlevel, _SHALLOW.maxstring, _SHALLOW.maxother = 20, RAW_LIMIT, 200
