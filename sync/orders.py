"""The order status machine and order intake (docs/rules.md, rules 4 and 5).

Statuses only move forward (unpaid → ready to ship → shipped → completed → returned), so
events arriving out of order ("paid" before "created", a poll older than a webhook) cannot
move an order back. Cancellation is terminal and only possible before shipment; a return
(the parcel came back, or was refunded after shipping) is terminal too.

Each status implies what an order line's reservation must be: held while the order waits,
released when cancelled, deducted from on-hand stock when shipped, and for a return, put
back on hand (or simply released, when Lapak never saw the shipment). Reservations are
unique per order line and change state only forward (active → released | deducted,
deducted → returned), so intake is idempotent: pulling the same order twice, or by poll and
webhook both, reserves once, deducts once and restores once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lapak.sync.changes import lock_stock_rows, reserved_units
from lapak.sync.stock import available
from lapak.sync.store.dialect import affected, insert_ignore
from lapak.sync.store.models import Listing, Order, OrderLine, Product, Reservation, Store, utcnow
from lapak.sync.types import OrderStatus, RemoteOrder
from sqlalchemy import select, update
from sqlalchemy.orm import Session

RANK = {
    OrderStatus.UNPAID: 0,
    OrderStatus.READY_TO_SHIP: 1,
    OrderStatus.SHIPPED: 2,
    OrderStatus.COMPLETED: 3,
    OrderStatus.RETURNED: 4,
}
TERMINAL = frozenset({OrderStatus.CANCELLED, OrderStatus.RETURNED})


def next_status(current: OrderStatus | None, incoming: OrderStatus) -> OrderStatus:
    """The status an order takes when `incoming` is reported while it is `current`."""
    if current is None:
        return incoming
    if current in TERMINAL:
        return current
    if incoming is OrderStatus.CANCELLED:
        return incoming if RANK[current] < RANK[OrderStatus.SHIPPED] else current
    return incoming if RANK[incoming] > RANK[current] else current


def reservation_target(status: OrderStatus) -> str:
    """The state every reservation of an order in `status` must reach."""
    if status is OrderStatus.CANCELLED:
        return "released"
    if status in (OrderStatus.SHIPPED, OrderStatus.COMPLETED):
        return "deducted"
    if status is OrderStatus.RETURNED:
        return "returned"
    return "active"


@dataclass
class IntakeResult:
    new_orders: int = 0
    updated_orders: int = 0
    oversold_orders: int = 0
    changed_product_ids: set[int] = field(default_factory=set)
    own_stock_unconfirmed: bool = False
    """The store's own listings of these orders' products are to be pushed again."""


def ingest_orders(session: Session, store: Store, orders: Sequence[RemoteOrder]) -> IntakeResult:
    """Upsert orders by (store, external id) and bring their reservations in line.

    A new order or a status change also moved stock on the marketplace itself (at checkout
    on Shopee, at payment on WooCommerce, back on cancel…), each platform at its own
    moment: the store's stock for those products is no longer known to be what Lapak last
    confirmed, so it is pushed again (absolute values make that safe)."""
    result = IntakeResult()
    moved: set[int] = set()
    skus = {line.sku for remote in orders for line in remote.lines}
    products: dict[str, int] = {
        sku: product_id
        for sku, product_id in session.execute(
            select(Product.sku, Product.id).where(
                Product.merchant_id == store.merchant_id, Product.sku.in_(skus)
            )
        )
    }
    lock_stock_rows(session, products.values())
    for remote in sorted(orders, key=lambda order: order.external_id):
        created = _upsert_order(session, store, remote, products)
        order = _locked_order(session, store.id, remote.external_id)
        status = next_status(None if created else OrderStatus(order.status), remote.status)
        changed = _apply(session, store, order, status, first_seen=created)
        result.changed_product_ids |= changed
        if created:
            result.new_orders += 1
            result.oversold_orders += order.oversold_units > 0
        elif changed or order.status != status:
            result.updated_orders += 1
        if created or order.status != status:
            moved |= {products[ln.sku] for ln in remote.lines if ln.sku in products}
        order.status = status
        if remote.updated_at > order.remote_updated_at:
            order.remote_updated_at = remote.updated_at
            order.raw = remote.raw
    if moved:
        _recheck_stock(session, store.id, moved)
        result.own_stock_unconfirmed = True
    return result


def _recheck_stock(session: Session, store_id: int, product_ids: set[int]) -> None:
    """The marketplace moved these products' stock on its own (at checkout, payment or
    cancellation, each platform at its own moment): the next push reads it before writing.
    What Lapak last confirmed stays known: a marketplace showing less than that has sold
    something Lapak may not have taken in yet (see `sync.stock_check`)."""
    session.execute(
        update(Listing)
        .where(
            Listing.store_id == store_id,
            Listing.product_id.in_(product_ids),
            Listing.item_id.is_not(None),
        )
        .values(stock_recheck=True, dirty=True),
        execution_options={"synchronize_session": False},
    )


def _upsert_order(
    session: Session, store: Store, remote: RemoteOrder, products: dict[str, int]
) -> bool:
    """Insert the order and its lines unless present; True when the order is new."""
    inserted = insert_ignore(
        session,
        Order,
        [
            {
                "store_id": store.id,
                "external_id": remote.external_id,
                "status": remote.status.value,
                "buyer_name": remote.buyer_name[:120],
                "buyer_city": remote.buyer_city[:120],
                "currency": remote.currency,
                "total": remote.total,
                "ship_by": remote.ship_by,
                "remote_created_at": remote.created_at,
                "remote_updated_at": remote.updated_at,
                "raw": remote.raw,
                "unmapped_skus": sorted({ln.sku for ln in remote.lines if ln.sku not in products}),
            }
        ],
        ["store_id", "external_id"],
    )
    if inserted:
        order_id = session.scalar(
            select(Order.id).where(
                Order.store_id == store.id, Order.external_id == remote.external_id
            )
        )
        insert_ignore(
            session,
            OrderLine,
            [
                {
                    "order_id": order_id,
                    "line_key": line.line_key,
                    "sku": line.sku,
                    "product_id": products.get(line.sku),
                    "name": line.name[:255],
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                }
                for line in remote.lines
            ],
            ["order_id", "line_key"],
        )
    return inserted > 0


def _locked_order(session: Session, store_id: int, external_id: str) -> Order:
    """The order row, locked until commit (PostgreSQL), so concurrent intakes serialize."""
    query = select(Order).where(Order.store_id == store_id, Order.external_id == external_id)
    return session.scalars(query.with_for_update(of=Order, key_share=True)).one()


def advance(session: Session, order: Order, incoming: OrderStatus) -> set[int]:
    """Apply a status Lapak itself learned (a confirmed shipment); returns changed products."""
    status = next_status(OrderStatus(order.status), incoming)
    changed = _apply(session, order.store, order, status, first_seen=False)
    order.status = status
    return changed


def _apply(
    session: Session, store: Store, order: Order, status: OrderStatus, *, first_seen: bool
) -> set[int]:
    """Create missing reservations and move them to what `status` implies."""
    target = reservation_target(status)
    if first_seen and target != "active" and order.remote_created_at < store.connected_at:
        # Finished before Lapak took the store over: the on-hand count already reflects it.
        order.counts_stock = False
    if not order.counts_stock:
        return set()
    lines = session.scalars(
        select(OrderLine).where(OrderLine.order_id == order.id, OrderLine.product_id.is_not(None))
    ).all()
    changed: set[int] = set()
    if target != "released" or not first_seen:
        created = insert_ignore(
            session,
            Reservation,
            [
                {"order_line_id": ln.id, "product_id": ln.product_id, "quantity": ln.quantity}
                for ln in lines
            ],
            ["order_line_id"],
        )
        if created:
            changed |= {ln.product_id for ln in lines if ln.product_id is not None}
            if target in ("active", "deducted"):
                order.oversold_units = _oversold_units(session, lines)
    if target == "active":
        return changed
    if target == "returned":
        changed |= _restore_returned(session, lines)
        target = "released"  # units Lapak never saw leave are simply no longer held
    for line in lines:
        moved = affected(
            session.execute(
                update(Reservation)
                .where(Reservation.order_line_id == line.id, Reservation.state == "active")
                .values(state=target, updated_at=utcnow())
            )
        )
        if moved and line.product_id is not None:
            changed.add(line.product_id)
            if target == "deducted":
                session.execute(
                    update(Product)
                    .where(Product.id == line.product_id)
                    .values(on_hand=Product.on_hand - line.quantity)
                )
    return changed


def _oversold_units(session: Session, lines: Sequence[OrderLine]) -> int:
    """Units these newly reserved lines took beyond what was available (on hand less every
    active reservation, theirs included): under the product locks of `lock_stock_rows`,
    so each order is measured against the orders that reached Lapak before it."""
    wanted: dict[int, int] = {}
    for line in lines:
        if line.product_id is not None:
            wanted[line.product_id] = wanted.get(line.product_id, 0) + line.quantity
    if not wanted:
        return 0
    on_hand = dict(
        session.execute(select(Product.id, Product.on_hand).where(Product.id.in_(wanted))).all()
    )
    reserved = reserved_units(session, list(wanted))
    short = 0
    for product_id, quantity in wanted.items():
        left = available(on_hand[product_id], reserved.get(product_id, 0))
        short += min(quantity, max(0, -left))
    return short


def _restore_returned(session: Session, lines: Sequence[OrderLine]) -> set[int]:
    """Units of a returned order that were deducted come back on hand (once per line)."""
    changed: set[int] = set()
    for line in lines:
        back = affected(
            session.execute(
                update(Reservation)
                .where(Reservation.order_line_id == line.id, Reservation.state == "deducted")
                .values(state="returned", updated_at=utcnow())
            )
        )
        if back and line.product_id is not None:
            changed.add(line.product_id)
            session.execute(
                update(Product)
                .where(Product.id == line.product_id)
                .values(on_hand=Product.on_hand + line.quantity)
            )
    return changed
