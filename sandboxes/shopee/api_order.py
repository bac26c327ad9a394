"""v2.order.get_order_list, get_order_detail and cancel_order; v2.logistics.get_channel_list,
get_shipping_parameter, ship_order and get_tracking_number.

get_order_list: time_range_field create_time|update_time, [time_from, time_to] at most
15 days apart (else order.order_list_invalid_time), page_size 1..100, cursor paging
("next_cursor" is "" when more is false). The sandbox sorts newest first and its cursor
names the last order of the page, the next page starting below it (both UNCONFIRMED): a
page costs one pass over the shop's orders, not a sort of them all. get_order_detail:
1..50 order_sn, default fields plus those named in response_optional_fields; unknown
order_sn are left out and named in "warning" (UNCONFIRMED).

ship_order takes exactly one of pickup / dropoff / non_integrated (an empty "pickup" object
may ride along, as the reference page tells developers to send). A READY_TO_SHIP (or
RETRY_SHIP) order becomes PROCESSED; the courier later makes it SHIPPED (buyer simulator
or control API). Errors from the page's table: logistics.error_order_not_found "Order is
not found.", logistics.error_param "Order has been shipped." / "The order status is not
ready to ship.".
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from typing import Any

from lapak.sandboxes.kit.orders import Buyer, Order
from lapak.sandboxes.kit.wire import query_list
from lapak.sandboxes.shopee.state import (
    ALREADY_SHIPPED,
    CHANNELS,
    CURRENCY,
    DAYS_TO_SHIP,
    NOT_SHIPPED,
    ORDER_STATUSES,
    REGION,
    SHIPPABLE,
)
from lapak.sandboxes.shopee.wire import (
    LOGISTICS_PARAM,
    Ctx,
    Reply,
    Route,
    ShopeeError,
    body_value,
    invalid,
    missing,
    query_int,
)

MAX_WINDOW_SECONDS = 15 * 86400
MAX_PAGE_SIZE = 100
MAX_DETAIL = 50
CANCEL_REASONS = frozenset(
    {"OUT_OF_STOCK", "CUSTOMER_REQUEST", "UNDELIVERABLE_AREA", "COD_NOT_SUPPORTED"}
)
INVALID_TIME = "Start time must be earlier than end time and diff in 15days."
PICKUP_ADDRESS_ID = 1001
SELLER_COURIER = "Kurir Toko (Seller Courier)"


def get_order_list(ctx: Ctx) -> Reply:
    query = ctx.query
    field = query.get("time_range_field")
    if not field:
        raise missing("time_range_field", "error_param")
    if field not in ("create_time", "update_time"):
        raise invalid("time_range_field should be create_time or update_time")
    time_from = query_int(query, "time_from", "error_param")
    time_to = query_int(query, "time_to", "error_param")
    if time_from > time_to or time_to - time_from > MAX_WINDOW_SECONDS:
        raise ShopeeError("order.order_list_invalid_time", INVALID_TIME)
    page_size = query_int(query, "page_size", "error_param")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise invalid("page_size should be between 1 and 100")
    after = _cursor_key(query.get("cursor") or "")
    status = query.get("order_status")
    if status and status not in ORDER_STATUSES:
        raise invalid(f"order_status {status} is invalid")
    attribute = "created" if field == "create_time" else "updated"

    def key(order: Order) -> tuple[int, str]:
        return getattr(order, attribute), str(order.id)

    matching = (
        o
        for o in ctx.shop.orders.values()
        if time_from <= getattr(o, attribute) <= time_to
        and (not status or o.status == status)
        and (after is None or key(o) < after)
    )
    page = heapq.nlargest(page_size + 1, matching, key=key)
    more = len(page) > page_size
    page = page[:page_size]
    with_status = "order_status" in query_list(query.getlist("response_optional_fields"))
    return Reply(
        {
            "more": more,
            "next_cursor": "{}.{}".format(*key(page[-1])) if more else "",
            "order_list": [
                {"order_sn": o.id, "order_status": o.status} if with_status else {"order_sn": o.id}
                for o in page
            ],
        }
    )


def _cursor_key(cursor: str) -> tuple[int, str] | None:
    """The (time, order_sn) a cursor names; None for the first page."""
    if not cursor:
        return None
    time_part, dot, order_sn = cursor.partition(".")
    if not dot or not time_part.isdigit() or not order_sn:
        raise invalid("cursor is invalid")
    return int(time_part), order_sn


def _item_list(ctx: Ctx, order: Order) -> list[dict[str, Any]]:
    lines = []
    for line in order.lines:
        item = ctx.shop.catalog.listings.get(line.listing_id)
        image = item.images[0] if item and item.images else ""
        lines.append(
            {
                "item_id": line.listing_id,
                "item_name": line.name,
                "item_sku": line.fields["item_sku"],
                "model_id": line.variant_id or 0,
                "model_name": ",".join(line.options),
                "model_sku": line.sku if line.variant_id else "",
                "model_quantity_purchased": line.quantity,
                "model_original_price": line.price,
                "model_discounted_price": line.price,
                "wholesale": False,
                "weight": line.fields["weight"],
                "add_on_deal": False,
                "main_item": False,
                "add_on_deal_id": 0,
                "promotion_type": "",
                "promotion_id": 0,
                "order_item_id": line.id,
                "promotion_group_id": 0,
                "image_info": {
                    "image_url": f"{ctx.base_url}/_sandbox/uploads/{image}" if image else ""
                },
            }
        )
    return lines


def recipient_address(buyer: Buyer) -> dict[str, str]:
    """The buyer's address masked the way Shopee masks buyer PII for sellers' apps."""
    city, state, zipcode = buyer.city, buyer.province, buyer.zipcode
    return {
        "name": buyer.name,
        "phone": "******" + zipcode[-2:],
        "town": "",
        "district": "",
        "city": city,
        "state": state,
        "region": REGION,
        "zipcode": zipcode,
        "full_address": f"****, {city}, {state}, ID, {zipcode}",
    }


def _optional(ctx: Ctx, order: Order) -> dict[str, Any]:
    """Every optional field the sandbox knows, by its response_optional_fields name."""
    return {
        "buyer_user_id": order.fields["buyer_user_id"],
        "buyer_username": order.buyer.username,
        "recipient_address": recipient_address(order.buyer),
        "item_list": _item_list(ctx, order),
        "pay_time": order.paid_at,
        "total_amount": order.total,
        "note": "",
        "cancel_by": order.cancelled_by,
        "cancel_reason": order.cancel_reason,
        "buyer_cancel_reason": "",
        "shipping_carrier": order.carrier,
        "payment_method": "Bank Transfer",
        "estimated_shipping_fee": 0,
        "actual_shipping_fee": 0,
        "fulfillment_flag": "fulfilled_by_local_seller",
        "split_up": False,
        "package_list": [
            {
                "package_number": f"PKG{order.id}",
                "logistics_status": "LOGISTICS_READY"
                if order.tracking_number
                else "LOGISTICS_NOT_START",
                "shipping_carrier": order.carrier,
            }
        ],
    }


def order_detail(ctx: Ctx, order: Order, wanted: list[str]) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "order_sn": order.id,
        "region": REGION,
        "currency": CURRENCY,
        "cod": False,
        "order_status": order.status,
        "message_to_seller": "",
        "create_time": order.created,
        "update_time": order.updated,
        "days_to_ship": DAYS_TO_SHIP,
        "ship_by_date": order.created + DAYS_TO_SHIP * 86400,
    }
    if wanted:
        optional = _optional(ctx, order)
        detail.update({name: optional[name] for name in wanted if name in optional})
    return detail


def get_order_detail(ctx: Ctx) -> Reply:
    order_sns = query_list(ctx.query.getlist("order_sn_list"))
    if not order_sns:
        raise missing("order_sn_list", "error_param")
    if len(order_sns) > MAX_DETAIL:
        raise invalid("order_sn_list size should be between 1 and 50")
    wanted = query_list(ctx.query.getlist("response_optional_fields"))
    found = [ctx.shop.orders[sn] for sn in order_sns if sn in ctx.shop.orders]
    unknown = [sn for sn in order_sns if sn not in ctx.shop.orders]
    warning = f"order_sn not found: {','.join(unknown)}" if unknown else ""
    return Reply({"order_list": [order_detail(ctx, o, wanted) for o in found]}, warning=warning)


def cancel_order(ctx: Ctx) -> Reply:
    body = ctx.json
    order_sn = body_value(body, "order_sn", str, "error_param")
    reason = body_value(body, "cancel_reason", str, "error_param")
    if reason not in CANCEL_REASONS:
        raise invalid(f"cancel_reason {reason} is invalid")
    if reason == "OUT_OF_STOCK" and not body.get("item_list"):
        raise missing("item_list", "error_param")
    order = ctx.shop.orders.get(order_sn)
    if order is None:
        raise invalid(f"order {order_sn} not found", "error_not_found")
    if order.status not in NOT_SHIPPED or order.status == "IN_CANCEL":
        # Shopee: "can only be performed before an order has been shipped" (message UNCONFIRMED)
        raise invalid(f"order status {order.status} can not be cancelled")
    order.cancel_reason = reason
    ctx.sandbox.change_status_in(ctx.shop, order, "CANCELLED", by="seller")
    return Reply({"update_time": order.updated})


# --- logistics ------------------------------------------------------------------------


def get_channel_list(ctx: Ctx) -> Reply:
    return Reply({"logistics_channel_list": [dict(channel) for channel in CHANNELS]})


def _order(ctx: Ctx, order_sn: str | None) -> Order:
    if not order_sn:
        raise missing("order_sn", LOGISTICS_PARAM)
    order = ctx.shop.orders.get(order_sn)
    if order is None:
        raise ShopeeError("logistics.error_order_not_found", "Order is not found.")
    return order


def _pickup_time_id(ctx: Ctx) -> str:
    return str((ctx.now // 86400 + 1) * 86400)


def get_shipping_parameter(ctx: Ctx) -> Reply:
    _order(ctx, ctx.query.get("order_sn"))
    tomorrow = (ctx.now // 86400 + 1) * 86400
    return Reply(
        {
            "info_needed": {
                "dropoff": [],
                "pickup": ["address_id", "pickup_time_id"],
                "non_integrated": ["tracking_no"],
            },
            "dropoff": {"branch_list": []},
            "pickup": {
                "address_list": [
                    {
                        "address_id": PICKUP_ADDRESS_ID,
                        "region": "ID",
                        "state": "DKI Jakarta",
                        "city": "Jakarta Selatan",
                        "district": "Kebayoran Baru",
                        "town": "",
                        "address": "Jl. Senopati No. 1",
                        "zipcode": "12190",
                        "address_flag": ["default_address", "pickup_address"],
                        "time_slot_list": [
                            {
                                "date": tomorrow,
                                "time_text": "",
                                "pickup_time_id": _pickup_time_id(ctx),
                            }
                        ],
                    }
                ]
            },
        }
    )


def _tracking(ctx: Ctx, order: Order, body: Mapping[str, Any]) -> tuple[str, str]:
    """(tracking number, carrier) for the shipping method the body chose."""
    chosen = [k for k in ("non_integrated", "dropoff", "pickup") if body.get(k)]
    if len(chosen) != 1:
        raise invalid("one of pickup, dropoff or non_integrated is required", LOGISTICS_PARAM)
    method = body[chosen[0]]
    if not isinstance(method, Mapping):
        raise invalid(f"{chosen[0]} should be an object", LOGISTICS_PARAM)
    if chosen[0] == "non_integrated":
        return body_value(method, "tracking_number", str, LOGISTICS_PARAM), SELLER_COURIER
    if chosen[0] == "pickup":
        if method.get("address_id") != PICKUP_ADDRESS_ID:
            raise ShopeeError(
                LOGISTICS_PARAM, "Seller address is invalid. Please check your address."
            )
        if str(method.get("pickup_time_id", "")) != _pickup_time_id(ctx):
            raise invalid("pickup_time_id is invalid", LOGISTICS_PARAM)
    generated = f"SPXID{ctx.sandbox.rng.randrange(10**11, 10**12)}"
    return str(method.get("tracking_number") or generated), "SPX Express"


def ship_order(ctx: Ctx) -> Reply:
    body = ctx.json
    order = _order(ctx, body.get("order_sn"))
    if order.status in ALREADY_SHIPPED:
        raise ShopeeError(LOGISTICS_PARAM, "Order has been shipped.")
    if order.status not in SHIPPABLE:
        raise ShopeeError(LOGISTICS_PARAM, "The order status is not ready to ship.")
    order.tracking_number, order.carrier = _tracking(ctx, order, body)
    ctx.sandbox.change_status_in(ctx.shop, order, "PROCESSED")
    return Reply(None)


def get_tracking_number(ctx: Ctx) -> Reply:
    order = _order(ctx, ctx.query.get("order_sn"))
    return Reply(
        {
            "tracking_number": order.tracking_number,
            "plp_number": "",
            "first_mile_tracking_number": "",
            "last_mile_tracking_number": "",
            "hint": "",
            "pickup_code": "",
        }
    )


ROUTES = {
    "/api/v2/order/get_order_list": Route("GET", get_order_list),
    "/api/v2/order/get_order_detail": Route("GET", get_order_detail),
    "/api/v2/order/cancel_order": Route("POST", cancel_order),
    "/api/v2/logistics/get_channel_list": Route("GET", get_channel_list),
    "/api/v2/logistics/get_shipping_parameter": Route("GET", get_shipping_parameter),
    "/api/v2/logistics/ship_order": Route("POST", ship_order),
    "/api/v2/logistics/get_tracking_number": Route("GET", get_tracking_number),
}
