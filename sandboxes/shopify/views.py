"""JSON of sandbox objects as the REST Admin API (2025-01) writes them: the fields of each
resource's REST reference that a client could meaningfully read (Shopify's carry more)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lapak.sandboxes.shopify.state import (
    CURRENCY,
    DEFAULT_TITLE,
    Fulfillment,
    FulfillmentOrder,
    LineItem,
    Order,
    Product,
    Refund,
    Shop,
    Variant,
    iso,
    money,
)


def variant_view(product: Product, variant: Variant, available: int) -> dict[str, Any]:
    return {
        "id": variant.id,
        "product_id": product.id,
        "title": variant.option1,
        "price": money(variant.price),
        "sku": variant.sku,
        "position": variant.position,
        "inventory_policy": "deny",
        "compare_at_price": None,
        "fulfillment_service": "manual",
        "inventory_management": variant.inventory_management,
        "option1": variant.option1,
        "option2": None,
        "option3": None,
        "created_at": iso(variant.created_at),
        "updated_at": iso(variant.updated_at),
        "taxable": True,
        "barcode": None,
        "grams": variant.grams,
        "weight": variant.weight,
        "weight_unit": variant.weight_unit,
        "inventory_item_id": variant.inventory_item_id,
        "inventory_quantity": available,
        "old_inventory_quantity": available,
        "requires_shipping": True,
        "admin_graphql_api_id": f"gid://shopify/ProductVariant/{variant.id}",
    }


def product_view(shop: Shop, product: Product) -> dict[str, Any]:
    variants = [
        variant_view(product, v, shop.levels.get(v.inventory_item_id, 0))
        for v in product.variants.values()
    ]
    values = [v.option1 for v in product.variants.values()] or [DEFAULT_TITLE]
    return {
        "id": product.id,
        "title": product.title,
        "body_html": product.body_html,
        "vendor": product.vendor,
        "product_type": product.product_type,
        "created_at": iso(product.created_at),
        "handle": product.handle,
        "updated_at": iso(product.updated_at),
        "published_at": iso(product.created_at),
        "template_suffix": None,
        "published_scope": "global",
        "tags": "",
        "status": product.status,
        "admin_graphql_api_id": f"gid://shopify/Product/{product.id}",
        "variants": variants,
        "options": [
            {
                "id": product.id * 10,
                "product_id": product.id,
                "name": product.option_name,
                "position": 1,
                "values": values,
            }
        ],
        "images": list(product.images),
        "image": product.images[0] if product.images else None,
    }


def location_view(shop: Shop) -> dict[str, Any]:
    return {
        "id": shop.location_id,
        "name": f"Gudang {shop.name}",
        "address1": "Jl. Sudirman 1",
        "city": "Jakarta Selatan",
        "zip": "12190",
        "province": "DKI Jakarta",
        "country": "ID",
        "country_code": "ID",
        "active": True,
        "legacy": False,
        "admin_graphql_api_id": f"gid://shopify/Location/{shop.location_id}",
    }


def shop_view(shop: Shop) -> dict[str, Any]:
    return {
        "id": shop.location_id // 10 + 1,
        "name": shop.name,
        "domain": shop.domain,
        "myshopify_domain": shop.domain,
        "country_code": "ID",
        "currency": CURRENCY,
        "iana_timezone": "Asia/Jakarta",
        "timezone": "(GMT+07:00) Asia/Jakarta",
        "plan_name": "basic",
        "primary_location_id": shop.location_id,
        "weight_unit": "g",
    }


def level_view(shop: Shop, inventory_item_id: int) -> dict[str, Any]:
    return {
        "inventory_item_id": inventory_item_id,
        "location_id": shop.location_id,
        "available": shop.levels.get(inventory_item_id, 0),
        "updated_at": iso(shop.level_updated.get(inventory_item_id)),
        "admin_graphql_api_id": (
            f"gid://shopify/InventoryLevel/{shop.location_id}?inventory_item_id={inventory_item_id}"
        ),
    }


def line_item_view(order: Order, line: LineItem) -> dict[str, Any]:
    fulfilled = order.fulfilled_quantity(line.id)
    return {
        "id": line.id,
        "variant_id": line.variant_id,
        "product_id": line.product_id,
        "title": line.title,
        "variant_title": line.variant_title,
        "name": f"{line.title} - {line.variant_title}" if line.variant_title else line.title,
        "sku": line.sku,
        "quantity": line.quantity,
        "current_quantity": line.quantity - _refunded(order, line.id),
        "fulfillable_quantity": max(0, line.quantity - fulfilled) if not order.cancelled_at else 0,
        "fulfillment_status": (
            "fulfilled" if fulfilled >= line.quantity else ("partial" if fulfilled else None)
        ),
        "price": money(line.price),
        "grams": line.grams,
        "requires_shipping": True,
        "taxable": True,
        "total_discount": "0.00",
        "admin_graphql_api_id": f"gid://shopify/LineItem/{line.id}",
    }


def _refunded(order: Order, line_id: int) -> int:
    return sum(q for r in order.refunds for i, q in r.line_items if i == line_id)


def fulfillment_view(order: Order, fulfillment: Fulfillment) -> dict[str, Any]:
    by_id = {line.id: line for line in order.line_items}
    number = fulfillment.tracking_number
    return {
        "id": fulfillment.id,
        "order_id": order.id,
        "status": fulfillment.status,
        "created_at": iso(fulfillment.created_at),
        "updated_at": iso(fulfillment.updated_at),
        "location_id": fulfillment.location_id,
        "name": f"{order.name}.{order.fulfillments.index(fulfillment) + 1}",
        "service": "manual",
        "shipment_status": fulfillment.shipment_status,
        "tracking_company": fulfillment.tracking_company,
        "tracking_number": number,
        "tracking_numbers": [number] if number else [],
        "tracking_url": None,
        "tracking_urls": [],
        "line_items": [
            {**line_item_view(order, by_id[line_id]), "quantity": quantity}
            for line_id, quantity in fulfillment.line_items
            if line_id in by_id
        ],
    }


def fulfillment_order_view(order: Order, fo: FulfillmentOrder) -> dict[str, Any]:
    actions = ["create_fulfillment", "request_fulfillment"] if fo.status == "open" else []
    return {
        "id": fo.id,
        "shop_id": fo.location_id // 10 + 1,
        "order_id": order.id,
        "assigned_location_id": fo.location_id,
        "request_status": "unsubmitted",
        "status": fo.status,
        "supported_actions": actions,
        "fulfill_at": iso(fo.created_at),
        "created_at": iso(fo.created_at),
        "updated_at": iso(fo.updated_at),
        "line_items": [
            {
                "id": line["id"],
                "shop_id": fo.location_id // 10 + 1,
                "fulfillment_order_id": fo.id,
                "line_item_id": line["line_item_id"],
                "inventory_item_id": line["inventory_item_id"],
                "quantity": line["quantity"],
                "fulfillable_quantity": line["fulfillable_quantity"],
                "variant_id": line["variant_id"],
            }
            for line in fo.lines
        ],
    }


def refund_view(order: Order, refund: Refund) -> dict[str, Any]:
    by_id = {line.id: line for line in order.line_items}
    return {
        "id": refund.id,
        "order_id": order.id,
        "created_at": iso(refund.created_at),
        "processed_at": iso(refund.created_at),
        "note": refund.note,
        "restock": refund.restock,
        "refund_line_items": [
            {
                "id": refund.id * 10 + n,
                "line_item_id": line_id,
                "quantity": quantity,
                "restock_type": "return" if refund.restock else "no_restock",
                "location_id": order.fulfillments[0].location_id if order.fulfillments else None,
                "subtotal": money(by_id[line_id].price * quantity) if line_id in by_id else "0.00",
            }
            for n, (line_id, quantity) in enumerate(refund.line_items)
        ],
        "transactions": [],
    }


def order_view(order: Order) -> dict[str, Any]:
    total = money(order.total_price)
    prices = {line.id: line.price for line in order.line_items}
    refunded = sum(
        (prices.get(i, 0) * q for r in order.refunds for i, q in r.line_items), Decimal(0)
    )
    return {
        "id": order.id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order.id}",
        "name": order.name,
        "number": order.number - 1000,
        "order_number": order.number,
        "email": order.customer["email"],
        "contact_email": order.customer["email"],
        "created_at": iso(order.created_at),
        "updated_at": iso(order.updated_at),
        "processed_at": iso(order.processed_at or order.created_at),
        "closed_at": iso(order.closed_at),
        "cancelled_at": iso(order.cancelled_at),
        "cancel_reason": order.cancel_reason,
        "financial_status": order.financial_status,
        "fulfillment_status": order.fulfillment_status,
        "confirmed": True,
        "test": False,
        "currency": CURRENCY,
        "presentment_currency": CURRENCY,
        "subtotal_price": total,
        "total_price": total,
        "current_total_price": money(order.total_price - refunded),
        "total_tax": "0.00",
        "total_discounts": "0.00",
        "gateway": order.gateway,
        "payment_gateway_names": [order.gateway],
        "customer": dict(order.customer),
        "shipping_address": dict(order.shipping_address),
        "billing_address": dict(order.shipping_address),
        "line_items": [line_item_view(order, line) for line in order.line_items],
        "fulfillments": [fulfillment_view(order, f) for f in order.fulfillments],
        "refunds": [refund_view(order, r) for r in order.refunds],
        "shipping_lines": [],
        "tags": "",
        "note": None,
    }
