"""Get Order List, Get Order Detail, Search Returns and Ship Package (202309).

Get Order List: page_size 1..100 (required), sort_field create_time|update_time (default
create_time), sort_order ASC|DESC (default DESC), body filters order_status and
create_time_ge/lt, update_time_ge/lt (a missing bound defaults to the shop's start / now).
TikTok documents no maximum time range, so the sandbox refuses none. The sandbox's
page_token is a keyset cursor (the last order's sort value and id, base64), so an order
updated while a caller pages is never skipped; the real token is opaque (UNCONFIRMED how
it behaves). Get Order Detail: 1..50 ids; unknown ids are left out (UNCONFIRMED).

Orders are shown with the field names and shapes of the Get Order List and Get Order Detail
references. Ship Package (docs/MARKETPLACES.md#tiktok-shop-orders): `self_shipment`
{tracking_number, shipping_provider_id} for a SEND_BY_SELLER package; the order becomes
AWAITING_COLLECTION.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from lapak.sandboxes.kit.orders import Order
from lapak.sandboxes.kit.wire import query_list
from lapak.sandboxes.tiktok.state import (
    CURRENCY,
    NOT_SHIPPED,
    ORDER_STATUSES,
    PAID_NOT_SHIPPED,
    REGION,
    RETURN_STATUS,
    RETURN_TYPE,
    RTS_SLA_SECONDS,
    SHIPPING_PROVIDERS,
    Shop,
)
from lapak.sandboxes.tiktok.wire import (
    FULFILLMENT_PARAM,
    Ctx,
    Route,
    TikTokError,
    order_param,
    page_size,
    time_bounds,
)

MAX_PAGE_SIZE = 100
MAX_DETAIL_IDS = 50
RETURN_PAGE_SIZES = range(10, 51)  # Search Returns' reference: "Valid range: [10-50]"
T = TypeVar("T")
SORT_FIELDS = {"create_time": "created", "update_time": "updated"}
"""The order attribute each of the wire's time fields reads."""
DELIVERY_OPTION_NAME = "Dikirim oleh penjual"  # the sandbox's name of SEND_BY_SELLER
ADDRESS_LEVELS = ("Country", "Province", "City", "District")
PACKAGE_STATUS = dict.fromkeys(NOT_SHIPPED, "TO_FULFILL") | {
    "CANCELLED": "CANCELLED",
    "AWAITING_COLLECTION": "PROCESSING",
}
"""The package_status of an order's line items by its status (else SHIPPED)."""


def _address(order: Order) -> dict[str, Any]:
    buyer = order.buyer
    places = ("Indonesia", buyer.province, buyer.city, buyer.district)
    return {
        "name": buyer.name,
        "first_name": buyer.name,
        "phone_number": "(+62)8******" + buyer.zipcode[-2:],
        "full_address": f"****, {buyer.district}, {buyer.city}, {buyer.province}, {buyer.zipcode}",
        "postal_code": buyer.zipcode,
        "region_code": REGION,
        "district_info": [
            {"address_level_name": level, "address_name": name, "address_level": f"L{depth}"}
            for depth, (level, name) in enumerate(zip(ADDRESS_LEVELS, places, strict=True))
        ],
    }


def order_view(shop: Shop, order: Order) -> dict[str, Any]:
    """An order of Get Order List / Get Order Detail. The recipient address is "not
    available under UNPAID and ON_HOLD status" (Get Order Detail's reference)."""
    total = str(order.total)
    package_status = PACKAGE_STATUS.get(str(order.status), "SHIPPED")
    user_id, package_id = order.fields["user_id"], order.fields["package_id"]
    provider_id = order.fields.get("shipping_provider_id", "")
    view: dict[str, Any] = {
        "id": order.id,
        "status": order.status,
        "create_time": order.created,
        "update_time": order.updated,
        "user_id": user_id,
        "buyer_message": "",
        "buyer_email": f"v{user_id[-6:]}@scs.tiktokw.us",
        "shipping_type": "SELLER",
        "fulfillment_type": "FULFILLMENT_BY_SELLER",
        "delivery_type": "HOME_DELIVERY",
        "delivery_option_id": shop.delivery_option_id,
        "delivery_option_name": DELIVERY_OPTION_NAME,
        "warehouse_id": shop.warehouse_id,
        "is_cod": False,
        "is_on_hold_order": False,
        "is_sample_order": False,
        "commerce_platform": "TIKTOK_SHOP",
        "order_type": "NORMAL",
        "tracking_number": order.tracking_number,
        "shipping_provider": order.carrier,
        "shipping_provider_id": provider_id,
        "packages": [{"id": package_id}],
        "payment": {
            "currency": CURRENCY,
            "sub_total": total,
            "total_amount": total,
            "original_total_product_price": total,
            "shipping_fee": "0",
            "seller_discount": "0",
            "platform_discount": "0",
            "original_shipping_fee": "0",
            "shipping_fee_seller_discount": "0",
            "shipping_fee_platform_discount": "0",
            "tax": "0",
        },
        "line_items": [
            {
                "id": item.id,
                "sku_id": item.variant_id,
                "product_id": item.listing_id,
                "seller_sku": item.sku,
                "product_name": item.name,
                "sku_name": ", ".join(item.options),
                "sale_price": str(item.price),
                "original_price": str(item.price),
                "platform_discount": "0",
                "seller_discount": "0",
                "currency": CURRENCY,
                "display_status": order.status,
                "package_id": package_id,
                "package_status": package_status,
                "tracking_number": order.tracking_number,
                "shipping_provider_id": provider_id,
                "shipping_provider_name": order.carrier,
                "is_gift": False,
            }
            for item in order.lines
        ],
    }
    if order.paid_at is not None:
        view["paid_time"] = order.paid_at
        view["rts_sla_time"] = order.paid_at + RTS_SLA_SECONDS
    optional = {
        "rts_time": order.shipped_at,
        "collection_time": order.fields.get("collection_time"),
        "delivery_time": order.fields.get("delivery_time"),
        "cancel_time": order.cancelled_at,
    }
    view.update({key: value for key, value in optional.items() if value is not None})
    if order.status == "CANCELLED":
        view["cancel_reason"] = order.cancel_reason or "Buyer changed mind"
        view["cancellation_initiator"] = order.cancelled_by
    if order.status not in ("UNPAID", "ON_HOLD"):
        view["recipient_address"] = _address(order)
    return view


def _cursor(token: str | None) -> tuple[int, str] | None:
    if not token:
        return None
    try:
        value, order_id = json.loads(base64.b64decode(token, validate=True))
        return int(value), str(order_id)
    except (binascii.Error, ValueError, TypeError):
        raise order_param("page_token is invalid.") from None


def _keyset_page(
    ctx: Ctx, rows: list[T], key: Callable[[T], tuple[int, str]], size: int, descending: bool
) -> tuple[list[T], int, str]:
    """The rows sorted by `key` and after the page_token's cursor: the first `size` of them,
    how many there are, and the token of the next page ("" on the last)."""
    rows = sorted(rows, key=key, reverse=descending)
    after = _cursor(ctx.query.get("page_token"))
    if after is not None:
        rows = [r for r in rows if (key(r) < after if descending else key(r) > after)]
    page = rows[:size]
    more = len(rows) > size
    token = base64.b64encode(json.dumps(key(page[-1])).encode()).decode() if more else ""
    return page, len(rows), token


def _page_size(ctx: Ctx, allowed: range) -> int:
    error = order_param(f"page_size must be within [{allowed.start}-{allowed.stop - 1}].")
    return page_size(ctx.query, allowed, error)


def search_orders(ctx: Ctx) -> Any:
    size = _page_size(ctx, range(1, MAX_PAGE_SIZE + 1))
    field = SORT_FIELDS.get(ctx.query.get("sort_field", "create_time"))
    if field is None:
        raise order_param("sort_field is create_time or update_time.")
    order = ctx.query.get("sort_order", "DESC")
    if order not in ("ASC", "DESC"):
        raise order_param("sort_order is ASC or DESC.")
    body = ctx.json
    status = body.get("order_status")
    if status is not None and status not in ORDER_STATUSES:
        raise order_param(f"order_status {status} is invalid.")
    low_create, high_create, low_update, high_update = time_bounds(
        body, ("create_time_ge", "create_time_lt", "update_time_ge", "update_time_lt"), order_param
    )

    def wanted(o: Order) -> bool:
        return (
            (status is None or o.status == status)
            and (low_create is None or o.created >= low_create)
            and (high_create is None or o.created < high_create)
            and (low_update is None or o.updated >= low_update)
            and (high_update is None or o.updated < high_update)
        )

    matching = [o for o in ctx.shop.orders.values() if wanted(o)]
    page, total, token = _keyset_page(
        ctx, matching, lambda o: (getattr(o, field), str(o.id)), size, order == "DESC"
    )
    return {
        "total_count": total,
        "orders": [order_view(ctx.shop, o) for o in page],
        "next_page_token": token,
    }


def order_detail(ctx: Ctx) -> Any:
    ids = query_list(ctx.query.getlist("ids"))
    if not ids:
        raise order_param("ids is required.")
    if len(ids) > MAX_DETAIL_IDS:
        raise order_param("ids: Max count: 50.")
    orders = ctx.shop.orders
    return {"orders": [order_view(ctx.shop, orders[i]) for i in ids if i in orders]}


def search_returns(ctx: Ctx) -> Any:
    size = _page_size(ctx, RETURN_PAGE_SIZES)
    body = ctx.json
    order_ids = body.get("order_ids")
    statuses = body.get("return_status")
    found = [
        order
        for order in ctx.shop.orders.values()
        if "return_id" in order.fields
        and not (isinstance(order_ids, list) and order_ids and order.id not in order_ids)
        and not (isinstance(statuses, list) and statuses and RETURN_STATUS not in statuses)
    ]
    page, total, token = _keyset_page(
        ctx, found, lambda o: (o.fields["return_time"], o.fields["return_id"]), size, False
    )
    return {
        "return_orders": [
            {
                "order_id": order.id,
                "return_id": order.fields["return_id"],
                "return_type": RETURN_TYPE,
                "return_status": RETURN_STATUS,
                "role": "BUYER",
                "return_reason": "ecom_order_delivered_refund_and_return_reason_wrong_item",
                "return_reason_text": "Barang tidak sesuai",
                "shipment_type": "PLATFORM",
                "create_time": order.fields["return_time"],
                "update_time": order.fields["return_time"],
            }
            for order in page
        ],
        "total_count": total,
        "next_page_token": token,
    }


def ship_package(ctx: Ctx) -> Any:
    shop = ctx.shop
    package_order = shop.packages.get(ctx.params["package_id"])
    if package_order is None:
        raise TikTokError(21011028, "The package does not belong to the current shop.   ")
    order = shop.orders[package_order]
    if order.status == "CANCELLED":
        raise TikTokError(21011041, "Cannot complete the operation when order is cancelled. ")
    if order.status not in NOT_SHIPPED:
        raise TikTokError(21011040, "Package has already been shipped.")
    if order.status not in PAID_NOT_SHIPPED:  # UNPAID (code UNCONFIRMED)
        raise TikTokError(21011003, "fulfill_unit action not allowed")
    shipment = ctx.json.get("self_shipment")
    if not isinstance(shipment, Mapping):
        raise TikTokError(
            FULFILLMENT_PARAM,
            "Invalid parameters. Please ensure you are passing the correct request "
            "parameter(s). self_shipment is required for a SEND_BY_SELLER package.",
        )
    tracking = shipment.get("tracking_number")
    provider = dict(SHIPPING_PROVIDERS).get(str(shipment.get("shipping_provider_id")))
    if not isinstance(tracking, str) or not tracking.strip() or provider is None:
        raise TikTokError(
            21011022, "Invalid tracking number or provider ID. Please double check and try again."
        )
    # 21011025 "Duplicate tracking number.": read as a number already used on another order
    # of the shop (UNCONFIRMED).
    if any(o.tracking_number == tracking for o in shop.orders.values()):
        raise TikTokError(21011025, "Duplicate tracking number. ")
    order.tracking_number = tracking
    order.fields["shipping_provider_id"] = str(shipment["shipping_provider_id"])
    order.carrier = provider
    ctx.sandbox.change_status_in(shop, order, "AWAITING_COLLECTION", by="SELLER")
    return {}


ROUTES = [
    Route("POST", "/order/202309/orders/search", search_orders),
    Route("GET", "/order/202309/orders", order_detail),
    Route("POST", "/return_refund/202309/returns/search", search_returns),
    Route("POST", "/fulfillment/202309/packages/{package_id}/ship", ship_package),
]
