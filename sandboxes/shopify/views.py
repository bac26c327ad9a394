"""JSON of sandbox objects as the REST Admin API (2025-01) writes them: the fields of each
resource's REST reference that a client could meaningfully read (Shopify's carry more)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lapak.sandboxes.kit.orders import Order, OrderLine
from lapak.sandboxes.shopify.state import (
    CURRENCY,
    DEFAULT_TITLE,
    Fulfillment,
    FulfillmentOrder,
    Product,
    Refund,
    Shop,
    Variant,
    fulfillment_status,
    iso,
    money,
    shipping,
)


def variant_view(product: Product, variant: Variant) -> dict[str, Any]:
    return {
        "id": variant.id,
        "product_id": product.id,
        "title": variant.option1,
        "price": money(Decimal(variant.price)),
        "sku": variant.sku,
        "position": variant.position,
        "inventory_policy": "deny",
        "compare_at_price": None,
        "fulfillment_service": "manual",
        "inventory_management": "shopify" if variant.tracked else None,
        "option1": variant.option1,
        "option2": None,
        "option3": None,
        "created_at": iso(variant.created),
        "updated_at": iso(variant.updated),
        "taxable": True,
        "barcode": None,
        "grams": variant.grams,
        "weight": variant.weight,
        "weight_unit": variant.weight_unit,
        "inventory_item_id": variant.inventory_item_id,
        "inventory_quantity": variant.stock,
        "old_inventory_quantity": variant.stock,
        "requires_shipping": True,
        "admin_graphql_api_id": f"gid://shopify/ProductVariant/{variant.id}",
    }


def product_view(product: Product) -> dict[str, Any]:
    values = [v.option1 for v in product.skus] or [DEFAULT_TITLE]
    images: list[dict[str, Any]] = [
        {
            "id": product.id * 100 + n,
            "product_id": product.id,
            "position": n,
            "src": url,
            "alt": None,
            "width": 1,
            "height": 1,
            "variant_ids": [],
        }
        for n, url in enumerate(product.images, start=1)
    ]
    return {
        "id": product.id,
        "title": product.name,
        "body_html": product.body_html,
        "vendor": product.vendor,
        "product_type": product.product_type,
        "created_at": iso(product.created),
        "handle": product.handle,
        "updated_at": iso(product.updated),
        "published_at": iso(product.created),
        "template_suffix": None,
        "published_scope": "global",
        "tags": "",
        "status": product.status,
        "admin_graphql_api_id": f"gid://shopify/Product/{product.id}",
        "variants": [variant_view(product, v) for v in product.skus],
        "options": [
            {
                "id": product.id * 10,
                "product_id": product.id,
                "name": product.option_name,
                "position": 1,
                "values": values,
            }
        ],
        "images": images,
        "image": images[0] if images else None,
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


def level_view(shop: Shop, variant: Variant) -> dict[str, Any]:
    item = variant.inventory_item_id
    return {
        "inventory_item_id": item,
        "location_id": shop.location_id,
        "available": variant.stock,
        "updated_at": iso(variant.level_updated),
        "admin_graphql_api_id": (
            f"gid://shopify/InventoryLevel/{shop.location_id}?inventory_item_id={item}"
        ),
    }


def line_item_view(order: Order, line: OrderLine) -> dict[str, Any]:
    held = shipping(order)
    fulfilled = held.fulfilled_quantity(int(line.id))
    # the option value ("" for the one variant of a product without options)
    variant_title = "" if line.options in ([], [DEFAULT_TITLE]) else line.options[0]
    return {
        "id": line.id,
        "variant_id": line.variant_id,
        "product_id": line.listing_id,
        "title": line.name,
        "variant_title": variant_title,
        "name": f"{line.name} - {variant_title}" if variant_title else line.name,
        "sku": line.sku,
        "quantity": line.quantity,
        "current_quantity": line.quantity - held.refunded_quantity(int(line.id)),
        "fulfillable_quantity": max(0, line.quantity - fulfilled) if not order.cancelled_at else 0,
        "fulfillment_status": (
            "fulfilled" if fulfilled >= line.quantity else ("partial" if fulfilled else None)
        ),
        "price": money(Decimal(line.price)),
        "grams": line.fields["grams"],
        "requires_shipping": True,
        "taxable": True,
        "total_discount": "0.00",
        "admin_graphql_api_id": f"gid://shopify/LineItem/{line.id}",
    }


def fulfillment_view(order: Order, fulfillment: Fulfillment) -> dict[str, Any]:
    by_id = {line.id: line for line in order.lines}
    held = shipping(order)
    number = fulfillment.tracking_number
    return {
        "id": fulfillment.id,
        "order_id": order.id,
        "status": "success",
        "created_at": iso(fulfillment.created_at),
        "updated_at": iso(fulfillment.updated_at),
        "location_id": fulfillment.location_id,
        "name": f"#{held.number}.{held.fulfillments.index(fulfillment) + 1}",
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
            {**line, "shop_id": fo.location_id // 10 + 1, "fulfillment_order_id": fo.id}
            for line in fo.lines
        ],
    }


def refund_view(order: Order, refund: Refund) -> dict[str, Any]:
    by_id = {line.id: line for line in order.lines}
    fulfillments = shipping(order).fulfillments
    return {
        "id": refund.id,
        "order_id": order.id,
        "created_at": iso(refund.created_at),
        "processed_at": iso(refund.created_at),
        "note": "",
        "restock": True,
        "refund_line_items": [
            {
                "id": refund.id * 10 + n,
                "line_item_id": line_id,
                "quantity": quantity,
                "restock_type": "return",
                "location_id": fulfillments[0].location_id if fulfillments else None,
                "subtotal": money(Decimal(by_id[line_id].price * quantity)),
            }
            for n, (line_id, quantity) in enumerate(refund.line_items)
        ],
        "transactions": [],
    }


def order_view(order: Order) -> dict[str, Any]:
    held = shipping(order)
    total = Decimal(order.total)
    prices = {line.id: line.price for line in order.lines}
    refunded = sum((prices[i] * q for r in held.refunds for i, q in r.line_items), Decimal(0))
    buyer = order.buyer
    email = f"{buyer.first_name.lower()}.{buyer.last_name.lower()}@example.com"
    address = {
        "first_name": buyer.first_name,
        "last_name": buyer.last_name,
        "name": buyer.name,
        "address1": "Jl. Contoh No. 1",
        "city": buyer.city,
        "province": buyer.province,
        "zip": buyer.zipcode,
        "country": "Indonesia",
        "country_code": "ID",
        "phone": None,
    }
    return {
        "id": order.id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order.id}",
        "name": f"#{held.number}",
        "number": held.number - 1000,
        "order_number": held.number,
        "email": email,
        "contact_email": email,
        "created_at": iso(order.created),
        "updated_at": iso(order.updated),
        "processed_at": iso(order.created),
        "closed_at": iso(held.closed_at),
        "cancelled_at": iso(order.cancelled_at),
        "cancel_reason": order.cancel_reason or None,
        "financial_status": order.status,
        "fulfillment_status": fulfillment_status(order),
        "confirmed": True,
        "test": False,
        "currency": CURRENCY,
        "presentment_currency": CURRENCY,
        "subtotal_price": money(total),
        "total_price": money(total),
        "current_total_price": money(total - refunded),
        "total_tax": "0.00",
        "total_discounts": "0.00",
        "gateway": held.gateway,
        "payment_gateway_names": [held.gateway],
        "customer": {
            "id": held.customer_id,
            "first_name": buyer.first_name,
            "last_name": buyer.last_name,
            "email": email,
        },
        "shipping_address": address,
        "billing_address": dict(address),
        "line_items": [line_item_view(order, line) for line in order.lines],
        "fulfillments": [fulfillment_view(order, f) for f in held.fulfillments],
        "refunds": [refund_view(order, r) for r in held.refunds],
        "shipping_lines": [],
        "tags": "",
        "note": None,
    }
