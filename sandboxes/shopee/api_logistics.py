"""v2.logistics.get_channel_list, get_shipping_parameter, ship_order, get_tracking_number.

ship_order takes exactly one of pickup / dropoff / non_integrated (an empty "pickup" object
may ride along, as the reference page tells developers to send). A READY_TO_SHIP (or
RETRY_SHIP) order becomes PROCESSED; the courier later makes it SHIPPED (buyer simulator
or control API). Errors from the page's table: logistics.error_order_not_found "Order is
not found.", logistics.error_param "Order has been shipped." / "The order status is not
ready to ship.".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lapak.sandboxes.kit.orders import Order
from lapak.sandboxes.shopee.context import Ctx, Route
from lapak.sandboxes.shopee.state import ALREADY_SHIPPED, CHANNELS, SHIPPABLE
from lapak.sandboxes.shopee.wire import (
    LOGISTICS_PARAM,
    Reply,
    ShopeeError,
    body_str,
    invalid,
    missing,
)

PICKUP_ADDRESS_ID = 1001
SELLER_COURIER = "Kurir Toko (Seller Courier)"


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
        return body_str(method, "tracking_number", LOGISTICS_PARAM), SELLER_COURIER
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
    "/api/v2/logistics/get_channel_list": Route("GET", get_channel_list),
    "/api/v2/logistics/get_shipping_parameter": Route("GET", get_shipping_parameter),
    "/api/v2/logistics/ship_order": Route("POST", ship_order),
    "/api/v2/logistics/get_tracking_number": Route("GET", get_tracking_number),
}
