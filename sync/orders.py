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

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lapak.sync.changes import lock_stock_rows
from lapak.sync.reservations import NewLine, Settled, Settling, settle
from lapak.sync.store.dialect import among, inserted_rows
from lapak.sync.store.models import Listing, Order, OrderLine, Product, Store
from lapak.sync.types import OrderStatus, RemoteOrder
from sqlalchemy import ScalarSelect, select, update
from sqlalchemy.exc import NoResultFound
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
    reserved: dict[int, int] = field(default_factory=dict)
    """The kept reserved counts (`Product.reserved`) this intake read or moved, as its own
    writes left them, of products it holds locked (`sync.reservations.settle`): the
    listing recompute in the same transaction takes them (`products_changed(...,
    reserved=...)`) instead of reading them again."""
    stores: dict[int, list[Store]] = field(default_factory=dict)
    """The enabled stores of the store's merchant (by merchant id, in id order) when intake
    read them after taking its locks (`ingest_store_orders`), for the same recompute."""


def ingest_store_orders(
    session: Session, store_id: int, orders: Sequence[RemoteOrder]
) -> IntakeResult:
    """`ingest_orders` for the store of this id (`NoResultFound` when there is none).

    The store is read once, with every other store of its merchant, after the orders'
    products are locked: the listing recompute that follows in the same transaction
    (`products_changed(..., stores=result.stores)`) then selects no store again. Its merchant
    (which never changes) is a subquery of the products' lookup."""
    merchant = select(Store.merchant_id).where(Store.id == store_id).scalar_subquery()
    return _ingest(session, store_id, merchant, None, orders)


def ingest_orders(session: Session, store: Store, orders: Sequence[RemoteOrder]) -> IntakeResult:
    """Upsert orders by (store, external id) and bring their reservations in line.

    A new order or a status change also moved stock on the marketplace itself (at checkout
    on Shopee, at payment on WooCommerce, back on cancel…), each platform at its own
    moment: the store's stock for those products is no longer known to be what Lapak last
    confirmed, so it is pushed again (absolute values make that safe).

    The whole batch takes a few set-based statements (`sync.reservations`); the outcome is
    that of taking the orders in one by one, sorted by external id (an id reported twice is
    taken in twice, in the order given). The stock locks of the orders' products are taken
    first (`lock_stock_rows`) and held to the end of the transaction: every product in
    `changed_product_ids` is among them."""
    return _ingest(session, store.id, store.merchant_id, store, orders)


def _ingest(
    session: Session,
    store_id: int,
    merchant: int | ScalarSelect[int],
    known: Store | None,
    orders: Sequence[RemoteOrder],
) -> IntakeResult:
    """`ingest_orders`; the store read after the locks, with its merchant's, when not `known`."""
    result = IntakeResult()
    skus = {line.sku for remote in orders for line in remote.lines}
    products: dict[str, int] = {
        sku: product_id
        for sku, product_id in session.execute(
            select(Product.sku, Product.id).where(
                Product.merchant_id == merchant, among(session, Product.sku, skus)
            )
        )
    }
    lock_stock_rows(session, products.values())
    store = known or _merchant_stores(session, store_id, merchant, result)
    moved: set[int] = set()
    for batch in _once_each(sorted(orders, key=lambda order: order.external_id)):
        moved |= _ingest_batch(session, store, batch, products, result)
    if moved:
        _recheck_stock(session, store.id, moved)
        result.own_stock_unconfirmed = True
    return result


def _merchant_stores(
    session: Session, store_id: int, merchant: int | ScalarSelect[int], result: IntakeResult
) -> Store:
    """The store, and its merchant's enabled stores into `result.stores`, in one read."""
    found = session.scalars(
        select(Store).where(Store.merchant_id == merchant).order_by(Store.id)
    ).all()
    store = next((store for store in found if store.id == store_id), None)
    if store is None:
        raise NoResultFound(f"no store {store_id}")
    result.stores = {store.merchant_id: [other for other in found if other.enabled]}
    return store


def _once_each(orders: Sequence[RemoteOrder]) -> Iterator[list[RemoteOrder]]:
    """Batches in which each external id appears once, keeping the given order."""
    remaining = list(orders)
    while remaining:
        seen: set[str] = set()
        batch: list[RemoteOrder] = []
        later: list[RemoteOrder] = []
        for remote in remaining:
            (later if remote.external_id in seen else batch).append(remote)
            seen.add(remote.external_id)
        yield batch
        remaining = later


@dataclass
class _Known:
    """An order row as intake reads it (no ORM object: a batch holds many)."""

    id: int
    status: OrderStatus
    counts_stock: bool
    remote_updated_at: datetime
    first_seen: bool
    new_lines: tuple[NewLine, ...] | None = None
    """A new order's lines of catalog products, as inserted."""


def _ingest_batch(
    session: Session,
    store: Store,
    batch: list[RemoteOrder],
    products: dict[str, int],
    result: IntakeResult,
) -> set[int]:
    """Take in orders of distinct external ids; returns the products whose stock the
    marketplace moved itself (new orders, changed statuses)."""
    known = _insert_new(session, store, batch, products)
    known |= _locked_existing(
        session, store.id, [r.external_id for r in batch if r.external_id not in known]
    )
    statuses = {
        remote.external_id: next_status(
            None if known[remote.external_id].first_seen else known[remote.external_id].status,
            remote.status,
        )
        for remote in batch
    }
    counting = [remote for remote in batch if known[remote.external_id].counts_stock]
    settled = dict(
        zip(
            [remote.external_id for remote in counting],
            settle(
                session,
                [
                    Settling(
                        known[remote.external_id].id,
                        reservation_target(statuses[remote.external_id]),
                        known[remote.external_id].first_seen,
                        known[remote.external_id].new_lines,
                    )
                    for remote in counting
                ],
                result.reserved,
            ),
            strict=True,
        )
    )
    moved: set[int] = set()
    changes: list[dict[str, Any]] = []
    for remote in batch:
        row, status = known[remote.external_id], statuses[remote.external_id]
        outcome = settled.get(remote.external_id, Settled())
        result.changed_product_ids |= outcome.changed
        if row.first_seen:
            result.new_orders += 1
            result.oversold_orders += (outcome.oversold_units or 0) > 0
        elif outcome.changed or row.status != status:
            result.updated_orders += 1
        if row.first_seen or row.status != status:
            moved |= {products[ln.sku] for ln in remote.lines if ln.sku in products}
        change = _order_change(row, status, remote, outcome)
        if change:
            changes.append({"id": row.id, **change})
    for change in sorted(changes, key=lambda change: change["id"]):
        session.execute(
            update(Order).where(Order.id == change.pop("id")).values(**change),
            execution_options={"synchronize_session": False},
        )
    return moved


def _recheck_stock(session: Session, store_id: int, product_ids: set[int]) -> None:
    """The marketplace moved these products' stock on its own (at checkout, payment or
    cancellation, each platform at its own moment): the next push reads it before writing.
    What Lapak last confirmed stays known: a marketplace showing less than that has sold
    something Lapak may not have taken in yet (see `sync.stock_check`)."""
    session.execute(
        update(Listing)
        .where(
            Listing.store_id == store_id,
            among(session, Listing.product_id, product_ids),
            Listing.item_id.is_not(None),
        )
        .values(stock_recheck=True, dirty=True),
        execution_options={"synchronize_session": False},
    )


def _order_change(
    row: _Known, status: OrderStatus, remote: RemoteOrder, outcome: Settled
) -> dict[str, Any]:
    """The columns of the order row that take a new value."""
    change: dict[str, Any] = {}
    if status != row.status:
        change["status"] = status.value
    if outcome.oversold_units is not None and (outcome.oversold_units or not row.first_seen):
        change["oversold_units"] = outcome.oversold_units
    if remote.updated_at > row.remote_updated_at:
        change.update(remote_updated_at=remote.updated_at, raw=remote.raw)
    return change


def _insert_new(
    session: Session, store: Store, batch: list[RemoteOrder], products: dict[str, int]
) -> dict[str, _Known]:
    """Insert the orders not yet present, and their lines; the new ones by external id.

    An order finished before Lapak took the store over counts no stock: the on-hand count
    already reflects it."""
    rows: list[dict[str, Any]] = [
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
            "counts_stock": reservation_target(remote.status) == "active"
            or remote.created_at >= store.connected_at,
        }
        for remote in batch
    ]
    inserted = inserted_rows(
        session, Order, rows, ["store_id", "external_id"], Order.id, Order.external_id
    )
    ids = {external_id: order_id for order_id, external_id in inserted}
    lines = [
        {
            "order_id": ids[remote.external_id],
            "line_key": line.line_key,
            "sku": line.sku,
            "product_id": products.get(line.sku),
            "name": line.name[:255],
            "quantity": line.quantity,
            "unit_price": line.unit_price,
        }
        for remote in batch
        if remote.external_id in ids
        for line in remote.lines
    ]
    new_lines: dict[int, list[NewLine]] = {order_id: [] for order_id in ids.values()}
    for line_id, order_id, product_id, quantity in inserted_rows(
        session,
        OrderLine,
        lines,
        ["order_id", "line_key"],
        OrderLine.id,
        OrderLine.order_id,
        OrderLine.product_id,
        OrderLine.quantity,
    ):
        if product_id is not None:
            new_lines[order_id].append(NewLine(line_id, product_id, quantity))
    return {
        remote.external_id: _Known(
            ids[remote.external_id],
            remote.status,
            row["counts_stock"],
            remote.updated_at,
            first_seen=True,
            new_lines=tuple(new_lines[ids[remote.external_id]]),
        )
        for remote, row in zip(batch, rows, strict=True)
        if remote.external_id in ids
    }


def _locked_existing(session: Session, store_id: int, external_ids: list[str]) -> dict[str, _Known]:
    """These orders' rows, locked until commit in external id order (PostgreSQL), so
    concurrent intakes of the same orders serialize (docs/stock.md#no-deadlock-syncchangespy)."""
    if not external_ids:
        return {}
    query = (
        select(
            Order.external_id,
            Order.id,
            Order.status,
            Order.counts_stock,
            Order.remote_updated_at,
        )
        .where(Order.store_id == store_id, among(session, Order.external_id, external_ids))
        .order_by(Order.external_id)
        .with_for_update(key_share=True)
    )
    return {
        external_id: _Known(order_id, OrderStatus(status), counts_stock, updated, first_seen=False)
        for external_id, order_id, status, counts_stock, updated in session.execute(query)
    }


def advance(session: Session, order: Order, incoming: OrderStatus) -> set[int]:
    """Apply a status Lapak itself learned (a confirmed shipment); returns changed products."""
    status = next_status(OrderStatus(order.status), incoming)
    if order.counts_stock:
        (outcome,) = settle(
            session, [Settling(order.id, reservation_target(status), first_seen=False)]
        )
    else:
        outcome = Settled()
    if outcome.oversold_units is not None:
        order.oversold_units = outcome.oversold_units
    order.status = status
    return outcome.changed
