"""How the sandbox shows its state on the wire (field names and types of the API pages'
response examples: ids as numbers in product lists, amounts as "106.00" text in orders,
times as epoch-millisecond text in products and ISO 8601 in orders)."""

from __future__ import annotations

from typing import Any

from lapak.sandboxes.kit.catalog import Id, Price
from lapak.sandboxes.lazada.state import CURRENCY, WAREHOUSE, Order, OrderItem, Product, Sku
from lapak.sandboxes.lazada.wire import iso, millis

DAYS_TO_SHIP = 2


def shop_sku(item_id: Id, sku_id: Id | None) -> str:
    return f"{item_id}_ID-{sku_id}"


def money(amount: Price) -> str:
    return f"{amount}.00"


def product(p: Product) -> dict[str, Any]:
    return {
        "item_id": p.id,
        "primary_category": int(p.category),
        "status": p.status,
        "created_time": millis(p.created),
        "updated_time": millis(p.updated),
        "images": list(p.images),
        "marketImages": [],
        "trialProduct": False,
        "attributes": {
            "name": p.name,
            "description": p.description,
            "brand": p.brand,
            "short_description": "",
        },
        "variation": {
            f"Variation{n}": {
                "name": name,
                "label": name,
                "hasImage": spec["hasImage"],
                "customize": spec["customize"],
                "options": list(spec["options"]),
            }
            for n, (name, spec) in enumerate(p.variation.items(), start=1)
        },
        "skus": [sku(p, s) for s in p.skus.values()],
    }


def sku(p: Product, s: Sku) -> dict[str, Any]:
    return {
        "SkuId": s.id,
        "SellerSku": s.sku,
        "ShopSku": shop_sku(p.id, s.id),
        "Status": s.status,
        "quantity": s.total,
        "Available": s.stock,
        "price": float(s.price),
        "special_price": 0.0,
        "saleProp": dict(s.sale_prop),
        "Images": list(s.images),
        "Url": f"https://www.lazada.co.id/-i{p.id}-s{s.id}.html",
        "multiWarehouseInventories": [
            {
                "warehouseCode": WAREHOUSE,
                "quantity": s.total,
                "totalQuantity": s.total,
                "sellableQuantity": s.stock,
                "occupyQuantity": s.occupy,
                "withholdQuantity": s.withhold,
            }
        ],
        "fblWarehouseInventories": [],
        **s.package,
    }


def _address(order: Order) -> dict[str, str]:
    """Masked the way Lazada masks buyer PII for apps without sensitive-data access."""
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


def order_header(order: Order) -> dict[str, Any]:
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


def order_item(order: Order, item: OrderItem) -> dict[str, Any]:
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
