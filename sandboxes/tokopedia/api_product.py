"""Product endpoints: product info, variants, category variants, stock/price update
(docs/MARKETPLACES.md#tokopedia-batches).

Update stock/price take 1..100 rows (`sku` prioritised over `product_id`) and fail rows one
by one, ERR_TOO_MANY_REQUEST for rows over the row limit
(docs/MARKETPLACES.md#tokopedia-throttle).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from lapak.sandboxes.kit.wire import is_int
from lapak.sandboxes.tokopedia.state import ACTIVE, CATEGORIES, Product, Shop
from lapak.sandboxes.tokopedia.wire import Ctx, Route, TokopediaError, query_ids, query_int

MAX_BULK_ROWS = 100
MAX_PER_PAGE = 50
MIN_PRICE, MAX_PRICE = 100, 100_000_000
THROTTLED_ROW = "ERR_TOO_MANY_REQUEST"
CURRENCY_IDR = 1  # price.currency in product info (fixture: 1 with IDR prices)


# --- views ---------------------------------------------------------------------------------


def _slug(name: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())


def _picture_view(url: str, index: int, product_id: int) -> dict[str, Any]:
    return {
        "picID": product_id * 10 + index,
        "fileName": url.rsplit("/", 1)[-1],
        "filePath": url.rsplit("/", 1)[0],
        "status": 2 if index == 0 else 1,
        "OriginalURL": url,
        "ThumbnailURL": url,
        "width": 700,
        "height": 700,
        "URL300": url,
    }


def product_view(shop: Shop, product: Product, base_url: str) -> dict[str, Any]:
    """One product as GET product/info shows it (fixture get-product-info-ok-3)."""
    fields, variants = product.listing.fields, product.listing.variants.values()
    stock, price = product.stock, product.price
    if product.is_parent:  # what its children hold, and the cheapest of them
        stock, price = sum(v.stock for v in variants), min(v.price for v in variants)
    category = CATEGORIES.get(fields["category_id"], ("", ()))[0]
    price_view = {
        "value": price,
        "currency": CURRENCY_IDR,
        "LastUpdateUnix": product.update_time,
        "idr": price,
    }
    variant: dict[str, Any] = {}
    if product.is_parent or product.parent_id:
        children = list(product.listing.variants) if product.is_parent else []
        variant = {"isParent": product.is_parent, "isVariant": True, "childrenID": children}
    url = f"{base_url}/shop-{shop.shop_id}/{_slug(product.name)}"
    return {
        "basic": {
            "productID": product.product_id,
            "shopID": shop.shop_id,
            "status": ACTIVE,
            "name": product.name,
            "condition": 1 if fields["condition"] == "NEW" else 2,
            "childCategoryID": fields["category_id"],
            "shortDesc": fields["description"],
        },
        "price": price_view,
        "weight": {"value": fields["weight"], "unit": 1 if fields["weight_unit"] == "GR" else 2},
        "stock": {"useStock": True, "value": stock},
        "main_stock": stock,
        "reserve_stock": 0,
        "variant": variant,
        "menu": {"id": 0, "name": ""},
        "preorder": {},
        "extraAttribute": {"minOrder": fields["min_order"], "lastUpdateCategory": 0},
        "categoryTree": [
            {"id": fields["category_id"], "name": category, "title": category, "breadcrumbURL": ""}
        ],
        "pictures": [
            _picture_view(u, i, product.product_id) for i, u in enumerate(product.pictures)
        ],
        "GMStats": {},
        "stats": {},
        "other": {"sku": product.sku, "url": url, "mobileURL": url},
        "campaign": {"StartDate": "0001-01-01T00:00:00Z", "EndDate": "0001-01-01T00:00:00Z"},
        "warehouses": [
            {
                "productID": product.product_id,
                "warehouseID": 0,
                "price": price_view,
                "stock": {"useStock": True, "value": stock},
            }
        ],
    }


def variant_view(shop: Shop, parent: Product, base_url: str) -> dict[str, Any]:
    """GET product/variant/:product_id (fixture get-all-variants-by-product-id-ok)."""
    listing = parent.listing
    children = [Product(listing, variant) for variant in listing.variants.values()]
    selection = listing.fields["selection"][0]
    variant_id = selection.get("id", 0)
    identifier = next(
        (t.identifier for _, ts in CATEGORIES.values() for t in ts if t.variant_id == variant_id),
        "custom",
    )
    options = [{"id": c.option_id, "value": c.option, "hex": ""} for c in children]
    return {
        "parent_id": parent.product_id,
        "default_child": children[0].product_id if children else 0,
        "sizechart": "",
        "variant": [
            {
                "name": identifier,
                "identifier": identifier,
                "unit_name": "",
                "position": 1,
                "option": options,
            }
        ],
        "children": [
            {
                "name": c.name,
                "url": f"{base_url}/shop-{shop.shop_id}/{_slug(c.name)}",
                "product_id": c.product_id,
                "price": c.price,
                "price_fmt": f"Rp {c.price:,}".replace(",", "."),
                "stock": c.stock,
                "main_stock": c.stock,
                "sku": c.sku,
                "option_ids": [c.option_id],
                "enabled": True,
                "is_buyable": c.stock > 0,
                "is_wishlist": False,
                "picture": dict.fromkeys(("original", "thumbnail"), (c.pictures or [""])[0]),
                "campaign": {
                    "is_active": False,
                    "discounted_percentage": 0,
                    "discounted_price": 0,
                    "discounted_price_fmt": "",
                    "campaign_type": 0,
                    "campaign_type_name": "",
                    "start_date": "",
                    "end_date": "",
                },
                "always_available": False,
                "stock_wording": "",
                "other_variant_stock": "available",
                "is_limited_stock": False,
            }
            for c in children
        ],
    }


# --- reads ---------------------------------------------------------------------------------


def product_info(ctx: Ctx) -> list[dict[str, Any]]:
    """By product id(s) (`product`, or `product_id` as the SDKs send it), by `sku`, or a
    page of a shop's products (`shop_id` + `page` + `per_page` ≤ 50; variants are shown
    through their parent: UNCONFIRMED)."""
    query = ctx.query
    ids = query_ids(query.getlist("product") + query.getlist("product_id"))
    if ids:
        found = ((shop, shop.product(i)) for shop in ctx.shops() for i in dict.fromkeys(ids))
        return [product_view(shop, p, ctx.base_url) for shop, p in found if p is not None]
    sku = query.get("sku")
    if sku:
        owned = ((shop, p) for shop in ctx.shops() for p in shop.products())
        return [
            product_view(shop, p, ctx.base_url)
            for shop, p in owned
            if p.sku == sku and not p.is_parent
        ]
    if query.get("shop_id") is None:
        raise TokopediaError("product_id, product_url, sku or shop_id is required", "PRD_DLV_001")
    shop = ctx.shop("PRD_DLV_005")
    if not query.get("page"):
        raise TokopediaError("page cannot be empty when shop_id is filled", "PRD_DLV_005")
    page = query_int(query, "page", "PRD_DLV_005")
    per_page = query_int(query, "per_page", "PRD_DLV_005", default=0)
    if page < 1:
        raise TokopediaError("page must be greater than 0", "PRD_DLV_005")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise TokopediaError("per_page must be between 1 and 50", "PRD_DLV_005")
    listed = sorted(
        (Product(listing, None) for listing in shop.catalog.listings.values()),
        key=lambda p: p.product_id,
    )
    start = (page - 1) * per_page
    return [product_view(shop, p, ctx.base_url) for p in listed[start : start + per_page]]


def product_variant(ctx: Ctx) -> dict[str, Any]:
    product_id = int(ctx.params["product_id"]) if ctx.params["product_id"].isdigit() else 0
    for shop in ctx.shops():
        product = shop.product(product_id)
        if product is not None:
            if not product.is_parent:
                raise TokopediaError("product has no variant", "PRD_API_007")
            return variant_view(shop, product, ctx.base_url)
    raise TokopediaError("Product not found", "PRD_API_007")


def category_variant(ctx: Ctx) -> list[dict[str, Any]]:
    cat_id = query_int(ctx.query, "cat_id", "PRD_DLV_001")
    category = CATEGORIES.get(cat_id)
    if category is None:
        raise TokopediaError(f"Invalid category id {cat_id}", "PRD_DLV_001")
    return [
        {
            "variant_id": t.variant_id,
            "name": t.name,
            "identifier": t.identifier,
            "status": 1,
            "has_unit": 1 if t.unit_id else 0,
            "units": [
                {
                    "unit_id": t.unit_id,
                    "name": t.unit_name,
                    "short_name": t.unit_name[:4],
                    "values": [
                        {"value_id": vid, "value": value, "hex_code": "", "icon": ""}
                        for vid, value in t.values
                    ],
                }
            ],
        }
        for t in category[1]
    ]


# --- stock and price -----------------------------------------------------------------------


def _bulk(ctx: Ctx, field: str, apply: Any) -> dict[str, Any]:
    shop = ctx.shop()
    rows = ctx.body
    if not isinstance(rows, list) or not rows:
        raise TokopediaError("request body must be a non-empty JSON array", "PRD_DLV_002")
    if len(rows) > MAX_BULK_ROWS:
        raise TokopediaError(
            f"You can update up to {MAX_BULK_ROWS} products or SKUs in a single request",
            "PRD_DLV_003",
        )
    allowed = ctx.rows_allowed(len(rows))
    succeeded, failed = [], []
    for position, row in enumerate(rows):
        row = row if isinstance(row, Mapping) else {}
        echo = {
            "product_id": row.get("product_id") if is_int(row.get("product_id")) else 0,
            "sku": row.get("sku") if isinstance(row.get("sku"), str) else "",
            "product_url": "",
            field: row.get(field),
        }
        product, message = _row_product(shop, row) if position < allowed else (None, THROTTLED_ROW)
        if product is not None:
            message = apply(product, row.get(field))
        if message or product is None:
            failed.append({**echo, "message": message})
            continue
        product.touch(ctx.now)
        succeeded.append(
            {
                "productID": product.product_id,
                "warehouseID": 0,
                "shopID": shop.shop_id,
                "stock": product.stock,
                "price": product.price,
            }
        )
    return {
        "total_data": len(rows),
        "succeed_rows": len(succeeded),
        "succeed_rows_data": succeeded,
        "failed_rows": len(failed),
        "failed_rows_data": failed,
    }


def _row_product(shop: Shop, row: Mapping[str, Any]) -> tuple[Product | None, str]:
    """The product a row names: its `sku` when given ("Prioritized over product_id")."""
    sku = row.get("sku")
    if isinstance(sku, str) and sku:
        found = shop.find_sku(sku)
        return (found, "") if found is not None else (None, "Invalid SKU.")
    product_id = row.get("product_id")
    product = shop.product(product_id) if is_int(product_id) else None
    if product is None:
        return None, "Invalid Product ID."
    if product.is_parent:
        return None, "Invalid Product ID. A product with variants is updated by its variants."
    return product, ""


def _set_stock(product: Product, value: Any) -> str:
    if not is_int(value) or value < 0:
        return "Invalid stock value, stock must be 0 or more."
    product.stock = value
    return ""


def valid_price(value: Any) -> bool:
    return is_int(value) and MIN_PRICE <= value <= MAX_PRICE


def _set_price(product: Product, value: Any) -> str:
    if not valid_price(value):
        return f"Invalid price, price must be between {MIN_PRICE} and {MAX_PRICE}."
    product.set_price(value)
    return ""


update_stock = partial(_bulk, field="new_stock", apply=_set_stock)
update_price = partial(_bulk, field="new_price", apply=_set_price)
ROUTES = [
    Route("GET", "/inventory/v1/fs/{fs_id}/product/info", product_info),
    Route("GET", "/inventory/v1/fs/{fs_id}/product/variant/{product_id}", product_variant),
    Route("GET", "/inventory/v1/fs/{fs_id}/category/get_variant", category_variant),
    Route("POST", "/inventory/v1/fs/{fs_id}/stock/update", update_stock),
    Route("POST", "/inventory/v1/fs/{fs_id}/price/update", update_price),
]
