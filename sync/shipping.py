"""Confirming a reseller's shipment with the marketplace (the `ship_order` job's work)."""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog
from lapak.sync.changes import lock_stock_rows, products_changed
from lapak.sync.orders import advance
from lapak.sync.protocol import Connector, PermanentError
from lapak.sync.store.db import Database
from lapak.sync.store.models import Order, OrderLine, utcnow
from lapak.sync.types import OrderStatus
from sqlalchemy import select
from sqlalchemy.orm import Session

log = structlog.get_logger(__name__)


@dataclass
class ShipReport:
    outcome: str
    stores_to_push: set[int] = field(default_factory=set)


def confirm_shipment(db: Database, order_id: int, connector: Connector) -> ShipReport:
    """Send a requested shipment; on acceptance the order is shipped and its stock deducted.

    A refusal is recorded on the order for the reseller to see; transient errors propagate
    so the job is retried, and the order stays `requested` until then.
    """
    with db.session() as session:
        order = session.get_one(Order, order_id)
        if order.ship_state != "requested" or not order.tracking_number:
            return ShipReport(outcome=f"skipped:{order.ship_state}")
        order.ship_job_at = utcnow()  # taken up: the reconciler leaves it to this call
        external_id, tracking = order.external_id, order.tracking_number
    try:
        recorded = connector.ship_order(external_id, tracking)
    except PermanentError as refused:
        with db.session() as session:
            order = session.get_one(Order, order_id)
            order.ship_state = "failed"
            order.ship_error = str(refused)
        log.warning("shipment_refused", order_id=order_id, error=str(refused))
        return ShipReport(outcome="refused")

    def confirmed(session: Session) -> set[int]:
        lock_stock_rows(session, _products_of(session, order_id))
        order = session.get_one(Order, order_id)
        order.ship_state = "confirmed"
        if recorded and recorded != tracking:
            log.info("tracking_assigned", order_id=order_id, by_marketplace=recorded)
            order.tracking_number = recorded
        order.claimed_by = order.claimed_by or order.shipped_by
        changed = advance(session, order, OrderStatus.SHIPPED)
        return products_changed(session, changed)

    return ShipReport(outcome="confirmed", stores_to_push=db.transaction(confirmed))


def _products_of(session: Session, order_id: int) -> list[int]:
    return [
        product_id
        for product_id in session.scalars(
            select(OrderLine.product_id).where(OrderLine.order_id == order_id)
        )
        if product_id is not None
    ]
