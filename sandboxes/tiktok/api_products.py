"""Upload Product Image, Get Product, Search Products, and the logistics lookups a listing or
a shipment needs (Get Warehouse List, Get Shipping Providers).

Search Products pages with an opaque `page_token` — the sandbox's is the one the reference
page's example decodes to: base64 of "offset=N\\n" — over products sorted by creation, and
refuses to go past 10,000 results (12052180). Its `status` filter defaults to ALL, which
the sandbox reads as including DELETED products (UNCONFIRMED).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from lapak.sandboxes.kit.catalog import Listing
from lapak.sandboxes.kit.wire import multipart_file
from lapak.sandboxes.tiktok.api_listing_write import live_product
from lapak.sandboxes.tiktok.context import Ctx, Route
from lapak.sandboxes.tiktok.images import (
    MAIN_MAX_SIDE,
    MAIN_MIN_SIDE,
    MAX_IMAGE_BYTES,
    dimensions,
    image_kind,
)
from lapak.sandboxes.tiktok.state import PRODUCT_STATUSES, SHIPPING_PROVIDERS
from lapak.sandboxes.tiktok.views import product_detail, product_summary
from lapak.sandboxes.tiktok.wire import TikTokError, optional_int, page_size, product_param

MAX_RESULTS = 10_000
MAX_FILTER_IDS = 10
USE_CASES = frozenset(
    {
        "MAIN_IMAGE",
        "ATTRIBUTE_IMAGE",
        "DESCRIPTION_IMAGE",
        "CERTIFICATION_IMAGE",
        "SIZE_CHART_IMAGE",
    }
)


def upload_image(ctx: Ctx) -> Any:
    data = multipart_file(ctx.content_type, ctx.body or b"", "data")
    if not data:
        raise TikTokError(
            12038002, "Invalid upload file. Please ensure you are passing the correct file data."
        )
    use_case_field = multipart_file(ctx.content_type, ctx.body or b"", "use_case")
    use_case = "MAIN_IMAGE" if use_case_field is None else use_case_field.decode("utf-8", "replace")
    if use_case not in USE_CASES:
        raise TikTokError(11050001, "invalid param")
    if len(data) > MAX_IMAGE_BYTES:
        raise TikTokError(12038005, "The file size exceeds the maximum allowed size.")
    if image_kind(data) is None:
        raise TikTokError(
            12038015,
            "Failed to process the image. The format or content is not "
            "supported. Supported formats: JPG, JPEG, PNG, WEBP, HEIC, BMP",
        )
    size = dimensions(data) or (0, 0)
    strict = ctx.sandbox.strict_content and use_case == "MAIN_IMAGE" and size != (0, 0)
    if strict and not all(MAIN_MIN_SIDE <= side <= MAIN_MAX_SIDE for side in size):
        raise TikTokError(
            12038014,
            "The image dimensions exceed the allowed limits. Allowed dimensions (width x "
            "height in pixels): 300 x 300 to 4000 x 4000",
        )
    uri = f"tos-alisg-i-aphluv4xwc-sg/{ctx.sandbox.rng.getrandbits(128):032x}"
    ctx.sandbox.images[uri] = data
    return {
        "uri": uri,
        "url": f"{ctx.base_url}/_sandbox/images/{uri}",
        "width": size[0],
        "height": size[1],
        "use_case": use_case,
    }


def get_product(ctx: Ctx) -> Any:
    product = live_product(ctx.shop, ctx.params["product_id"])
    return product_detail(ctx.shop, product, ctx.base_url)


def _page_offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.b64decode(token, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise TikTokError(12019108, "page number is invalid") from None
    name, _, value = text.strip().partition("=")
    if name != "offset" or not value.isdigit():
        raise TikTokError(12019108, "page number is invalid")
    return int(value)


def _page_token(offset: int) -> str:
    return base64.b64encode(f"offset={offset}\n".encode()).decode()


def search_products(ctx: Ctx) -> Any:
    size = page_size(ctx.query, range(1, 101), TikTokError(12019109, "page size is invalid"))
    offset = _page_offset(ctx.query.get("page_token"))
    if offset + size > MAX_RESULTS:
        raise TikTokError(12052180, "The total number of search results can not exceed 10000.")
    body = ctx.json
    status = body.get("status", "ALL")
    if status != "ALL" and status not in PRODUCT_STATUSES:
        raise product_param(f"status {status} is not a product status.")
    seller_skus = body.get("seller_skus") or []
    if len(seller_skus) > MAX_FILTER_IDS:
        raise TikTokError(
            12019027, "The maximum count of “seller_skus” in the search filter is 10."
        )
    sku_ids = body.get("sku_ids") or []
    if len(sku_ids) > MAX_FILTER_IDS:
        raise TikTokError(12019087, "The number of SKU IDs exceeds the limit of 10")
    bounds = {
        name: optional_int(body, name, product_param(f"{name} is a unix timestamp."))
        for name in ("create_time_ge", "create_time_le", "update_time_ge", "update_time_le")
    }

    def wanted(product: Listing) -> bool:
        if status != "ALL" and product.status != status:
            return False
        skus = product.variants.values()
        if seller_skus and not any(s.sku in seller_skus for s in skus):
            return False
        if sku_ids and not any(s.id in sku_ids for s in skus):
            return False
        for field, value in (("create_time", product.created), ("update_time", product.updated)):
            low, high = bounds[f"{field}_ge"], bounds[f"{field}_le"]
            if (low is not None and value < low) or (high is not None and value > high):
                return False
        return True

    matching = [p for p in ctx.shop.catalog.listings.values() if wanted(p)]
    matching.sort(key=lambda p: (p.created, str(p.id)))
    page = matching[offset : offset + size]
    more = offset + size < len(matching)
    return {
        "total_count": len(matching),
        "products": [product_summary(ctx.shop, p) for p in page],
        "next_page_token": _page_token(offset + size) if more else "",
    }


def warehouses(ctx: Ctx) -> Any:
    shop = ctx.shop
    address = {
        "region": "Indonesia",
        "state": "DI Yogyakarta",
        "city": "Yogyakarta",
        "distict": "Gondokusuman",
        "contact_person": shop.name,
        "postal_code": "55223",
        "full_address": "Jl. Malioboro No. 1",
        "region_code": "ID",
        "phone_number": "(+62)8******12",
    }
    kinds = (
        (shop.warehouse_id, "gudang", "SALES_WAREHOUSE"),
        (shop.return_warehouse_id, "retur", "RETURN_WAREHOUSE"),
    )
    return {
        "warehouses": [
            {
                "id": warehouse_id,
                "entity_id": shop.warehouse_id[::-1],
                "name": f"{shop.name} {label}",
                "effect_status": "ENABLED",
                "type": kind,
                "sub_type": "DOMESTIC_WAREHOUSE",
                "is_default": True,
                "address": address,
            }
            for warehouse_id, label, kind in kinds
        ]
    }


def shipping_providers(ctx: Ctx) -> Any:
    if ctx.params["delivery_option_id"] != ctx.shop.delivery_option_id:
        raise TikTokError(21008116, "No Subscription without specified delivery option.")
    return {"shipping_providers": [{"id": i, "name": n} for i, n in SHIPPING_PROVIDERS]}


ROUTES = [
    Route("POST", "/product/202309/images/upload", upload_image, shop=False, multipart=True),
    Route("GET", "/product/202309/products/{product_id}", get_product),
    Route("POST", "/product/202309/products/search", search_products),
    Route("GET", "/logistics/202309/warehouses", warehouses),
    Route(
        "GET",
        "/logistics/202309/delivery_options/{delivery_option_id}/shipping_providers",
        shipping_providers,
    ),
]
