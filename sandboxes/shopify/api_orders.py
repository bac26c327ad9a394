"""REST order endpoints: orders, their fulfillment orders and fulfilments (REST Admin API
reference 2025-01, docs/MARKETPLACES.md#shopify-orders).

`GET orders.json` lists only open orders unless `status` says otherwise, newest first,
filtered by `ids`, `since_id`, `created_at_min/max`, `updated_at_min/max` (inclusive).
Shipping goes through the FulfillmentOrder API: `GET orders/{id}/fulfillment_orders.json`,
then `POST fulfillments.json` with `line_items_by_fulfillment_order` and `tracking_info`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lapak.sandboxes.kit.orders import Order
from lapak.sandboxes.shopify import orders as life
from lapak.sandboxes.shopify.state import FulfillmentOrder, fulfillment_status, parse_iso, shipping
from lapak.sandboxes.shopify.views import fulfillment_order_view, fulfillment_view, order_view
from lapak.sandboxes.shopify.wire import (
    Ctx,
    Reply,
    Route,
    ShopifyError,
    bad_request,
    filtered,
    id_list,
    not_found,
    page,
)

STATUSES: dict[str, Callable[[Order], bool]] = {
    "open": lambda o: shipping(o).closed_at is None and o.cancelled_at is None,
    "closed": lambda o: shipping(o).closed_at is not None,
    "cancelled": lambda o: o.cancelled_at is not None,
    "any": lambda o: True,
}
"""What each `status` filter of orders.json keeps."""


def _order(ctx: Ctx) -> Order:
    order = ctx.shop.orders.get(ctx.param_id("order_id"))
    if order is None:
        raise not_found()
    return order


def _time_filter(filters: Mapping[str, str], name: str) -> float | None:
    raw = filters.get(name)
    if not raw:
        return None
    try:
        return parse_iso(raw)
    except ValueError:
        raise bad_request(name, f"{name} is not a valid ISO 8601 date") from None


def _status_test(status: str) -> Callable[[Order], bool]:
    if status not in STATUSES:
        raise bad_request("status", f"status must be one of {', '.join(sorted(STATUSES))}")
    return STATUSES[status]


def _window(filters: Mapping[str, str], field: str) -> Callable[[Order], bool]:
    low = _time_filter(filters, f"{field}_at_min")
    high = _time_filter(filters, f"{field}_at_max")

    def test(order: Order) -> bool:
        value = getattr(order, field)
        return (low is None or value >= low) and (high is None or value <= high)

    return test


def list_orders(ctx: Ctx) -> Reply:
    def rows(filters: Mapping[str, str]) -> list[Order]:
        ids = id_list(filters.get("ids"), "ids")
        since = int(filters.get("since_id") or 0)
        financial = filters.get("financial_status") or "any"
        return filtered(
            ctx.shop.orders.values(),
            _status_test(filters.get("status") or "open"),
            lambda o: ids is None or o.id in ids,
            lambda o: o.id > since,
            _window(filters, "created"),
            _window(filters, "updated"),
            lambda o: financial == "any" or o.status == financial,
        )

    chunk, headers = page(ctx, rows, key=lambda o: o.id, descending=True)
    return Reply({"orders": [ctx.fields(order_view(o)) for o in chunk]}, headers=headers)


def get_order(ctx: Ctx) -> Reply:
    return Reply({"order": ctx.fields(order_view(_order(ctx)))})


def list_fulfillment_orders(ctx: Ctx) -> Reply:
    order = _order(ctx)
    views = [fulfillment_order_view(order, fo) for fo in shipping(order).fulfillment_orders]
    return Reply({"fulfillment_orders": views})


def list_fulfillments(ctx: Ctx) -> Reply:
    order = _order(ctx)
    views = [fulfillment_view(order, f) for f in shipping(order).fulfillments]
    return Reply({"fulfillments": views})


def create_fulfillment(ctx: Ctx) -> Reply:
    raw = ctx.body.get("fulfillment")
    groups = raw.get("line_items_by_fulfillment_order") if isinstance(raw, dict) else None
    if not isinstance(raw, dict) or not isinstance(groups, list) or not groups:
        raise bad_request("fulfillment", "Required parameter missing or invalid")
    owner: Order | None = None
    requests: list[tuple[FulfillmentOrder, dict[int, int] | None]] = []
    for group in groups:
        fo_order, fo = _fulfillment_order(ctx, group)
        if owner is not None and fo_order is not owner:
            raise ShopifyError(422, ["All fulfillment orders must belong to the same order."])
        owner = fo_order
        requests.append((fo, _line_quantities(group)))
    assert owner is not None
    tracking = raw.get("tracking_info")
    if not isinstance(tracking, dict):
        tracking = {}
    number = str(tracking.get("number") or "").strip() or None
    company = str(tracking.get("company") or "").strip() or None
    fulfillment = life.fulfill(
        owner,
        requests,
        tracking_number=number,
        tracking_company=company,
        now=ctx.now,
        ids=ctx.sandbox.ids,
    )
    ctx.sandbox.touch(owner)
    status = fulfillment_status(owner)
    topic = "orders/fulfilled" if status == "fulfilled" else "orders/partially_fulfilled"
    ctx.sandbox.webhook(ctx.shop, topic, order_view(owner))
    return Reply({"fulfillment": fulfillment_view(owner, fulfillment)}, status=201)


def _fulfillment_order(ctx: Ctx, group: Any) -> tuple[Order, FulfillmentOrder]:
    try:
        wanted = int(group["fulfillment_order_id"])
    except (KeyError, TypeError, ValueError):
        raise bad_request("fulfillment_order_id", "Required parameter missing or invalid") from None
    for order in ctx.shop.orders.values():
        for fo in shipping(order).fulfillment_orders:
            if fo.id == wanted:
                return order, fo
    raise ShopifyError(422, ["Fulfillment order does not exist."])


def _line_quantities(group: Mapping[str, Any]) -> dict[int, int] | None:
    lines = group.get("fulfillment_order_line_items")
    if not lines:
        return None
    if not isinstance(lines, list):
        raise bad_request("fulfillment_order_line_items", "expected an array")
    try:
        return {int(line["id"]): int(line["quantity"]) for line in lines}
    except (KeyError, TypeError, ValueError):
        raise bad_request("fulfillment_order_line_items", "id and quantity are required") from None


ROUTES = (
    Route("GET", "orders.json", list_orders),
    Route("GET", "orders/{order_id:int}.json", get_order),
    Route("GET", "orders/{order_id:int}/fulfillment_orders.json", list_fulfillment_orders),
    Route("GET", "orders/{order_id:int}/fulfillments.json", list_fulfillments),
    Route("POST", "fulfillments.json", create_fulfillment),
)
