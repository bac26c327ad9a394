"""Order APIs of the sandbox: GetOrders, GetOrder, GetOrderItems, GetMultipleOrderItems,
and the fulfilment flow Pack (/order/fulfill/pack) then ReadyToShip (/order/package/rts),
which answer under "result" with an `item_err_code` per item or package ("0" = success).
Limits and flow: docs/MARKETPLACES.md#lazada-orders and #lazada-batches; error codes from
the API pages' tables (GetOrders offset ≤ 5000 per doc 121327, the API page says 4500).

Lazada assigns the 3PL and the tracking number when packing; only pending/repacked items
pack, only packed packages go ready to ship; a local store is TFS and dropships. The old
/order/pack and /order/rts went offline on 30 April 2023 and are not served.
"""

from __future__ import annotations

import json
from typing import Any

from lapak.sandboxes.lazada import views
from lapak.sandboxes.lazada.context import Ctx, Route, route
from lapak.sandboxes.lazada.state import (
    CANCELED,
    ITEM_STATUSES,
    PACKABLE,
    PACKED,
    READY_TO_SHIP,
    Order,
    OrderItem,
)
from lapak.sandboxes.lazada.wire import (
    LazadaError,
    as_dict,
    as_list,
    in_window,
    int_param,
    invalid_format,
    json_list,
    missing,
    text,
    time_bounds,
)

LIMIT_MAX = 100
OFFSET_MAX = 5000
ITEMS_BATCH_MAX = 50
PACK_ORDERS_MAX = 20  # Pack: "Batch size is limited to 20"
PACKAGES_MAX = 20  # ReadyToShip packages (docs/MARKETPLACES.md#lazada-batches)
DROPSHIP = "dropship"
TFS = "TFS"
LEX = "LEX ID"


def get_orders(ctx: Ctx) -> dict[str, Any]:
    params = ctx.params
    if not params.get("created_after") and not params.get("update_after"):
        raise missing("created_after or update_after")
    bounds = time_bounds(params, "created_after", "created_before", "update_after", "update_before")
    status = params.get("status") or ""
    if status and status != "all" and status not in ITEM_STATUSES:
        raise LazadaError("36", "E036: Invalid status filter")
    sort_by = params.get("sort_by") or "created_at"
    if sort_by not in ("created_at", "updated_at"):
        raise LazadaError("75", "E075: Invalid sort filter.")
    direction = (params.get("sort_direction") or "DESC").upper()
    if direction not in ("ASC", "DESC"):
        raise LazadaError("74", "E074: Invalid sort direction.")
    limit = int_param(params, "limit", 100, 1, LIMIT_MAX, "19", 'E019: "{value}" Invalid Limit')
    offset = int_param(params, "offset", 0, 0, OFFSET_MAX, "14", 'E014: "{value}" Invalid Offset')
    found = [
        order
        for order in ctx.seller.orders.values()
        if _within(order, bounds) and (not status or status == "all" or status in order.statuses)
    ]
    field = "created" if sort_by == "created_at" else "updated"
    found.sort(key=lambda o: (getattr(o, field), o.id), reverse=direction == "DESC")
    page = found[offset : offset + limit]
    return {
        "count": len(page),
        "countTotal": len(found),
        "orders": [views.order_header(o) for o in page],
    }


def _within(order: Order, bounds: dict[str, int]) -> bool:
    return in_window(bounds, "created_after", "created_before", order.created) and in_window(
        bounds, "update_after", "update_before", order.updated
    )


def _order(ctx: Ctx) -> Order:
    raw = ctx.params.get("order_id") or ""
    if not raw:
        raise missing("order_id")
    order = ctx.seller.orders.get(int(raw)) if raw.isdigit() else None
    if order is None:
        raise LazadaError("16", f'E016: "{raw}" Invalid Order ID')  # UNCONFIRMED code
    return order


def get_order(ctx: Ctx) -> dict[str, Any]:
    return views.order_header(_order(ctx))


def get_order_items(ctx: Ctx) -> list[dict[str, Any]]:
    order = _order(ctx)
    return [views.order_item(order, item) for item in order.items]


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
            "order_items": [views.order_item(order, item) for item in order.items],
        }
        for order in found
    ]


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
        item = _item_of(order, text(raw_item))
        if order is None or item is None:
            answers.append(_item_failed(raw_item, "700025", "order item not found"))
            continue
        if item.status not in PACKABLE:
            answers.append(
                _item_failed(raw_item, "700026", "item current status not allow to pack")
            )
            continue
        if package is None:
            package = ctx.sandbox.new_package()
        item.package_id, item.tracking_code = package
        item.shipment_provider = LEX
        ctx.sandbox.move_items(ctx.seller, order, [item], PACKED)
        answers.append(
            {
                "order_item_id": item.id,
                "item_err_code": "0",
                "msg": "success",
                "tracking_number": item.tracking_code,
                "shipment_provider": item.shipment_provider,
                "package_id": item.package_id,
                "retry": False,
            }
        )
    return answers


def _item_of(order: Order | None, raw_id: str) -> OrderItem | None:
    if order is None or not raw_id.isdigit():
        return None
    return next((i for i in order.items if i.id == int(raw_id)), None)


def _item_failed(raw_id: Any, code: str, message: str) -> dict[str, Any]:
    return {"order_item_id": raw_id, "item_err_code": code, "msg": message, "retry": False}


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
            answers.append(_package(package_id, "700021", "package not found"))
        elif any(item.status != PACKED for _, item in found):
            message = "current package status not allow to operation"
            answers.append(_package(package_id, "700000", message))
        else:
            for order, item in found:
                ctx.sandbox.move_items(ctx.seller, order, [item], READY_TO_SHIP)
            answers.append(_package(package_id, "0", "success"))
    return {"success": True, "data": {"packages": answers}}


def _package(package_id: str, code: str, message: str) -> dict[str, Any]:
    return {"package_id": package_id, "item_err_code": code, "msg": message, "retry": False}


ROUTES: dict[str, Route] = {
    "/orders/get": route("GET", get_orders),
    "/order/get": route("GET", get_order),
    "/order/items/get": route("GET", get_order_items),
    "/orders/items/get": route("GET", get_multiple_order_items),
    "/order/fulfill/pack": route("POST", pack, key="result"),
    "/order/package/rts": route("POST", ready_to_ship, key="result"),
}
