"""Upload Product Image, Get Product, Search Products, and the logistics lookups a listing or
a shipment needs (Get Warehouse List, Get Shipping Providers).

Upload Product Image, as its reference says (docs/MARKETPLACES.md#tiktok-shop names the
source): "Supported formats: JPG, JPEG, PNG, WEBP, HEIC, BMP", "Max size: 10MB", and for
use_case=MAIN_IMAGE "between 300x300 px and 4000x4000 px".

Search Products pages with an opaque `page_token` — the sandbox's is the one the reference
page's example decodes to: base64 of "offset=N\\n" — over products sorted by creation, and
refuses to go past 10,000 results (12052180). Its `status` filter defaults to ALL, which
the sandbox reads as including DELETED products (UNCONFIRMED). Products are shown with the
field names and shapes of the Search Products and Get Product references.
"""

from __future__ import annotations

import base64
import binascii
import struct
from typing import Any

from lapak.sandboxes.kit.catalog import Listing, Variant
from lapak.sandboxes.kit.images import JPEG_MAGIC, PNG_MAGIC
from lapak.sandboxes.kit.images import image_kind as png_or_jpeg
from lapak.sandboxes.kit.wire import multipart_file
from lapak.sandboxes.tiktok.api_listing_write import live_product
from lapak.sandboxes.tiktok.state import (
    CURRENCY,
    PRODUCT_STATUSES,
    REGION,
    SHIPPING_PROVIDERS,
    Shop,
)
from lapak.sandboxes.tiktok.wire import (
    Ctx,
    Route,
    TikTokError,
    page_size,
    product_param,
    time_bounds,
)

MAX_RESULTS = 10_000
MAX_FILTER_IDS = 10
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAIN_MIN_SIDE, MAIN_MAX_SIDE = 300, 4000
USE_CASES = frozenset(
    {
        "MAIN_IMAGE",
        "ATTRIBUTE_IMAGE",
        "DESCRIPTION_IMAGE",
        "CERTIFICATION_IMAGE",
        "SIZE_CHART_IMAGE",
    }
)


def image_kind(data: bytes) -> str | None:
    """The format of `data` by its magic bytes, or None when it is none TikTok takes."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"BM":
        return "bmp"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypmsf1"):
        return "heic"
    return png_or_jpeg(data)


def dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG or baseline/progressive JPEG; None for other formats."""
    if data.startswith(PNG_MAGIC) and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data.startswith(JPEG_MAGIC):
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                return None
            marker = data[index + 1]
            length = struct.unpack(">H", data[index + 2 : index + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return width, height
            index += 2 + length
    return None


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


def _sku_view(shop: Shop, sku: Variant) -> dict[str, Any]:
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


def _product_summary(shop: Shop, product: Listing) -> dict[str, Any]:
    """A product of Search Products (key properties only)."""
    return {
        "id": product.id,
        "title": product.name,
        "status": product.status,
        "skus": [_sku_view(shop, sku) for sku in product.variants.values()],
        "sales_regions": [REGION],
        "create_time": product.created,
        "update_time": product.updated,
        "is_not_for_sale": False,
        "audit": {"status": "APPROVED" if product.status == "ACTIVATE" else "NONE"},
    }


def get_product(ctx: Ctx) -> Any:
    product = live_product(ctx.shop, ctx.params["product_id"])
    fields = product.fields
    return {
        **_product_summary(ctx.shop, product),
        "description": fields["description"],
        "category_chains": [
            {"id": fields["category_id"], "parent_id": "0", "local_name": "", "is_leaf": True}
        ],
        "main_images": [
            {"uri": uri, "urls": [f"{ctx.base_url}/_sandbox/images/{uri}"], "width": 0, "height": 0}
            for uri in product.images
        ],
        "package_weight": {"value": fields["package_weight"], "unit": "KILOGRAM"},
        "is_cod_allowed": False,
    }


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
    low_create, high_create, low_update, high_update = time_bounds(
        body,
        ("create_time_ge", "create_time_le", "update_time_ge", "update_time_le"),
        product_param,
    )

    def wanted(product: Listing) -> bool:
        skus = product.variants.values()
        return (
            (status == "ALL" or product.status == status)
            and (not seller_skus or any(s.sku in seller_skus for s in skus))
            and (not sku_ids or any(s.id in sku_ids for s in skus))
            and (low_create is None or product.created >= low_create)
            and (high_create is None or product.created <= high_create)
            and (low_update is None or product.updated >= low_update)
            and (high_update is None or product.updated <= high_update)
        )

    catalog = ctx.shop.catalog
    if sku_ids:  # the owners of those SKUs, by the catalog's index, not a pass over the shop
        owners = (catalog.find_id(sku_id) for sku_id in dict.fromkeys(sku_ids))
        candidates = list({u.listing.id: u.listing for u in owners if u is not None}.values())
    else:
        candidates = list(catalog.listings.values())
    matching = [p for p in candidates if wanted(p)]
    matching.sort(key=lambda p: (p.created, str(p.id)))
    end = offset + size
    token = base64.b64encode(f"offset={end}\n".encode()).decode() if end < len(matching) else ""
    return {
        "total_count": len(matching),
        "products": [_product_summary(ctx.shop, p) for p in matching[offset:end]],
        "next_page_token": token,
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
