"""Products and orders as TikTok Shop's 202309 responses show them (field names and shapes
from search-products, get-product, get-order-list and get-order-detail reference pages)."""

from __future__ import annotations

from typing import Any

from lapak.sandboxes.tiktok.state import (
    CURRENCY,
    NOT_SHIPPED,
    REGION,
    RTS_SLA_SECONDS,
    Order,
    Product,
    Shop,
    Sku,
)

DELIVERY_OPTION_NAME = "Dikirim oleh penjual"  # the sandbox's name of SEND_BY_SELLER


def sku_view(shop: Shop, product: Product, sku: Sku) -> dict[str, Any]:
    price = str(sku.price)
    view: dict[str, Any] = {
        "id": sku.id,
        "seller_sku": sku.seller_sku,
        "price": {"currency": CURRENCY, "tax_exclusive_price": price, "sale_price": price},
        "inventory": [{"warehouse_id": shop.warehouse_id, "quantity": sku.quantity}],
        "status_info": {"status": "NORMAL"},
    }
    if sku.sales_attributes:
        view["sales_attributes"] = [dict(attribute) for attribute in sku.sales_attributes]
    return view


def product_summary(shop: Shop, product: Product) -> dict[str, Any]:
    """A product of Search Products (key properties only)."""
    return {
        "id": product.id,
        "title": product.title,
        "status": product.status,
        "skus": [sku_view(shop, product, sku) for sku in product.skus.values()],
        "sales_regions": [REGION],
        "create_time": product.create_time,
        "update_time": product.update_time,
        "is_not_for_sale": False,
        "audit": {"status": "APPROVED" if product.status == "ACTIVATE" else "NONE"},
    }


def product_detail(shop: Shop, product: Product, base_url: str) -> dict[str, Any]:
    """The data of Get Product."""
    return {
        **product_summary(shop, product),
        "description": product.description,
        "category_chains": [
            {"id": product.category_id, "parent_id": "0", "local_name": "", "is_leaf": True}
        ],
        "main_images": [
            {"uri": uri, "urls": [f"{base_url}/_sandbox/images/{uri}"], "width": 0, "height": 0}
            for uri in product.main_images
        ],
        "package_weight": {"value": product.weight_kg, "unit": "KILOGRAM"},
        "is_cod_allowed": False,
    }


def _address(order: Order) -> dict[str, Any]:
    r = order.recipient
    return {
        "name": r["name"],
        "first_name": r["name"],
        "phone_number": "(+62)8******" + r["postal_code"][-2:],
        "full_address": f"****, {r['district']}, {r['city']}, {r['province']}, {r['postal_code']}",
        "postal_code": r["postal_code"],
        "region_code": REGION,
        "district_info": [
            {"address_level_name": level, "address_name": name, "address_level": f"L{depth}"}
            for depth, (level, name) in enumerate(
                (
                    ("Country", "Indonesia"),
                    ("Province", r["province"]),
                    ("City", r["city"]),
                    ("District", r["district"]),
                )
            )
        ],
    }


def _line_status(order: Order) -> tuple[str, str]:
    """(display_status, package_status) of the order's line items."""
    if order.status == "CANCELLED":
        return "CANCELLED", "CANCELLED"
    if order.status in NOT_SHIPPED:
        return order.status, "TO_FULFILL"
    return order.status, "PROCESSING" if order.status == "AWAITING_COLLECTION" else "SHIPPED"


def order_view(shop: Shop, order: Order) -> dict[str, Any]:
    """An order of Get Order List / Get Order Detail. The recipient address is "not
    available under UNPAID and ON_HOLD status" (get-order-detail.spec.json)."""
    total = str(order.total)
    display_status, package_status = _line_status(order)
    view: dict[str, Any] = {
        "id": order.id,
        "status": order.status,
        "create_time": order.create_time,
        "update_time": order.update_time,
        "user_id": order.user_id,
        "buyer_message": order.buyer_message,
        "buyer_email": f"v{order.user_id[-6:]}@scs.tiktokw.us",
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
        "shipping_provider": order.shipping_provider,
        "shipping_provider_id": order.shipping_provider_id,
        "packages": [{"id": order.package_id}],
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
                "sku_id": item.sku_id,
                "product_id": item.product_id,
                "seller_sku": item.seller_sku,
                "product_name": item.product_name,
                "sku_name": item.sku_name,
                "sale_price": str(item.price),
                "original_price": str(item.price),
                "platform_discount": "0",
                "seller_discount": "0",
                "currency": CURRENCY,
                "display_status": display_status,
                "package_id": order.package_id,
                "package_status": package_status,
                "tracking_number": order.tracking_number,
                "shipping_provider_id": order.shipping_provider_id,
                "shipping_provider_name": order.shipping_provider,
                "is_gift": False,
            }
            for item in order.line_items
        ],
    }
    if order.paid_time is not None:
        view["paid_time"] = order.paid_time
        view["rts_sla_time"] = order.paid_time + RTS_SLA_SECONDS
    optional = {
        "rts_time": order.rts_time,
        "collection_time": order.collection_time,
        "delivery_time": order.delivery_time,
        "cancel_time": order.cancel_time,
    }
    view.update({key: value for key, value in optional.items() if value is not None})
    if order.status == "CANCELLED":
        view["cancel_reason"] = order.cancel_reason
        view["cancellation_initiator"] = order.cancellation_initiator
    if order.status not in ("UNPAID", "ON_HOLD"):
        view["recipient_address"] = _address(order)
    return view
