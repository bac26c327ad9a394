"""Oversold orders: an order that took units beyond what was available when it arrived.

Two stores can sell the last unit in the same second, before either sale reaches the other
store. Intake measures each new order against the orders that reached Lapak before it
(`sync.orders`, under the product locks) and keeps the shortfall on the order. Operators see
each such order beside the orders competing for the same products — the ones still holding
or having taken those units — so they can decide which buyer to disappoint; the reseller
sees the warning on the order's card before packing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lapak.sync.store.db import Database
from lapak.sync.store.models import Order, OrderLine, Reservation, Store
from lapak.sync.types import OrderStatus
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

OPEN = (OrderStatus.UNPAID.value, OrderStatus.READY_TO_SHIP.value)
COMPETITORS = 20
"""Competing orders shown per oversold order (the most recent first)."""


@dataclass(frozen=True, slots=True)
class Competitor:
    store: str
    external_id: str
    sku: str
    quantity: int
    status: str
    reservation: str
    ingested_at: datetime
    oversold_units: int


@dataclass(frozen=True, slots=True)
class OversoldOrder:
    id: int
    store: str
    external_id: str
    status: str
    oversold_units: int
    ingested_at: datetime
    skus: tuple[str, ...]
    competitors: tuple[Competitor, ...]


def oversold_orders(
    db: Database, *, open_only: bool = False, limit: int = 200
) -> list[OversoldOrder]:
    """Flagged orders, newest first, each with the orders competing for its products."""
    with db.session() as session:
        query = (
            select(Order.id, Store.name, Order.external_id, Order.status)
            .add_columns(Order.oversold_units, Order.ingested_at)
            .join(Store, Store.id == Order.store_id)
            .where(Order.oversold_units > 0)
            .order_by(Order.ingested_at.desc(), Order.id.desc())
            .limit(limit)
        )
        if open_only:
            query = query.where(Order.status.in_(OPEN))
        flagged = session.execute(query).all()
        views = []
        for order_id, store, external_id, status, units, ingested_at in flagged:
            lines = session.execute(
                select(OrderLine.sku, OrderLine.product_id).where(OrderLine.order_id == order_id)
            ).all()
            product_ids = [product_id for _, product_id in lines if product_id is not None]
            views.append(
                OversoldOrder(
                    id=order_id,
                    store=store,
                    external_id=external_id,
                    status=status,
                    oversold_units=units,
                    ingested_at=ingested_at,
                    skus=tuple(sku for sku, _ in lines),
                    competitors=_competitors(session, order_id, product_ids),
                )
            )
        return views


def _competitors(session: Session, order_id: int, product_ids: list[int]) -> tuple[Competitor, ...]:
    """Other orders whose reservations hold or took the same products' units."""
    if not product_ids:
        return ()
    line = aliased(OrderLine)
    rows = session.execute(
        select(
            Store.name,
            Order.external_id,
            line.sku,
            line.quantity,
            Order.status,
            Reservation.state,
            Order.ingested_at,
            Order.oversold_units,
        )
        .join(line, line.order_id == Order.id)
        .join(Reservation, Reservation.order_line_id == line.id)
        .join(Store, Store.id == Order.store_id)
        .where(
            line.product_id.in_(product_ids),
            Order.id != order_id,
            Reservation.state.in_(("active", "deducted")),
        )
        .order_by(Order.ingested_at.desc(), Order.id.desc())
        .limit(COMPETITORS)
    ).all()
    return tuple(Competitor(*row) for row in rows)


def open_oversold_counts(db: Database) -> dict[str, int]:
    """Oversold orders still to be shipped or cancelled, per store (a `/metrics` gauge)."""
    with db.session() as session:
        rows = session.execute(
            select(Store.name, func.count(Order.id))
            .join(Store, Store.id == Order.store_id)
            .where(Order.oversold_units > 0, Order.status.in_(OPEN))
            .group_by(Store.name)
        )
        return {store: int(count) for store, count in rows}
