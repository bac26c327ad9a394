"""The sandbox's objects as WooCommerce REST v3 shows them (`prepare_object_for_response` of
the products, variations and orders controllers; fields Lapak and common clients read,
with WooCommerce's types: money as strings, ids as integers, dates in site time and GMT).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from hashlib import sha1
from typing import Any

from lapak.sandboxes.woocommerce.state import (
    CATEGORIES,
    CURRENCY,
    CURRENCY_SYMBOL,
    SITE_TZ,
    WC_VERSION,
    Meta,
    Post,
    Product,
    Shop,
    Variation,
    WooOrder,
)
from lapak.sandboxes.woocommerce.wire import API

DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
NO_CHARGES = (
    "discount_total",
    "discount_tax",
    "shipping_total",
    "shipping_tax",
    "cart_tax",
    "total_tax",
)
"""An order's amounts the sandbox never charges (no coupons, shipping lines or taxes)."""
PROVINCE_CODES = {
    "DKI Jakarta": "JK",
    "Jawa Barat": "JB",
    "Jawa Tengah": "JT",
    "Jawa Timur": "JI",
    "DI Yogyakarta": "YO",
    "Bali": "BA",
    "Sumatera Utara": "SU",
    "Sulawesi Selatan": "SN",
}
"""WooCommerce's state codes of the kit's buyers' provinces (`WC_Countries` for ID)."""


def money(value: Decimal | int) -> str:
    """An IDR amount as WooCommerce stores it with 0 decimals ("150000")."""
    return format(Decimal(value).quantize(Decimal(1)), "f")


def meta_view(meta: Iterable[Meta]) -> list[dict[str, Any]]:
    return [{"id": m.id, "key": m.key, "value": m.value} for m in meta]


def dates(prefix: str, moment: float | None) -> dict[str, str | None]:
    """`date_*` in site time and `date_*_gmt` in UTC, as WooCommerce shows them."""
    if moment is None:
        return {prefix: None, f"{prefix}_gmt": None}
    local, gmt = (datetime.fromtimestamp(int(moment), tz) for tz in (SITE_TZ, UTC))
    return {prefix: local.strftime(DATE_FORMAT), f"{prefix}_gmt": gmt.strftime(DATE_FORMAT)}


def links(shop: Shop, **paths: str) -> dict[str, list[dict[str, str]]]:
    """`_links`: each relation's API path as a full URL."""
    return {rel: [{"href": f"{shop.site_url}{API}{path}"}] for rel, path in paths.items()}


def image_view(shop: Shop, image_id: int) -> dict[str, Any] | None:
    image = shop.attachments.get(image_id)
    if image is None:
        return None
    return {
        "id": image.id,
        **dates("date_created", image.created),
        **dates("date_modified", image.created),
        "src": image.src,
        "name": image.name,
        "alt": "",
    }


def _post(product: Post) -> dict[str, Any]:
    """What products and variations show alike: their post's id, dates, description, SKU,
    status, stock, weight and meta data; no sale, taxable, no dimensions, no backorders."""
    return {
        "id": product.id,
        **dates("date_created", product.created),
        **dates("date_modified", product.updated),
        "description": product.description,
        "sku": product.sku,
        "status": product.status,
        "sale_price": "",
        "on_sale": False,
        "virtual": False,
        "downloadable": False,
        "tax_status": "taxable",
        "tax_class": "",
        "dimensions": {"length": "", "width": "", "height": ""},
        "menu_order": 0,
        "manage_stock": product.manage_stock,
        "stock_quantity": product.stock_quantity,
        "stock_status": "outofstock" if product.manage_stock and product.stock <= 0 else "instock",
        "backorders": "no",
        "backorders_allowed": False,
        "backordered": False,
        "weight": product.weight,
        "meta_data": meta_view(product.meta),
    }


def product_view(shop: Shop, product: Post) -> dict[str, Any]:
    """A product, or a variation as the products endpoint shows one (listed by SKU)."""
    variable = isinstance(product, Product) and product.type == "variable"
    prices = [v.price for v in product.children()] if isinstance(product, Product) else []
    price = money(min(prices)) if variable and prices else product.regular_price
    images = [view for i in product.image_ids if (view := image_view(shop, i))]
    return {
        **_post(product),
        "name": product.name,
        "slug": product.name.lower().replace(" ", "-"),
        "permalink": f"{shop.site_url}/?p={product.id}",
        "type": product.type,
        "featured": False,
        "catalog_visibility": "visible",
        "short_description": "",
        "price": price,
        "regular_price": "" if variable else product.regular_price,
        "purchasable": bool(price),
        "total_sales": 0,
        "sold_individually": False,
        "shipping_required": True,
        "parent_id": product.parent_id,
        "categories": [
            {"id": c, "name": CATEGORIES.get(c, ""), "slug": CATEGORIES.get(c, "").lower()}
            for c in product.category_ids
        ],
        "tags": [],
        "images": images,
        "attributes": [dict(a) for a in product.attributes],
        "default_attributes": [],
        "variations": list(product.variations),
        "_links": links(shop, self=f"/products/{product.id}", collection="/products"),
    }


def variation_view(shop: Shop, variation: Variation) -> dict[str, Any]:
    parent = shop.products.get(variation.parent_id)
    names = {
        a["name"].lower(): a["name"]
        for a in (parent.attributes if parent else [])
        if a["variation"]
    }
    image = image_view(shop, variation.image_ids[0]) if variation.image_ids else None
    return {
        **_post(variation),
        "permalink": f"{shop.site_url}/?p={variation.parent_id}&variation={variation.id}",
        "price": variation.regular_price,
        "regular_price": variation.regular_price,
        "purchasable": bool(variation.regular_price),
        "image": image,
        "attributes": [
            {"id": 0, "name": names.get(slug, slug), "option": option}
            for slug, option in variation.variation_attributes.items()
        ],
        "_links": links(
            shop,
            self=f"/products/{variation.parent_id}/variations/{variation.id}",
            up=f"/products/{variation.parent_id}",
        ),
    }


def line_view(order: WooOrder) -> list[dict[str, Any]]:
    return [
        {
            "id": line.id,
            "name": f"{line.name} - {', '.join(line.options)}" if line.options else line.name,
            "product_id": line.listing_id,
            "variation_id": line.variant_id or 0,
            "quantity": line.quantity,
            "tax_class": "",
            "subtotal": money(line.price * line.quantity),
            "subtotal_tax": "0",
            "total": money(line.price * line.quantity),
            "total_tax": "0",
            "taxes": [],
            "meta_data": [],
            "sku": line.sku,
            "price": float(line.price),
            "image": {"id": "", "src": ""},
            "parent_name": line.name if line.variant_id else None,
        }
        for line in order.lines
    ]


def address(order: WooOrder) -> dict[str, str]:
    """The buyer's address as a billing or shipping block (names and numbers made up)."""
    buyer = order.buyer
    return {
        "first_name": buyer.first_name,
        "last_name": buyer.last_name,
        "company": "",
        "address_1": f"Jl. Merdeka No. {order.id % 200 + 1}",
        "address_2": buyer.district,
        "city": buyer.city,
        "state": PROVINCE_CODES.get(buyer.province, ""),
        "postcode": buyer.zipcode,
        "country": "ID",
        "phone": f"0812{order.id:08d}",
    }


def order_view(shop: Shop, order: WooOrder) -> dict[str, Any]:
    return {
        "id": order.id,
        "parent_id": 0,
        "status": order.status,
        "currency": CURRENCY,
        "version": WC_VERSION,
        "prices_include_tax": False,
        **dates("date_created", order.created),
        **dates("date_modified", order.updated),
        **dict.fromkeys(NO_CHARGES, "0"),
        "total": money(order.total),
        "customer_id": 0,
        "order_key": f"wc_order_{sha1(f'{shop.name}/{order.id}'.encode()).hexdigest()[:13]}",
        "billing": {**address(order), "email": f"pembeli{order.id}@example.id"},
        "shipping": address(order),
        "payment_method": order.payment[0],
        "payment_method_title": order.payment[1],
        "transaction_id": "",
        "customer_ip_address": "",
        "customer_user_agent": "",
        "created_via": "checkout",
        "customer_note": "",
        **dates("date_completed", order.shipped_at),
        **dates("date_paid", order.paid_at),
        "cart_hash": "",
        "number": str(order.id),
        "meta_data": meta_view(order.meta),
        "line_items": line_view(order),
        "tax_lines": [],
        "shipping_lines": [],
        "fee_lines": [],
        "coupon_lines": [],
        "refunds": list(order.refunds),
        "payment_url": f"{shop.site_url}/checkout/order-pay/{order.id}/?pay_for_order=true",
        "is_editable": order.status in ("pending", "on-hold", "checkout-draft"),
        "needs_payment": order.status in ("pending", "failed"),
        "needs_processing": True,
        "currency_symbol": CURRENCY_SYMBOL,
        "_links": links(shop, self=f"/orders/{order.id}", collection="/orders"),
    }


def only_fields(view: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """`_fields=a,b`: the requested top-level fields (and `id`, which WooCommerce keeps)."""
    if not fields:
        return view
    wanted = {f.split(".", 1)[0] for f in fields} | {"id"}
    return {key: value for key, value in view.items() if key in wanted}
