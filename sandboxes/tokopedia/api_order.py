"""Order endpoints: Get All Orders, Get Single Order, accept (ack), reject (nack), confirm
shipping (order status 500), docs/MARKETPLACES.md#tokopedia-orders; the webhooks'
payloads (docs/MARKETPLACES.md#tokopedia-webhooks) and their registration; Get Shop Info.

Get All Orders lists only orders that reached 220, filtered on creation time, oldest first;
refusing confirm shipping on an order not accepted (ORD_USC_009) is the sandbox's guess
(docs/MARKETPLACES.md#tokopedia-unconfirmed).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lapak.sandboxes.kit.orders import Buyer, Order, OrderLine
from lapak.sandboxes.tokopedia import state
from lapak.sandboxes.tokopedia.state import (
    ACCEPTED_STATUSES,
    DAYS_TO_ACCEPT,
    DAYS_TO_SHIP,
    TO_ACCEPT,
    Shop,
)
from lapak.sandboxes.tokopedia.wire import Ctx, Route, TokopediaError, forbidden, query_int

MAX_WINDOW_SECONDS = 3 * 86400
MAX_PER_PAGE = 100
SHOPS_PER_PAGE = 50
ZERO_TIME = "0001-01-01T00:00:00Z"
REJECT_REASONS = frozenset({0, 1, 2, 3, 4, 5, 7, 8})


def rfc3339(seconds: float | None) -> str:
    if seconds is None:
        return ZERO_TIME
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _product_id(line: OrderLine) -> Any:
    return line.variant_id if line.variant_id is not None else line.listing_id


def _line_name(line: OrderLine) -> str:
    """The product's name: a variant's is its parent's and its options ("Kaos - M")."""
    return f"{line.name} - {', '.join(line.options)}" if line.options else line.name


def product_lines(order: Order, name_key: str, currency: str) -> list[dict[str, Any]]:
    """The order's lines as Get All Orders ("name", "Rp") and the webhooks ("Name", "Rp.")
    show them."""
    return [
        {
            "id": _product_id(line),
            name_key: _line_name(line),
            "quantity": line.quantity,
            "notes": "",
            "weight": line.fields["weight_kg"],
            "total_weight": round(line.fields["weight_kg"] * line.quantity, 3),
            "price": line.price,
            "total_price": line.price * line.quantity,
            "currency": currency,
            "sku": line.sku,
        }
        for line in order.lines
    ]


def address_view(buyer: Buyer, address_full: str) -> dict[str, str]:
    return {
        "address_full": address_full,
        "district": buyer.district,
        "city": buyer.city,
        "province": buyer.province,
        "country": "Indonesia",
        "postal_code": buyer.zipcode,
    }


def list_view(fs_id: int, order: Order) -> dict[str, Any]:
    """One order of Get All Orders (fixture get-all-orders-ok)."""
    buyer, fields = order.buyer, order.fields
    return {
        "fs_id": str(fs_id),
        "order_id": order.id,
        "is_cod_mitra": False,
        "accept_partial": False,
        "invoice_ref_num": fields["invoice"],
        "have_product_bundle": False,
        "products": [{**p, "is_wholesale": False} for p in product_lines(order, "name", "Rp")],
        "products_fulfilled": [
            {
                "product_id": _product_id(line),
                "quantity_deliver": line.quantity,
                "quantity_reject": 0,
            }
            for line in order.lines
        ],
        "device_type": "",
        "buyer": {"id": fields["buyer_id"], "name": buyer.name, "phone": "", "email": ""},
        "shop_id": fields["shop_id"],
        "payment_id": fields["payment_id"],
        "recipient": {
            "name": buyer.name,
            "phone": fields["phone"],
            "address": address_view(
                buyer, f"{buyer.district}, {buyer.city}, {buyer.province}, {buyer.zipcode}"
            ),
        },
        "logistics": {"shipping_id": 999, "shipping_agency": "Custom Logistik"},
        "amt": {
            "ttl_product_price": order.total,
            "shipping_cost": 0,
            "insurance_cost": 0,
            "ttl_amount": order.total,
            "voucher_amount": 0,
            "toppoints_amount": 0,
        },
        "dropshipper_info": {},
        "voucher_info": {"voucher_code": "", "voucher_type": 0},
        "order_status": order.status,
        "warehouse_id": 0,
        "fulfill_by": 0,
        "create_time": order.created,
        "custom_fields": {"awb": order.tracking_number},
    }


def single_view(shop: Shop, order: Order) -> dict[str, Any]:
    """Get Single Order (fixture get-single-order-ok)."""
    buyer, fields, paid = order.buyer, order.fields, order.paid_at
    history = fields["history"]
    return {
        "order_id": order.id,
        "buyer_id": fields["buyer_id"],
        "seller_id": shop.shop_id,
        "payment_id": fields["payment_id"],
        "is_affiliate": False,
        "is_fulfillment": False,
        "order_status": order.status,
        "invoice_number": fields["invoice"],
        "open_amt": order.total,
        "lp_amt": 0,
        "cashback_amt": 0,
        "info": "",
        "comment": "",
        "item_price": order.total,
        "buyer_info": {
            "buyer_id": fields["buyer_id"],
            "buyer_fullname": buyer.name,
            "buyer_email": "",
            "buyer_phone": "",
        },
        "shop_info": {"shop_id": shop.shop_id, "shop_name": shop.name, "shop_domain": shop.name},
        "shipment_fulfillment": {
            "payment_date_time": rfc3339(paid),
            "accept_deadline": rfc3339(paid + DAYS_TO_ACCEPT * 86400 if paid else None),
            "confirm_shipping_deadline": rfc3339(
                paid + (DAYS_TO_ACCEPT + DAYS_TO_SHIP) * 86400 if paid else None
            ),
            "is_accepted": any(status == state.ACCEPTED for status, _, _ in history),
            "is_confirm_shipping": order.shipped_at is not None,
        },
        "order_info": {
            "order_detail": [
                {
                    "order_detail_id": line.id,
                    "product_id": _product_id(line),
                    "product_name": _line_name(line),
                    "product_price": line.price,
                    "subtotal_price": line.price * line.quantity,
                    "weight": line.fields["weight_kg"],
                    "total_weight": round(line.fields["weight_kg"] * line.quantity, 3),
                    "quantity": line.quantity,
                    "quantity_deliver": line.quantity,
                    "quantity_reject": 0,
                    "currency_id": 2,
                    "sku": line.sku,
                }
                for line in order.lines
            ],
            "order_history": [
                {
                    "action_by": by,
                    "hist_status_code": status,
                    "message": "",
                    "timestamp": rfc3339(when),
                    "comment": "",
                }
                for status, when, by in reversed(history)
            ],
            "shipping_info": {
                "sp_id": 999,
                "shipping_id": 999,
                "logistic_name": "Custom Logistik",
                "logistic_service": "Service Normal",
                "shipping_price": 0,
                "awb": order.tracking_number,
            },
            "destination": {
                "receiver_name": buyer.name,
                "receiver_phone": fields["phone"],
                "address_street": "****",
                "address_district": buyer.district,
                "address_city": buyer.city,
                "address_province": buyer.province,
                "address_postal": buyer.zipcode,
            },
        },
        "payment_info": {
            "payment_id": fields["payment_id"],
            "payment_date": rfc3339(paid),
            "payment_status": "Verified" if paid else "Pending",
        },
        "create_time": rfc3339(order.created),
        "update_time": rfc3339(order.updated),
        "payment_date": rfc3339(paid) if paid else None,
        "shipping_date": rfc3339(order.shipped_at) if order.shipped_at else None,
    }


# --- webhooks: order_notification (a new paid order), order_status (every later change) ---


def order_status_payload(fs_id: int, order: Order) -> dict[str, Any]:
    return {
        "fs_id": fs_id,
        "order_status": order.status,
        "order_id": order.id,
        "shop_id": order.fields["shop_id"],
        "warehouse_id": 0,
        "product_details": product_lines(order, "Name", "Rp."),
    }


def order_notification_payload(fs_id: int, order: Order) -> dict[str, Any]:
    buyer, fields = order.buyer, order.fields
    return {
        "fs_id": fs_id,
        "order_id": order.id,
        "invoice_ref_num": fields["invoice"],
        "products": product_lines(order, "Name", "Rp."),
        "customer": {"id": fields["buyer_id"], "Name": buyer.name, "phone": "", "email": ""},
        "recipient": {
            "Name": buyer.name,
            "phone": fields["phone"],
            "address": address_view(buyer, f"{buyer.district}, {buyer.city}"),
        },
        "shop_id": fields["shop_id"],
        "payment_id": fields["payment_id"],
        "device_type": "",
        "create_time": order.created,
    }


# --- handlers ------------------------------------------------------------------------------


def get_all_orders(ctx: Ctx) -> list[dict[str, Any]]:
    query = ctx.query
    from_date = query_int(query, "from_date", "ORD_DLV_001")
    to_date = query_int(query, "to_date", "ORD_DLV_001")
    if to_date < from_date or to_date - from_date >= MAX_WINDOW_SECONDS:
        raise TokopediaError("Date Range must be less than 3 days", "ORD_DLV_013")
    page = query_int(query, "page", "ORD_DLV_001")
    per_page = query_int(query, "per_page", "ORD_DLV_001")
    if page < 1:
        raise TokopediaError("page minimal value is 1", "ORD_DLV_001")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise TokopediaError("per_page max value is 100", "ORD_DLV_001")
    shops = [ctx.shop("ORD_DLV_006")] if query.get("shop_id") else ctx.shops()
    status = query_int(query, "status", "ORD_DLV_001", default=-1)
    matching = [
        order
        for shop in shops
        for order in shop.orders.values()
        if order.paid_at is not None
        and from_date <= order.created <= to_date
        and (status < 0 or order.status == status)
    ]
    matching.sort(key=lambda o: (o.created, o.id))
    start = (page - 1) * per_page
    return [list_view(ctx.app.fs_id, o) for o in matching[start : start + per_page]]


def _find(ctx: Ctx, order_id: int | None = None, invoice: str | None = None):
    for shop in ctx.shops():
        for order in shop.orders.values():
            if order.id == order_id or (invoice and order.fields["invoice"] == invoice):
                return shop, order
    raise TokopediaError("Data Not Found", "ORD_API_008")


def get_single_order(ctx: Ctx) -> dict[str, Any]:
    invoice = ctx.query.get("invoice_num")
    if ctx.query.get("order_id"):
        shop, order = _find(ctx, order_id=query_int(ctx.query, "order_id", "ORD_API_008"))
    elif invoice:
        shop, order = _find(ctx, invoice=invoice)
    else:
        raise TokopediaError("order_id or invoice_num is required", "ORD_API_008")
    return single_view(shop, order)


def _path_order(ctx: Ctx) -> tuple[Shop, Order]:
    raw = ctx.params["order_id"]
    if not raw.isdigit():
        raise TokopediaError(f"Invalid field [order_id] format, value [{raw}]", "ORD_API_008")
    return _find(ctx, order_id=int(raw))


def _move(
    ctx: Ctx, found: tuple[Shop, Order], allowed: frozenset[int], to: int, code: str, verb: str
) -> Order:
    """The seller moves the order `to` a status, from one of `allowed` only."""
    shop, order = found
    if order.status not in allowed:
        raise TokopediaError(f"Order Status not eligible to {verb}", code)
    ctx.sandbox.change_status_in(shop, order, to, by="seller")
    return order


def accept(ctx: Ctx) -> str:
    _move(ctx, _path_order(ctx), TO_ACCEPT, state.ACCEPTED, "ORD_USC_001", "accept")
    return "success"


def reject(ctx: Ctx) -> str:
    found, body = _path_order(ctx), ctx.json
    if body.get("reason_code") not in REJECT_REASONS or not body.get("reason"):
        raise TokopediaError("reason_code and reason are required", "ORD_USC_008")
    allowed = TO_ACCEPT | ACCEPTED_STATUSES
    _move(ctx, found, allowed, state.SELLER_REJECT, "ORD_USC_008", "reject")
    return "success"


def confirm_shipping(ctx: Ctx) -> str:
    found, body = _path_order(ctx), ctx.json
    if body.get("order_status") != state.SHIPPED:
        raise TokopediaError("order_status must be 500", "ORD_USC_009")
    awb = body.get("shipping_ref_num")
    if not isinstance(awb, str) or not awb.strip():
        raise TokopediaError("shipping_ref_num cannot be empty", "ORD_USC_009")
    order = _move(ctx, found, ACCEPTED_STATUSES, state.SHIPPED, "ORD_USC_009", "confirm shipping")
    order.tracking_number = awb.strip()
    return "Success"


def register_webhook(ctx: Ctx) -> str:
    """POST /v1/fs/:fs_id/register: replaces every URL ("provide a copy of your current
    urls to prevent it being replaced by empty string") and the webhook secret."""
    body = ctx.json
    if body.get("fs_id") not in (None, ctx.app.fs_id):
        raise forbidden(f"fs_id {body.get('fs_id')} is not yours")
    urls = {k: str(v or "") for k, v in body.items() if k.endswith("_url")}
    ctx.app.urls = {k: v for k, v in urls.items() if v}
    secret = body.get("webhook_secret")
    if isinstance(secret, str) and secret:
        ctx.app.webhook_secret = secret
    return "success"


def shop_view(shop: Shop) -> dict[str, Any]:
    """Get Shop Info's shop: values other than id and name are the sandbox's."""
    domain = shop.name.lower().replace(" ", "-")
    return {
        "shop_id": shop.shop_id,
        "user_id": shop.shop_id * 10 + 1,
        "shop_name": shop.name,
        "logo": "",
        "shop_url": f"https://www.tokopedia.com/{domain}",
        "is_open": 1,
        "status": 1,
        "date_shop_created": "2021-03-01",
        "domain": domain,
        "admin_id": [shop.shop_id * 10 + 1],
        "reason": "",
        "district_id": 2274,
        "province_name": "DKI Jakarta",
        "warehouses": [],
        "subscribe_tokocabang": False,
    }


def shop_info(ctx: Ctx) -> list[dict[str, Any]]:
    """The shops linked to the app: one with `shop_id`, else a page of them."""
    if ctx.query.get("shop_id"):
        return [shop_view(ctx.shop("SHOP_ID"))]
    page = max(1, query_int(ctx.query, "page", "SHOP_PAGE", default=1))
    per_page = max(1, query_int(ctx.query, "per_page", "SHOP_PAGE", default=SHOPS_PER_PAGE))
    shops = sorted(ctx.shops(), key=lambda shop: shop.shop_id)
    return [shop_view(shop) for shop in shops[(page - 1) * per_page : page * per_page]]


ROUTES = [
    Route("GET", "/v2/order/list", get_all_orders),
    Route("GET", "/v2/fs/{fs_id}/order", get_single_order),
    Route("POST", "/v1/order/{order_id}/fs/{fs_id}/ack", accept),
    Route("POST", "/v1/order/{order_id}/fs/{fs_id}/nack", reject),
    Route("POST", "/v1/order/{order_id}/fs/{fs_id}/status", confirm_shipping),
    Route("POST", "/v1/fs/{fs_id}/register", register_webhook),
    Route("GET", "/v1/shop/fs/{fs_id}/shop-info", shop_info),
]
