"""The resellers' queue with filters, and the history of shipped orders (web pages and API).

`sync.queue` holds the actions (claim, release, pack, ship); this module holds the reads a
reseller filters: by store, by order status and by where an order stands in the queue's own
work (`QUEUE_STATES`), and the orders already shipped, most recent first. Both only ever
see the stores they are given.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from lapak.sync.queue import SHIPPABLE, QueueOrder, Zones, _view
from lapak.sync.store.db import Database
from lapak.sync.store.models import Order, Store, utcnow
from lapak.sync.types import OrderStatus
from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import selectinload

QUEUE_STATUSES = (OrderStatus.READY_TO_SHIP.value, OrderStatus.UNPAID.value)
"""Order statuses the queue can show: to ship now, and paid-for-soon (not claimable yet)."""
QUEUE_STATES = ("unclaimed", "mine", "others", "packed", "sending", "refused")
"""unclaimed: nobody holds it (or the claim expired); mine / others: an unexpired claim;
packed: packed, not yet shipped; sending: shipped, waiting for the marketplace to confirm;
refused: the marketplace refused the shipment (see `ship_error`)."""
HISTORY_STATUSES = (
    OrderStatus.SHIPPED.value,
    OrderStatus.COMPLETED.value,
    OrderStatus.RETURNED.value,
)


@dataclass(frozen=True)
class ShippedOrder:
    """A history row: the order, who shipped it through Lapak (None: shipped elsewhere, e.g.
    in the marketplace's seller centre) and when Lapak last saw it change."""

    order: QueueOrder
    shipped_by: str | None
    updated_at: datetime


def _state_filter(state: str, reseller: str, now: datetime) -> ColumnElement[bool]:
    held = and_(Order.claimed_by.is_not(None), Order.claim_expires_at >= now)
    workable = Order.ship_state.in_(SHIPPABLE)
    if state == "unclaimed":
        return and_(workable, or_(Order.claimed_by.is_(None), Order.claim_expires_at < now))
    if state == "mine":
        return and_(held, Order.claimed_by == reseller)
    if state == "others":
        return and_(held, Order.claimed_by != reseller)
    if state == "packed":
        return and_(workable, Order.packed_at.is_not(None))
    if state == "sending":
        return Order.ship_state == "requested"
    if state == "refused":
        return Order.ship_state == "failed"
    raise ValueError(f"unknown queue state {state!r}; one of {', '.join(QUEUE_STATES)}")


def queue_orders(
    db: Database,
    stores: Collection[str] | None,
    *,
    reseller: str,
    store: str | None = None,
    status: str | None = None,
    state: str | None = None,
    now: datetime | None = None,
    limit: int = 200,
    zones: Zones | None = None,
) -> list[QueueOrder]:
    """Orders of `stores` (None: all) still to ship, most urgent ship-by first, narrowed to
    one `store`, one `status` of `QUEUE_STATUSES` (default ready_to_ship) and one `state`
    of `QUEUE_STATES` as seen by `reseller`. A store outside `stores` gives nothing."""
    now = now or utcnow()
    status = status or OrderStatus.READY_TO_SHIP.value
    if status not in QUEUE_STATUSES:
        raise ValueError(f"unknown queue status {status!r}; one of {', '.join(QUEUE_STATUSES)}")
    query = (
        select(Order)
        .join(Store, Order.store_id == Store.id)
        .options(selectinload(Order.lines))
        .where(Order.status == status)
        .order_by(Order.ship_by.is_(None), Order.ship_by, Order.remote_created_at, Order.id)
        .limit(limit)
    )
    query = query.where(_store_filter(stores, store))
    if state:
        query = query.where(_state_filter(state, reseller, now))
    with db.session() as session:
        return [_view(order, zones) for order in session.scalars(query)]


def shipped_orders(
    db: Database,
    stores: Collection[str] | None,
    *,
    store: str | None = None,
    shipped_by: str | None = None,
    since: datetime | None = None,
    offset: int = 0,
    limit: int = 50,
    zones: Zones | None = None,
) -> list[ShippedOrder]:
    """Shipped (and later completed or returned) orders of `stores`, the most recently
    changed first; `shipped_by` keeps those one reseller shipped through Lapak, `since`
    those changed since then."""
    query = (
        select(Order)
        .join(Store, Order.store_id == Store.id)
        .options(selectinload(Order.lines))
        .where(Order.status.in_(HISTORY_STATUSES), _store_filter(stores, store))
        .order_by(Order.updated_at.desc(), Order.id.desc())
        .offset(offset)
        .limit(limit)
    )
    if shipped_by is not None:
        query = query.where(Order.shipped_by == shipped_by)
    if since is not None:
        query = query.where(Order.updated_at >= since)
    with db.session() as session:
        return [
            ShippedOrder(_view(order, zones), order.shipped_by, order.updated_at)
            for order in session.scalars(query)
        ]


def _store_filter(stores: Collection[str] | None, store: str | None) -> ColumnElement[bool]:
    names = None if stores is None else set(stores)
    if store is not None:
        if names is not None and store not in names:
            return false()
        names = {store}
    if names is None:
        return Store.id.is_not(None)
    return Store.name.in_(sorted(names))
