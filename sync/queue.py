"""The resellers' unified order queue (issue: claim, release, pack, ship with tracking).

A reseller sees only orders of the stores the config assigns to them. Claiming is a lease
(`CLAIM_TTL`) taken with one conditional UPDATE, so two resellers cannot hold the same
order; an expired lease can be taken over. Shipping records the tracking number and asks
for a `ship_order` job; the order counts as shipped once the marketplace confirms it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from lapak.sync.dispatch import Dispatcher
from lapak.sync.i18n import DEFAULT_ZONE
from lapak.sync.store.db import Database
from lapak.sync.store.dialect import affected
from lapak.sync.store.models import Order, Store, utcnow
from lapak.sync.types import OrderStatus
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, selectinload

CLAIM_TTL = timedelta(minutes=30)
SHIPPABLE = ("none", "failed")


class QueueError(Exception):
    """A queue action that cannot be done; `kind` is not_found, forbidden or conflict."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class QueueLine:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal = Decimal(0)

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity

    def as_json(self) -> dict[str, Any]:
        """Amounts as decimal strings ("103000.00"), as the order's `total`."""
        return {
            "sku": self.sku,
            "name": self.name,
            "quantity": self.quantity,
            "unit_price": str(self.unit_price),
            "line_total": str(self.line_total),
        }


@dataclass(frozen=True)
class QueueOrder:
    id: int
    store: str
    platform: str
    external_id: str
    status: str
    ship_by: datetime | None
    buyer_name: str
    buyer_city: str
    total: Decimal
    currency: str
    lines: tuple[QueueLine, ...]
    claimed_by: str | None
    claim_expires_at: datetime | None
    packed_at: datetime | None
    tracking_number: str | None
    ship_state: str
    ship_error: str | None
    unmapped_skus: tuple[str, ...]
    oversold_units: int = 0
    """Units this order took beyond what was available (`sync.oversold`)."""
    timezone: str = DEFAULT_ZONE
    """The store's zone (`[[stores]] timezone`: WIB, WITA, WIT or an IANA name): its
    resellers read the order's times in it."""

    def as_json(self) -> dict[str, Any]:
        def when(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "store": self.store,
            "platform": self.platform,
            "external_id": self.external_id,
            "status": self.status,
            "ship_by": when(self.ship_by),
            "buyer_name": self.buyer_name,
            "buyer_city": self.buyer_city,
            "total": str(self.total),
            "currency": self.currency,
            "lines": [line.as_json() for line in self.lines],
            "claimed_by": self.claimed_by,
            "claim_expires_at": when(self.claim_expires_at),
            "packed_at": when(self.packed_at),
            "tracking_number": self.tracking_number,
            "ship_state": self.ship_state,
            "ship_error": self.ship_error,
            "unmapped_skus": list(self.unmapped_skus),
            "oversold_units": self.oversold_units,
            "timezone": self.timezone,
        }


Zones = Mapping[str, str]
"""Each store's time zone by store name (`LapakConfig.zones`); a store not named is WIB."""


def _view(order: Order, zones: Zones | None = None) -> QueueOrder:
    return QueueOrder(
        id=order.id,
        store=order.store.name,
        platform=order.store.platform,
        external_id=order.external_id,
        status=order.status,
        ship_by=order.ship_by,
        buyer_name=order.buyer_name,
        buyer_city=order.buyer_city,
        total=order.total,
        currency=order.currency,
        lines=tuple(QueueLine(ln.sku, ln.name, ln.quantity, ln.unit_price) for ln in order.lines),
        claimed_by=order.claimed_by,
        claim_expires_at=order.claim_expires_at,
        packed_at=order.packed_at,
        tracking_number=order.tracking_number,
        ship_state=order.ship_state,
        ship_error=order.ship_error,
        unmapped_skus=tuple(order.unmapped_skus or ()),
        oversold_units=order.oversold_units,
        timezone=(zones or {}).get(order.store.name, DEFAULT_ZONE),
    )


def list_orders(
    db: Database,
    stores: Collection[str] | None = None,
    *,
    statuses: Collection[str] = (OrderStatus.READY_TO_SHIP.value,),
    limit: int = 500,
    zones: Zones | None = None,
) -> list[QueueOrder]:
    """Orders of these stores (None: all) in these statuses, most urgent ship-by first."""
    query = (
        select(Order)
        .join(Store, Order.store_id == Store.id)
        .options(selectinload(Order.lines))
        .where(Order.status.in_(list(statuses)))
        .order_by(Order.ship_by.is_(None), Order.ship_by, Order.remote_created_at, Order.id)
        .limit(limit)
    )
    if stores is not None:
        query = query.where(Store.name.in_(list(stores)))
    with db.session() as session:
        return [_view(order, zones) for order in session.scalars(query)]


def get_order(
    db: Database,
    order_id: int,
    stores: Collection[str] | None = None,
    *,
    zones: Zones | None = None,
) -> QueueOrder:
    with db.session() as session:
        return _view(_visible(session, order_id, stores), zones)


def _visible(session: Session, order_id: int, stores: Collection[str] | None) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise QueueError("not_found", f"order {order_id} does not exist")
    if stores is not None and order.store.name not in stores:
        raise QueueError("forbidden", f"order {order_id} is not of your stores")
    return order


def claim(
    db: Database,
    reseller: str,
    stores: Collection[str] | None,
    order_id: int | None = None,
    *,
    now: datetime | None = None,
) -> QueueOrder:
    """Take a lease on an order (None: the most urgent one nobody holds)."""
    now = now or utcnow()
    if order_id is None:
        free = [
            o
            for o in list_orders(db, stores)
            if o.ship_state in SHIPPABLE
            and (o.claimed_by in (None, reseller) or (o.claim_expires_at or now) < now)
        ]
        if not free:
            raise QueueError("not_found", "no order is waiting to be claimed")
        order_id = free[0].id
    with db.session() as session:
        _visible(session, order_id, stores)
        taken = affected(
            session.execute(
                update(Order)
                .where(
                    Order.id == order_id,
                    Order.status == OrderStatus.READY_TO_SHIP.value,
                    Order.ship_state.in_(SHIPPABLE),
                    or_(
                        Order.claimed_by.is_(None),
                        Order.claimed_by == reseller,
                        Order.claim_expires_at < now,
                    ),
                )
                .values(claimed_by=reseller, claim_expires_at=now + CLAIM_TTL)
                .execution_options(synchronize_session=False)
            )
        )
        if not taken:
            raise QueueError("conflict", f"order {order_id} is claimed by someone else or done")
    return get_order(db, order_id, stores)


def release(db: Database, reseller: str, stores: Collection[str] | None, order_id: int) -> None:
    with db.session() as session:
        order = _held(session, order_id, reseller, stores)
        order.claimed_by = None
        order.claim_expires_at = None


def mark_packed(
    db: Database, reseller: str, stores: Collection[str] | None, order_id: int
) -> QueueOrder:
    with db.session() as session:
        _held(session, order_id, reseller, stores).packed_at = utcnow()
    return get_order(db, order_id, stores)


def ship(
    db: Database,
    dispatcher: Dispatcher,
    reseller: str,
    stores: Collection[str] | None,
    order_id: int,
    tracking_number: str,
) -> QueueOrder:
    """Record the tracking number and ask the marketplace to mark the order shipped."""
    tracking_number = tracking_number.strip()
    if not tracking_number or len(tracking_number) > 64:
        raise QueueError("invalid", "tracking number must be 1 to 64 characters")
    with db.session() as session:
        order = _held(session, order_id, reseller, stores)
        if order.ship_state not in SHIPPABLE:
            raise QueueError("conflict", f"order {order_id} is already {order.ship_state}")
        order.tracking_number = tracking_number
        order.ship_state = "requested"
        order.ship_error = None
        order.shipped_by = reseller
        order.ship_job_at = None  # a new request: no job has taken it up yet
    dispatcher.ship(order_id)
    return get_order(db, order_id, stores)


def _held(session: Session, order_id: int, reseller: str, stores: Collection[str] | None) -> Order:
    """The order, if this reseller holds an unexpired claim on it (taken now if free)."""
    order = _visible(session, order_id, stores)
    now = utcnow()
    lease_ok = order.claimed_by == reseller and (order.claim_expires_at or now) >= now
    if not lease_ok:
        raise QueueError("conflict", f"claim order {order_id} first")
    return order
