"""The resellers' pages: one queue of every order of their stores, most urgent first.

Server-rendered (Jinja2), made for a phone. Each action is a POST form answered by a 303
back to where the reseller was, with a flash message saying what happened or why not. The
rules live in `sync.queue` (one holder per order, claims that expire, shipping through the
`ship_order` job); the reads with filters in `sync.history`. A reseller sees and touches
only the orders of the stores the config gives them: anything else is a 403 page.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from config.models import Reseller
from sync import queue as order_queue
from sync.history import QUEUE_STATES, QUEUE_STATUSES, queue_orders, shipped_orders
from sync.queue import SHIPPABLE, QueueError, QueueOrder
from sync.store.models import utcnow
from web.ids import Page, RowId
from web.sessions import (
    OPERATOR_HOME,
    RESELLER_HOME,
    SIGN_IN_PATH,
    CurrentReseller,
    Operator,
    dispatcher_of,
    local_time,
    principal_of,
    read_form,
    redirect,
    render_page,
    runtime_of,
)

router = APIRouter(include_in_schema=False)

HISTORY_PAGE = 50
JUST_SHIPPED = timedelta(hours=24)
PLATFORM_NAMES = {
    "shopee": "Shopee",
    "tokopedia": "Tokopedia",
    "lazada": "Lazada",
    "tiktok": "TikTok Shop",
    "shopify": "Shopify",
    "woocommerce": "WooCommerce",
}
STATE_LABELS = {
    "": "Everything",
    "unclaimed": "Not claimed",
    "mine": "Claimed by me",
    "others": "Claimed by others",
    "packed": "Packed",
    "sending": "Waiting for marketplace",
    "refused": "Refused by marketplace",
}
STATUS_LABELS = {"ready_to_ship": "To ship", "unpaid": "Not paid yet"}


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform.title())


def order_view(order: QueueOrder, reseller: str, now: datetime) -> dict[str, Any]:
    """What a reseller can do with an order right now, and how to say where it stands."""
    held = order.claimed_by is not None and (order.claim_expires_at or now) >= now
    mine = held and order.claimed_by == reseller
    workable = order.status == "ready_to_ship" and order.ship_state in SHIPPABLE
    urgency = ""
    if order.ship_by is not None:
        left = order.ship_by - now
        urgency = (
            "late" if left.total_seconds() < 0 else "soon" if left < timedelta(hours=6) else ""
        )
    return {
        "order": order,
        "platform_name": platform_name(order.platform),
        "mine": mine,
        "held_by_other": held and not mine,
        "can_claim": workable and not held,
        "can_extend": workable and mine,
        "can_work": workable and mine,
        "urgency": urgency,
    }


@router.get("/", include_in_schema=False)
def home(request: Request) -> Response:
    principal = principal_of(request)
    if principal is None:
        return RedirectResponse(SIGN_IN_PATH, status_code=303)
    return RedirectResponse(
        OPERATOR_HOME if isinstance(principal, Operator) else RESELLER_HOME, status_code=303
    )


@router.get(RESELLER_HOME, response_class=HTMLResponse)
def queue_page(
    request: Request,
    reseller: CurrentReseller,
    store: str | None = None,
    status: str | None = None,
    state: str | None = None,
) -> HTMLResponse:
    status = status or "ready_to_ship"
    if store and store not in reseller.stores:
        return error_page(request, 403, f"{store} is not one of your stores.")
    if status not in QUEUE_STATUSES:
        allowed = ", ".join(QUEUE_STATUSES)
        return error_page(request, 422, f"Unknown status {status!r}: use one of {allowed}.")
    if state and state not in QUEUE_STATES:
        allowed = ", ".join(QUEUE_STATES)
        return error_page(request, 422, f"Unknown state {state!r}: use one of {allowed}.")
    runtime = runtime_of(request)
    now = utcnow()
    orders = queue_orders(
        runtime.db,
        reseller.stores,
        reseller=reseller.name,
        store=store,
        status=status,
        state=state or None,
        now=now,
    )
    in_queue = {order.id for order in orders}
    just_shipped = [  # confirmed between the two reads: shown once, in the queue, till reload
        row
        for row in shipped_orders(
            runtime.db,
            reseller.stores,
            shipped_by=reseller.name,
            since=now - JUST_SHIPPED,
            limit=20,
        )
        if row.order.id not in in_queue
    ]
    query = {k: v for k, v in (("store", store), ("status", status), ("state", state)) if v}
    return render_page(
        request,
        "queue.html",
        {
            "nav": "queue",
            "orders": [order_view(o, reseller.name, now) for o in orders],
            "just_shipped": just_shipped,
            "stores": reseller.stores,
            "store": store or "",
            "status": status,
            "state": state or "",
            "statuses": STATUS_LABELS,
            "states": STATE_LABELS,
            "back": RESELLER_HOME + (f"?{urlencode(query)}" if query else ""),
            "platform_name": platform_name,
        },
    )


@router.get("/history", response_class=HTMLResponse)
def history_page(
    request: Request,
    reseller: CurrentReseller,
    store: str | None = None,
    mine: bool = False,
    page: Page = 1,
) -> HTMLResponse:
    if store and store not in reseller.stores:
        return error_page(request, 403, f"{store} is not one of your stores.")
    page = max(page, 1)
    rows = shipped_orders(
        runtime_of(request).db,
        reseller.stores,
        store=store,
        shipped_by=reseller.name if mine else None,
        offset=(page - 1) * HISTORY_PAGE,
        limit=HISTORY_PAGE + 1,
    )
    query: dict[str, Any] = {
        k: v for k, v in (("store", store), ("mine", "1" if mine else None)) if v
    }
    return render_page(
        request,
        "history.html",
        {
            "nav": "history",
            "rows": rows[:HISTORY_PAGE],
            "stores": reseller.stores,
            "store": store or "",
            "mine": mine,
            "page": page,
            "newer": f"/history?{urlencode({**query, 'page': page - 1})}" if page > 1 else None,
            "older": (
                f"/history?{urlencode({**query, 'page': page + 1})}"
                if len(rows) > HISTORY_PAGE
                else None
            ),
            "platform_name": platform_name,
        },
    )


def describe_conflict(
    request: Request, reseller: Reseller, order_id: int, action: str, error: QueueError
) -> str:
    """Why an action on an order could not be done, in the reseller's terms."""
    try:
        order = order_queue.get_order(runtime_of(request).db, order_id, reseller.stores)
    except QueueError:
        return str(error)
    now = utcnow()
    label = f"Order {order.external_id}"
    held = order.claimed_by is not None and (order.claim_expires_at or now) >= now
    if held and order.claimed_by != reseller.name:
        until = local_time(order.claim_expires_at, "%H:%M")
        return f"{label} is claimed by {order.claimed_by} (until {until} WIB). Pick another one."
    if order.ship_state == "requested":
        return f"{label} is already shipped; waiting for the marketplace to confirm."
    if order.ship_state == "confirmed" or order.status != "ready_to_ship":
        return f"{label} is {order.status.replace('_', ' ')} now: nothing left to {action}."
    if not held or order.claimed_by != reseller.name:
        return f"Your claim on {label} has ended. Claim it again to {action} it."
    return f"{label}: {error}"


def _back(form: dict[str, str]) -> str:
    """Where the form was sent from (the queue with its filters); only this site's pages."""
    back = form.get("back", "")
    parts = urlsplit(back)
    if parts.scheme or parts.netloc or not parts.path.startswith((RESELLER_HOME, "/history")):
        return RESELLER_HOME
    return back


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    return render_page(
        request, "error.html", {"status_code": status_code, "message": message}, status_code
    )


async def _act(request: Request, reseller: Reseller, order_id: int, action: str) -> Response:
    form = await read_form(request)
    back = _back(form)
    try:
        message = await run_in_threadpool(_do, request, reseller, order_id, action, form)
    except QueueError as error:
        if error.kind == "forbidden":
            return error_page(request, 403, "This order is not of your stores.")
        if error.kind == "not_found":
            return error_page(request, 404, f"There is no order {order_id}.")
        if error.kind == "invalid":
            return redirect(request, f"{back}#order-{order_id}", f"{error}.", "error")
        explained = await run_in_threadpool(
            describe_conflict, request, reseller, order_id, action, error
        )
        return redirect(request, f"{back}#order-{order_id}", explained, "error")
    return redirect(request, f"{back}#order-{order_id}", message, "ok")


def _do(
    request: Request, reseller: Reseller, order_id: int, action: str, form: dict[str, str]
) -> str:
    """Do one queue action (in a worker thread: the database is not async) and say so."""
    db, stores = runtime_of(request).db, reseller.stores
    if action == "claim":
        done = order_queue.claim(db, reseller.name, stores, order_id)
        until = local_time(done.claim_expires_at, "%H:%M")
        return f"Order {done.external_id} is yours until {until} WIB."
    if action == "release":
        order_queue.release(db, reseller.name, stores, order_id)
        return "Released: someone else can take it now."
    if action == "pack":
        done = order_queue.mark_packed(db, reseller.name, stores, order_id)
        return f"Order {done.external_id} marked packed."
    tracking = form.get("tracking_number", "")
    done = order_queue.ship(db, dispatcher_of(request), reseller.name, stores, order_id, tracking)
    return (
        f"Order {done.external_id} shipped with tracking {done.tracking_number}: "
        f"sending it to {platform_name(done.platform)}."
    )


@router.post(RESELLER_HOME + "/{order_id}/claim")
async def claim_order(request: Request, reseller: CurrentReseller, order_id: RowId) -> Response:
    return await _act(request, reseller, order_id, "claim")


@router.post(RESELLER_HOME + "/{order_id}/release")
async def release_order(request: Request, reseller: CurrentReseller, order_id: RowId) -> Response:
    return await _act(request, reseller, order_id, "release")


@router.post(RESELLER_HOME + "/{order_id}/pack")
async def pack_order(request: Request, reseller: CurrentReseller, order_id: RowId) -> Response:
    return await _act(request, reseller, order_id, "pack")


@router.post(RESELLER_HOME + "/{order_id}/ship")
async def ship_order(request: Request, reseller: CurrentReseller, order_id: RowId) -> Response:
    return await _act(request, reseller, order_id, "ship")
