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
from lapak.config.models import Reseller
from lapak.sync import queue as order_queue
from lapak.sync.history import QUEUE_STATES, QUEUE_STATUSES, queue_orders, shipped_orders
from lapak.sync.i18n import N_, format_clock, translations
from lapak.sync.queue import SHIPPABLE, QueueError, QueueOrder
from lapak.sync.store.models import utcnow
from lapak.web.ids import Page, RowId
from lapak.web.sessions import (
    OPERATOR_HOME,
    RESELLER_HOME,
    SIGN_IN_PATH,
    CurrentReseller,
    Operator,
    dispatcher_of,
    principal_of,
    read_form,
    redirect,
    render_page,
    runtime_of,
    translator,
)
from lapak.web.wording import (
    ORDER_STATUS_NAMES,
    QUEUE_STATE_NAMES,
    QUEUE_STATUS_NAMES,
    platform_name,
)
from starlette.concurrency import run_in_threadpool

router = APIRouter(include_in_schema=False)

HISTORY_PAGE = 50
JUST_SHIPPED = timedelta(hours=24)


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
    _ = translator(request)
    if store and store not in reseller.stores:
        return error_page(
            request, 403, _("%(store)s is not one of your stores.") % {"store": store}
        )
    if status not in QUEUE_STATUSES:
        allowed = ", ".join(QUEUE_STATUSES)
        message = _("Unknown status %(value)r: use one of %(allowed)s.")
        return error_page(request, 422, message % {"value": status, "allowed": allowed})
    if state and state not in QUEUE_STATES:
        allowed = ", ".join(QUEUE_STATES)
        message = _("Unknown state %(value)r: use one of %(allowed)s.")
        return error_page(request, 422, message % {"value": state, "allowed": allowed})
    runtime = runtime_of(request)
    zones = runtime.config.zones
    now = utcnow()
    orders = queue_orders(
        runtime.db,
        reseller.stores,
        reseller=reseller.name,
        store=store,
        status=status,
        state=state or None,
        now=now,
        zones=zones,
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
            zones=zones,
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
            "statuses": QUEUE_STATUS_NAMES,
            "states": QUEUE_STATE_NAMES,
            "back": RESELLER_HOME + (f"?{urlencode(query)}" if query else ""),
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
        _ = translator(request)
        message = _("%(store)s is not one of your stores.")
        return error_page(request, 403, message % {"store": store})
    page = max(page, 1)
    runtime = runtime_of(request)
    rows = shipped_orders(
        runtime.db,
        reseller.stores,
        store=store,
        shipped_by=reseller.name if mine else None,
        offset=(page - 1) * HISTORY_PAGE,
        limit=HISTORY_PAGE + 1,
        zones=runtime.config.zones,
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
        },
    )


ACTION_WORDS = {
    "claim": N_("claim"),
    "release": N_("release"),
    "pack": N_("pack"),
    "ship": N_("ship"),
}
"""The verb of each queue action, as it fits "nothing left to …" and "Claim it again to …"."""


def describe_conflict(
    request: Request,
    reseller: Reseller,
    order_id: int,
    action: str,
    error: QueueError,
    language: str | None = None,
) -> str:
    """Why an action on an order could not be done, in the reseller's terms: in `language`
    (the API's programs read English), else in the page's."""
    _ = translations(language).gettext if language else translator(request)
    runtime = runtime_of(request)
    try:
        order = order_queue.get_order(
            runtime.db, order_id, reseller.stores, zones=runtime.config.zones
        )
    except QueueError:
        return str(error)
    now = utcnow()
    words = {
        "order": order.external_id,
        "action": _(ACTION_WORDS[action]),
        "name": order.claimed_by,
        "until": format_clock(order.claim_expires_at, order.timezone),
        "status": _(ORDER_STATUS_NAMES.get(order.status, order.status)).lower(),
    }
    held = order.claimed_by is not None and (order.claim_expires_at or now) >= now
    if held and order.claimed_by != reseller.name:
        return _("Order %(order)s is claimed by %(name)s (until %(until)s). Pick another one.") % (
            words
        )
    if order.ship_state == "requested":
        return _("Order %(order)s is already shipped; waiting for the marketplace to confirm.") % (
            words
        )
    if order.ship_state == "confirmed" or order.status != "ready_to_ship":
        return _("Order %(order)s is %(status)s now: nothing left to %(action)s.") % words
    if not held or order.claimed_by != reseller.name:
        return _("Your claim on Order %(order)s has ended. Claim it again to %(action)s it.") % (
            words
        )
    return f"{order.external_id}: {error}"


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
    _ = translator(request)
    try:
        message = await run_in_threadpool(_do, request, reseller, order_id, action, form)
    except QueueError as error:
        if error.kind == "forbidden":
            return error_page(request, 403, _("This order is not of your stores."))
        if error.kind == "not_found":
            message = _("There is no order %(id)s.") % {"id": order_id}
            return error_page(request, 404, message)
        if error.kind == "invalid":
            # the one invalid input of the queue (`sync.queue.ship`)
            message = _("Tracking number must be 1 to 64 characters.")
            return redirect(request, f"{back}#order-{order_id}", message, "error")
        explained = await run_in_threadpool(
            describe_conflict, request, reseller, order_id, action, error
        )
        return redirect(request, f"{back}#order-{order_id}", explained, "error")
    return redirect(request, f"{back}#order-{order_id}", message, "ok")


def _do(
    request: Request, reseller: Reseller, order_id: int, action: str, form: dict[str, str]
) -> str:
    """Do one queue action (in a worker thread: the database is not async) and say so."""
    _ = translator(request)
    runtime = runtime_of(request)
    db, stores = runtime.db, reseller.stores
    if action == "claim":
        done = order_queue.claim(db, reseller.name, stores, order_id)
        zone = runtime.config.zones.get(done.store)
        until = format_clock(done.claim_expires_at, zone)
        return _("Order %(order)s is yours until %(until)s.") % {
            "order": done.external_id,
            "until": until,
        }
    if action == "release":
        order_queue.release(db, reseller.name, stores, order_id)
        return _("Released: someone else can take it now.")
    if action == "pack":
        done = order_queue.mark_packed(db, reseller.name, stores, order_id)
        return _("Order %(order)s marked packed.") % {"order": done.external_id}
    tracking = form.get("tracking_number", "")
    done = order_queue.ship(db, dispatcher_of(request), reseller.name, stores, order_id, tracking)
    return _("Order %(order)s shipped with tracking %(tracking)s: sending it to %(platform)s.") % {
        "order": done.external_id,
        "tracking": done.tracking_number,
        "platform": platform_name(done.platform),
    }


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
