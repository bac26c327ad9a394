"""Products and orders as TikTok Shop's 202309 responses show them (field names and shapes
of the Search Products, Get Product, Get Order List and Get Order Detail references)."""

from __future__ import annotations

from typing import Any

from lapak.sandboxes.kit.catalog import Listing, Variant
from lapak.sandboxes.kit.orders import Order
from lapak.sandboxes.tiktok.state import CURRENCY, NOT_SHIPPED, REGION, RTS_SLA_SECONDS, Shop

DELIVERY_OPTION_NAME = "Dikirim oleh penjual"  # the sandbox's name of SEND_BY_SELLER


def sku_view(shop: Shop, sku: Variant) -> dict[str, Any]:
    price = str(sku.price)
    view: dict[str, Any] = {
        "id": sku.id,
        "seller_sku": sku.sku,
        "price": {"currency": CURRENCY, "tax_exclusive_price": price, "sale_price": price},
        "inventory": [{"warehouse_id": shop.warehouse_id, "quantity": sku.stock}],
        "status_info": {"status": "NORMAL"},
    }
    if sku.fields["sales_attributes"]:
        view["sales_attributes"] = [dict(attribute) for attribute in sku.fields["sales_attributes"]]
    return view


def product_summary(shop: Shop, product: Listing) -> dict[str, Any]:
    """A product of Search Products (key properties only)."""
    return {
        "id": product.id,
        "title": product.name,
        "status": product.status,
        "skus": [sku_view(shop, sku) for sku in product.variants.values()],
        "sales_regions": [REGION],
        "create_time": product.created,
        "update_time": product.updated,
        "is_not_for_sale": False,
        "audit": {"status": "APPROVED" if product.status == "ACTIVATE" else "NONE"},
    }


def product_detail(shop: Shop, product: Listing, base_url: str) -> dict[str, Any]:
    """The data of Get Product."""
    fields = product.fields
    return {
        **product_summary(shop, product),
        "description": fields["description"],
        "category_chains": [
            {"id": fields["category_id"], "parent_id": "0", "local_name": "", "is_leaf": True}
        ],
        "main_images": [
            {"uri": uri, "urls": [f"{base_url}/_sandbox/images/{uri}"], "width": 0, "height": 0}
            for uri in product.images
        ],
        "package_weight": {"value": fields["package_weight"], "unit": "KILOGRAM"},
        "is_cod_allowed": False,
    }


def _address(order: Order) -> dict[str, Any]:
    buyer = order.buyer
    return {
        "name": buyer.name,
        "first_name": buyer.name,
        "phone_number": "(+62)8******" + buyer.zipcode[-2:],
        "full_address": f"****, {buyer.district}, {buyer.city}, {buyer.province}, {buyer.zipcode}",
        "postal_code": buyer.zipcode,
        "region_code": REGION,
        "district_info": [
            {"address_level_name": level, "address_name": name, "address_level": f"L{depth}"}
            for depth, (level, name) in enumerate(
                (
                    ("Country", "Indonesia"),
                    ("Province", buyer.province),
                    ("City", buyer.city),
                    ("District", buyer.district),
                )
            )
        ],
    }


def _line_status(order: Order) -> tuple[str, str]:
    """(display_status, package_status) of the order's line items."""
    status = str(order.status)
    if status == "CANCELLED":
        return status, "CANCELLED"
    if status in NOT_SHIPPED:
        return status, "TO_FULFILL"
    return status, "PROCESSING" if status == "AWAITING_COLLECTION" else "SHIPPED"


def order_view(shop: Shop, order: Order) -> dict[str, Any]:
    """An order of Get Order List / Get Order Detail. The recipient address is "not
    available under UNPAID and ON_HOLD status" (Get Order Detail's reference)."""
    total = str(order.total)
    display_status, package_status = _line_status(order)
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
                "display_status": display_status,
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
