"""Order APIs of the sandbox: GetOrders, GetOrder, GetOrderItems, GetMultipleOrderItems,
and the fulfilment flow Pack (/order/fulfill/pack) then ReadyToShip (/order/package/rts),
which answer under "result" with an `item_err_code` per item or package ("0" = success).
Limits and flow: docs/MARKETPLACES.md#lazada-orders and #lazada-batches; error codes from
the API pages' tables (GetOrders offset ≤ 5000 per doc 121327, the API page says 4500).

Lazada assigns the 3PL and the tracking number when packing; only pending/repacked items
pack, only packed packages go ready to ship; a local store is TFS and dropships. The old
/order/pack and /order/rts went offline on 30 April 2023 and are not served.

Orders show amounts as "106.00" text and times as ISO 8601 in WIB; buyer PII is masked the
way Lazada masks it for apps without sensitive-data access.
"""

from __future__ import annotations

import json
from typing import Any

from lapak.sandboxes.kit.catalog import Price
from lapak.sandboxes.lazada.state import (
    CANCELED,
    CURRENCY,
    ITEM_STATUSES,
    PACKABLE,
    PACKED,
    READY_TO_SHIP,
    WAREHOUSE,
    Order,
    OrderItem,
)
from lapak.sandboxes.lazada.wire import (
    Ctx,
    LazadaError,
    Route,
    as_dict,
    as_list,
    invalid_format,
    iso,
    json_list,
    missing,
    page,
    route,
    shop_sku,
    text,
    time_filter,
)

LIMIT_MAX = 100
OFFSET_MAX = 5000
ITEMS_BATCH_MAX = 50
PACK_ORDERS_MAX = 20  # Pack: "Batch size is limited to 20"
PACKAGES_MAX = 20  # ReadyToShip packages (docs/MARKETPLACES.md#lazada-batches)
DROPSHIP = "dropship"
TFS = "TFS"
LEX = "LEX ID"
DAYS_TO_SHIP = 2


def get_orders(ctx: Ctx) -> dict[str, Any]:
    params = ctx.params
    if not params.get("created_after") and not params.get("update_after"):
        raise missing("created_after or update_after")
    within = time_filter(params, "created")
    status = params.get("status") or ""
    if status and status != "all" and status not in ITEM_STATUSES:
        raise LazadaError("36", "E036: Invalid status filter")
    sort_by = params.get("sort_by") or "created_at"
    if sort_by not in ("created_at", "updated_at"):
        raise LazadaError("75", "E075: Invalid sort filter.")
    direction = (params.get("sort_direction") or "DESC").upper()
    if direction not in ("ASC", "DESC"):
        raise LazadaError("74", "E074: Invalid sort direction.")
    window = page(params, 100, LIMIT_MAX, OFFSET_MAX)
    found = [
        order
        for order in ctx.seller.orders.values()
        if within(order.created, order.updated)
        and (not status or status == "all" or status in order.statuses)
    ]
    field = "created" if sort_by == "created_at" else "updated"
    found.sort(key=lambda o: (getattr(o, field), o.id), reverse=direction == "DESC")
    shown = found[window]
    return {
        "count": len(shown),
        "countTotal": len(found),
        "orders": [order_view(o) for o in shown],
    }


def _order(ctx: Ctx) -> Order:
    raw = ctx.params.get("order_id") or ""
    if not raw:
        raise missing("order_id")
    order = ctx.seller.orders.get(int(raw)) if raw.isdigit() else None
    if order is None:
        raise LazadaError("16", f'E016: "{raw}" Invalid Order ID')  # UNCONFIRMED code
    return order


def get_order(ctx: Ctx) -> dict[str, Any]:
    return order_view(_order(ctx))


def get_order_items(ctx: Ctx) -> list[dict[str, Any]]:
    order = _order(ctx)
    return [item_view(order, item) for item in order.items]


def get_multiple_order_items(ctx: Ctx) -> list[dict[str, Any]]:
    text = "E056: Invalid OrdersIdList format. Must use array format [1,2]"
    ids = json_list(ctx.params, "order_ids", "56", text)
    if not all(isinstance(i, int) or (isinstance(i, str) and i.isdigit()) for i in ids):
        raise LazadaError("56", text)
    if len(ids) > ITEMS_BATCH_MAX:
        raise LazadaError("38", "E038: Too many orders were requested")
    orders = [ctx.seller.orders.get(int(i)) for i in dict.fromkeys(ids)]
    found = [order for order in orders if order is not None]
    if not found:
        raise LazadaError("39", "E039: No orders were found")
    return [
        {
            "order_id": order.id,
            "order_number": order.order_number,
            "order_items": [item_view(order, item) for item in order.items],
        }
        for order in found
    ]


# --- fulfilment ----------------------------------------------------------------------------


def _request(ctx: Ctx, name: str) -> dict[str, Any]:
    raw = ctx.params.get(name) or ""
    if not raw.strip():
        raise missing(name)
    try:
        request = json.loads(raw)
    except ValueError:
        raise invalid_format(f"{name} is not JSON") from None
    if not isinstance(request, dict):
        raise invalid_format(f"{name} is not a JSON object")
    return request


def _failed(code: str, message: str) -> dict[str, Any]:
    return {"success": False, "error_code": code, "error_msg": message}


def _answer(key: str, subject: Any, code: str, message: str, **found: Any) -> dict[str, Any]:
    """An item's or a package's outcome (`key` names it), "0" for success."""
    return {key: subject, "item_err_code": code, "msg": message, **found, "retry": False}


def pack(ctx: Ctx) -> dict[str, Any]:
    """/order/fulfill/pack: pending or repacked items into one package per order, with the
    3PL and tracking number Lazada assigns (LEX for a local TFS store)."""
    request = _request(ctx, "packReq")
    if request.get("delivery_type") != DROPSHIP:
        return _failed("700004", "param illegal: delivery_type must be dropship")
    allocate = text(request.get("shipping_allocate_type"))
    if not allocate:
        return _failed("700017", "param can't be null: shipping_allocate_type")
    if allocate != TFS:
        return _failed("700013", "operation is no support: this is a local (TFS) store")
    if request.get("shipment_provider_code"):
        return _failed("700004", "param illegal: shipment_provider_code is not for TFS stores")
    orders_in = [as_dict(entry) for entry in as_list(request.get("pack_order_list"))]
    if not orders_in:
        return _failed("700017", "param can't be null: pack_order_list")
    if len(orders_in) > PACK_ORDERS_MAX:
        return _failed("700022", "batch size out of limit")
    packed = [
        {"order_id": text(entry.get("order_id")), "order_item_list": _pack_order(ctx, entry)}
        for entry in orders_in
    ]
    return {"success": True, "data": {"pack_order_list": packed}}


def _pack_order(ctx: Ctx, entry: dict[str, Any]) -> list[dict[str, Any]]:
    raw_id = text(entry.get("order_id"))
    order = ctx.seller.orders.get(int(raw_id)) if raw_id.isdigit() else None
    answers: list[dict[str, Any]] = []
    package: tuple[str, str] | None = None
    for raw_item in as_list(entry.get("order_item_list")):
        item_id = text(raw_item)
        item = None
        if order is not None and item_id.isdigit():
            item = next((i for i in order.items if i.id == int(item_id)), None)
        if order is None or item is None:
            answers.append(_answer("order_item_id", raw_item, "700025", "order item not found"))
            continue
        if item.status not in PACKABLE:
            message = "item current status not allow to pack"
            answers.append(_answer("order_item_id", raw_item, "700026", message))
            continue
        if package is None:
            package = ctx.sandbox.new_package()
        item.package_id, item.tracking_code = package
        item.shipment_provider = LEX
        ctx.sandbox.move_lines_in(ctx.seller, order, [item], PACKED)
        answers.append(
            _answer(
                "order_item_id",
                item.id,
                "0",
                "success",
                tracking_number=item.tracking_code,
                shipment_provider=item.shipment_provider,
                package_id=item.package_id,
            )
        )
    return answers


def ready_to_ship(ctx: Ctx) -> dict[str, Any]:
    """/order/package/rts: packed packages handed over; each answers its item_err_code."""
    request = _request(ctx, "readyToShipReq")
    packages = [text(as_dict(p).get("package_id")) for p in as_list(request.get("packages"))]
    if not packages:
        return _failed("700017", "param can't be null: packages")
    if len(packages) > PACKAGES_MAX:
        return _failed("700022", "batch size out of limit")
    answers = []
    for package_id in packages:
        found = [
            (order, item)
            for order in ctx.seller.orders.values()
            for item in order.items
            if package_id and item.package_id == package_id and item.status != CANCELED
        ]
        if not found:
            answers.append(_answer("package_id", package_id, "700021", "package not found"))
        elif any(item.status != PACKED for _, item in found):
            message = "current package status not allow to operation"
            answers.append(_answer("package_id", package_id, "700000", message))
        else:
            for order, item in found:
                ctx.sandbox.move_lines_in(ctx.seller, order, [item], READY_TO_SHIP)
            answers.append(_answer("package_id", package_id, "0", "success"))
    return {"success": True, "data": {"packages": answers}}


# --- views ---------------------------------------------------------------------------------


def money(amount: Price) -> str:
    return f"{amount}.00"


def _address(order: Order) -> dict[str, str]:
    return {
        "first_name": order.buyer.first_name,
        "last_name": order.buyer.last_name,
        "phone": order.phone,
        "phone2": "",
        "address1": "****",
        "address2": "",
        "address3": "",
        "address4": order.buyer.city,
        "address5": "",
        "city": order.buyer.city,
        "post_code": "",
        "country": "Indonesia",
    }


def order_view(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.id,
        "order_number": order.order_number,
        "created_at": iso(order.created),
        "updated_at": iso(order.updated),
        "price": money(order.total),
        "statuses": order.statuses,
        "items_count": len(order.items),
        "customer_first_name": order.buyer.first_name,
        "customer_last_name": order.buyer.last_name,
        "payment_method": order.payment_method,
        "shipping_fee": "0.00",
        "shipping_fee_original": "0.00",
        "shipping_fee_discount_seller": "0.00",
        "shipping_fee_discount_platform": "0.00",
        "voucher": "0.00",
        "voucher_platform": "0.00",
        "voucher_seller": "0.00",
        "voucher_code": "",
        "warehouse_code": WAREHOUSE,
        "gift_option": False,
        "gift_message": "",
        "remarks": "",
        "delivery_info": "",
        "extra_attributes": None,
        "address_updated_at": None,
        "promised_shipping_times": iso(order.created + DAYS_TO_SHIP * 86400),
        "address_shipping": _address(order),
        "address_billing": _address(order),
    }


def item_view(order: Order, item: OrderItem) -> dict[str, Any]:
    return {
        "order_item_id": item.id,
        "order_id": order.id,
        "purchase_order_id": "",
        "purchase_order_number": "",
        "name": item.name,
        "sku": item.sku,
        "shop_sku": shop_sku(item.listing_id, item.variant_id),
        "product_id": item.listing_id,
        "sku_id": item.variant_id,
        "variation": item.variation,
        "item_price": money(item.price),
        "paid_price": money(item.price),
        "voucher_amount": "0.00",
        "shipping_amount": "0.00",
        "currency": CURRENCY,
        "status": item.status,
        "tracking_code": item.tracking_code,
        "tracking_code_pre": "",
        "shipment_provider": item.shipment_provider,
        "shipping_type": "Dropshipping",
        "shipping_provider_type": "standard",
        "package_id": item.package_id,
        "reason": item.reason,
        "reason_detail": "",
        "cancel_return_initiator": item.cancel_return_initiator,
        "return_status": "",
        "is_digital": 0,
        "created_at": iso(order.created),
        "updated_at": iso(item.updated),
        "promised_shipping_time": iso(order.created + DAYS_TO_SHIP * 86400),
        "invoice_number": "",
    }


ROUTES: dict[str, Route] = {
    "/orders/get": route("GET", get_orders),
    "/order/get": route("GET", get_order),
    "/order/items/get": route("GET", get_order_items),
    "/orders/items/get": route("GET", get_multiple_order_items),
    "/order/fulfill/pack": route("POST", pack, key="result"),
    "/order/package/rts": route("POST", ready_to_ship, key="result"),
}
