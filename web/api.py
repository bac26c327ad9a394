"""The resellers' queue as JSON under `/api/` (for a mobile app), documented by OpenAPI.

Same rules and same authorization as the pages: a reseller (`Authorization: Bearer
<token>`, or the page's cookie session) sees and acts on the orders of their own stores
only. Statuses: 401 no or invalid token, 403 an order or store that is not theirs (or the
operator's token), 404 no such order, 409 the order is claimed by someone else or not in a
state for that action, 422 an invalid body or filter.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, HTTPException, Query, Request
from lapak.config.models import Reseller
from lapak.sync import queue as order_queue
from lapak.sync.history import (
    QUEUE_STATES,
    QUEUE_STATUSES,
    ShippedOrder,
    queue_orders,
    shipped_orders,
)
from lapak.sync.queue import QueueError, QueueOrder
from lapak.sync.store.models import utcnow
from lapak.web.ids import Offset, RowId
from lapak.web.reseller import describe_conflict
from lapak.web.sessions import CurrentReseller, dispatcher_of, runtime_of
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

QueueStatus = Literal["ready_to_ship", "unpaid"]
QueueState = Literal["unclaimed", "mine", "others", "packed", "sending", "refused"]
assert set(get_args(QueueStatus)) == set(QUEUE_STATUSES)
assert set(get_args(QueueState)) == set(QUEUE_STATES)


class Problem(BaseModel):
    """Why a request was refused."""

    detail: str


class LineOut(BaseModel):
    sku: str
    name: str
    quantity: int
    unit_price: Decimal = Field(description="Price of one unit, a decimal string.")
    line_total: Decimal = Field(description="quantity × unit_price, a decimal string.")


class OrderOut(BaseModel):
    """An order of the reseller's queue, as the queue page shows it."""

    id: int
    store: str
    platform: str
    external_id: str = Field(description="The marketplace's own order number.")
    status: str = Field(description="unpaid, ready_to_ship, shipped, completed, cancelled…")
    ship_by: datetime | None = Field(description="The marketplace's ship-by deadline (UTC).")
    seconds_left: int | None = Field(
        description="Seconds until `ship_by` when this answer was made; negative: overdue "
        "(None once shipped)."
    )
    buyer_name: str
    buyer_city: str
    total: Decimal
    currency: str
    lines: list[LineOut]
    claimed_by: str | None = Field(description="Who holds the claim, if it has not expired.")
    claim_expires_at: datetime | None
    packed_at: datetime | None
    tracking_number: str | None
    ship_state: Literal["none", "requested", "confirmed", "failed"] = Field(
        description="none → requested (shipped here) → confirmed by the marketplace, "
        "or failed: the marketplace refused (see ship_error)."
    )
    ship_error: str | None = Field(description="The marketplace's refusal, when it refused.")
    marketplace_confirmed: bool
    unmapped_skus: list[str]
    oversold_units: int = Field(
        description="Units this order took beyond what was available when it reached Lapak "
        "(two stores sold the last units at once): check stock before packing."
    )

    @classmethod
    def of(cls, order: QueueOrder, now: datetime | None = None) -> OrderOut:
        now = now or datetime.now(UTC)
        held = order.claimed_by is not None and (order.claim_expires_at or now) >= now
        return cls(
            id=order.id,
            store=order.store,
            platform=order.platform,
            external_id=order.external_id,
            status=order.status,
            ship_by=order.ship_by,
            seconds_left=(
                int((order.ship_by - now).total_seconds())
                if order.ship_by and order.status in QUEUE_STATUSES
                else None
            ),
            buyer_name=order.buyer_name,
            buyer_city=order.buyer_city,
            total=order.total,
            currency=order.currency,
            lines=[
                LineOut(
                    sku=ln.sku,
                    name=ln.name,
                    quantity=ln.quantity,
                    unit_price=ln.unit_price,
                    line_total=ln.line_total,
                )
                for ln in order.lines
            ],
            claimed_by=order.claimed_by if held else None,
            claim_expires_at=order.claim_expires_at if held else None,
            packed_at=order.packed_at,
            tracking_number=order.tracking_number,
            ship_state=order.ship_state,  # type: ignore[arg-type]
            ship_error=order.ship_error,
            marketplace_confirmed=order.ship_state == "confirmed",
            unmapped_skus=list(order.unmapped_skus),
            oversold_units=order.oversold_units,
        )


class ShippedOut(OrderOut):
    shipped_by: str | None = Field(description="Who shipped it through Lapak (None: elsewhere).")
    updated_at: datetime

    @classmethod
    def of_row(cls, row: ShippedOrder) -> ShippedOut:
        base = OrderOut.of(row.order).model_dump()
        return cls(**base, shipped_by=row.shipped_by, updated_at=row.updated_at)


class ShipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tracking_number: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)
    ] = Field(description="The courier's tracking number (airway bill), 1 to 64 characters.")


class MeOut(BaseModel):
    name: str
    stores: list[str]


Responses = dict[int | str, dict[str, Any]]
"""The documented answers of a route (FastAPI's `responses`), beside its 200."""
_AUTH: Responses = {401: {"model": Problem, "description": "No or invalid token."}}
_MINE: Responses = {
    **_AUTH,
    403: {"model": Problem, "description": "Not one of your stores' orders."},
    404: {"model": Problem, "description": "No such order."},
}
_ACT: Responses = {
    **_MINE,
    409: {"model": Problem, "description": "Claimed by someone else, or not in a state for it."},
}

router = APIRouter(prefix="/api", tags=["reseller queue"], responses=_AUTH)

_STATUS = {"not_found": 404, "forbidden": 403, "conflict": 409, "invalid": 422}


def _refused(
    request: Request, reseller: Reseller, order_id: int, action: str, error: QueueError
) -> HTTPException:
    if error.kind == "conflict":
        reason = describe_conflict(request, reseller, order_id, action, error, language="en")
        return HTTPException(409, reason)
    if error.kind == "forbidden":
        return HTTPException(403, f"order {order_id} is not of your stores")
    return HTTPException(_STATUS.get(error.kind, 400), str(error))


def _check_store(reseller: Reseller, store: str | None) -> None:
    if store is not None and store not in reseller.stores:
        raise HTTPException(403, f"{store} is not one of your stores")


@router.get("/me", response_model=MeOut, summary="Who the token belongs to")
def me(reseller: CurrentReseller) -> MeOut:
    return MeOut(name=reseller.name, stores=list(reseller.stores))


@router.get(
    "/orders",
    response_model=list[OrderOut],
    responses={403: {"model": Problem, "description": "Not one of your stores."}},
    summary="The queue: your stores' orders, most urgent ship-by first",
)
def list_queue(
    request: Request,
    reseller: CurrentReseller,
    store: Annotated[str | None, Query(description="Only this store (one of yours).")] = None,
    status: Annotated[QueueStatus, Query(description="Order status.")] = "ready_to_ship",
    state: Annotated[QueueState | None, Query(description="Where it stands in the queue.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[OrderOut]:
    _check_store(reseller, store)
    now = utcnow()
    orders = queue_orders(
        runtime_of(request).db,
        reseller.stores,
        reseller=reseller.name,
        store=store,
        status=status,
        state=state,
        now=now,
        limit=limit,
    )
    return [OrderOut.of(order, now) for order in orders]


@router.get(
    "/history",
    response_model=list[ShippedOut],
    responses={403: {"model": Problem, "description": "Not one of your stores."}},
    summary="Shipped orders of your stores, most recent first",
)
def history(
    request: Request,
    reseller: CurrentReseller,
    store: Annotated[str | None, Query(description="Only this store (one of yours).")] = None,
    mine: Annotated[bool, Query(description="Only those you shipped.")] = False,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ShippedOut]:
    _check_store(reseller, store)
    rows = shipped_orders(
        runtime_of(request).db,
        reseller.stores,
        store=store,
        shipped_by=reseller.name if mine else None,
        offset=offset,
        limit=limit,
    )
    return [ShippedOut.of_row(row) for row in rows]


@router.get("/orders/{order_id}", response_model=OrderOut, responses=_MINE, summary="One order")
def get_order(request: Request, reseller: CurrentReseller, order_id: RowId) -> OrderOut:
    try:
        return OrderOut.of(order_queue.get_order(runtime_of(request).db, order_id, reseller.stores))
    except QueueError as error:
        raise _refused(request, reseller, order_id, "see", error) from None


@router.post(
    "/orders/{order_id}/claim",
    response_model=OrderOut,
    responses=_ACT,
    summary="Claim an order (or keep your claim 30 minutes more)",
)
def claim(request: Request, reseller: CurrentReseller, order_id: RowId) -> OrderOut:
    try:
        db = runtime_of(request).db
        return OrderOut.of(order_queue.claim(db, reseller.name, reseller.stores, order_id))
    except QueueError as error:
        raise _refused(request, reseller, order_id, "claim", error) from None


@router.post(
    "/orders/{order_id}/release",
    response_model=OrderOut,
    responses=_ACT,
    summary="Give your claim up",
)
def release(request: Request, reseller: CurrentReseller, order_id: RowId) -> OrderOut:
    db = runtime_of(request).db
    try:
        order_queue.release(db, reseller.name, reseller.stores, order_id)
        return OrderOut.of(order_queue.get_order(db, order_id, reseller.stores))
    except QueueError as error:
        raise _refused(request, reseller, order_id, "release", error) from None


@router.post(
    "/orders/{order_id}/pack",
    response_model=OrderOut,
    responses=_ACT,
    summary="Mark an order you hold as packed",
)
def pack(request: Request, reseller: CurrentReseller, order_id: RowId) -> OrderOut:
    try:
        db = runtime_of(request).db
        return OrderOut.of(order_queue.mark_packed(db, reseller.name, reseller.stores, order_id))
    except QueueError as error:
        raise _refused(request, reseller, order_id, "pack", error) from None


@router.post(
    "/orders/{order_id}/ship",
    response_model=OrderOut,
    status_code=202,
    responses=_ACT,
    summary="Ship an order you hold with its tracking number",
    description="Accepted: the marketplace is asked to mark it shipped; `ship_state` goes "
    "`requested`, then `confirmed`, or `failed` with the marketplace's `ship_error`.",
)
def ship(request: Request, reseller: CurrentReseller, order_id: RowId, body: ShipIn) -> OrderOut:
    try:
        done = order_queue.ship(
            runtime_of(request).db,
            dispatcher_of(request),
            reseller.name,
            reseller.stores,
            order_id,
            body.tracking_number,
        )
    except QueueError as error:
        raise _refused(request, reseller, order_id, "ship", error) from None
    return OrderOut.of(done)
