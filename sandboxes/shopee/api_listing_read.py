"""v2.product.get_item_list, get_item_base_info and get_model_list.

Shapes follow the response examples of the reference pages. An item with models carries
no item-level price_info / stock_info_v2 (they live on its models). Unknown item ids in
get_item_base_info are left out of item_list (UNCONFIRMED how Shopee reports them).
"""

from __future__ import annotations

from typing import Any

from lapak.sandboxes.kit.catalog import Listing, Variant
from lapak.sandboxes.kit.wire import query_list
from lapak.sandboxes.shopee.context import Ctx, Route
from lapak.sandboxes.shopee.state import CURRENCY, DAYS_TO_SHIP, ITEM_STATUSES
from lapak.sandboxes.shopee.wire import (
    PRODUCT_PARAM,
    Reply,
    ShopeeError,
    invalid,
    missing,
    query_int,
)

MAX_PAGE_SIZE = 100
MAX_BASE_INFO_ITEMS = 50


def price_info(price: object) -> list[dict[str, Any]]:
    return [{"currency": CURRENCY, "original_price": price, "current_price": price}]


def stock_info_v2(stock: int) -> dict[str, Any]:
    return {
        "summary_info": {"total_reserved_stock": 0, "total_available_stock": stock},
        "seller_stock": [{"location_id": "", "stock": stock, "if_saleable": True}],
    }


def image_urls(ctx: Ctx, image_ids: list[str]) -> list[str]:
    return [f"{ctx.base_url}/_sandbox/uploads/{image_id}" for image_id in image_ids]


PRE_ORDER = {"is_pre_order": False, "days_to_ship": DAYS_TO_SHIP}


def find_item(ctx: Ctx, item_id: int) -> Listing:
    item = ctx.shop.catalog.listings.get(item_id)
    if item is None:
        raise ShopeeError("error_item_not_found", "Item_id is not found.")
    return item


def get_item_list(ctx: Ctx) -> Reply:
    query = ctx.query
    offset = query_int(query, "offset", PRODUCT_PARAM, default=0)
    page_size = query_int(query, "page_size", PRODUCT_PARAM)
    statuses = query_list(query.getlist("item_status"))
    if not statuses:
        raise missing("item_status")
    if unknown := [s for s in statuses if s not in ITEM_STATUSES]:
        raise invalid(f"item_status {unknown[0]} is invalid", PRODUCT_PARAM)
    if offset < 0:
        raise invalid("offset should be greater than or equal to 0", PRODUCT_PARAM)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise invalid("page_size should be between 1 to 100", PRODUCT_PARAM)
    since = query_int(query, "update_time_from", PRODUCT_PARAM, default=-1)
    until = query_int(query, "update_time_to", PRODUCT_PARAM, default=-1)
    matching = [
        item
        for item in ctx.shop.catalog.listings.values()
        if item.status in statuses
        and (since < 0 or item.updated >= since)
        and (until < 0 or item.updated <= until)
    ]
    page = matching[offset : offset + page_size]
    has_next = offset + page_size < len(matching)
    return Reply(
        {
            "item": [
                {"item_id": i.id, "item_status": i.status, "update_time": i.updated} for i in page
            ],
            "total_count": len(matching),
            "has_next_page": has_next,
            "next_offset": offset + len(page),
        }
    )


def base_info(ctx: Ctx, item: Listing) -> dict[str, Any]:
    fields = item.fields
    info: dict[str, Any] = {
        "item_id": item.id,
        "category_id": fields["category_id"],
        "item_name": item.name,
        "description": fields["description"],
        "item_sku": item.sku,
        "create_time": item.created,
        "update_time": item.updated,
        "attribute_list": [],
        "image": {
            "image_url_list": image_urls(ctx, item.images),
            "image_id_list": list(item.images),
        },
        "weight": f"{fields['weight']:g}",
        "logistic_info": [dict(entry) for entry in fields["logistic_info"]],
        "pre_order": dict(PRE_ORDER),
        "condition": fields["condition"],
        "item_status": item.status,
        "has_model": item.has_variants,
        "brand": dict(fields["brand"]),
        "item_dangerous": 0,
        "description_type": "normal",
    }
    if fields["dimension"] is not None:
        info["dimension"] = dict(fields["dimension"])
    if not item.has_variants:
        info["price_info"] = price_info(item.price)
        info["stock_info_v2"] = stock_info_v2(item.stock)
    return info


def get_item_base_info(ctx: Ctx) -> Reply:
    raw = query_list(ctx.query.getlist("item_id_list"))
    if not raw:
        raise missing("item_id_list")
    if len(raw) > MAX_BASE_INFO_ITEMS:
        raise invalid("item_id_list length should be between 1 to 50", PRODUCT_PARAM)
    try:
        item_ids = [int(value) for value in raw]
    except ValueError:
        raise invalid("item_id_list should be a list of integers", PRODUCT_PARAM) from None
    listings = ctx.shop.catalog.listings
    items = [listings[i] for i in item_ids if i in listings]
    return Reply({"item_list": [base_info(ctx, item) for item in items]})


def model_view(item: Listing, model: Variant) -> dict[str, Any]:
    return {
        "model_id": model.id,
        "model_sku": model.sku,
        "model_name": ",".join(model.options),
        "model_status": "MODEL_NORMAL",
        "tier_index": list(model.fields["tier_index"]),
        "price_info": price_info(model.price),
        "stock_info_v2": stock_info_v2(model.stock),
        "pre_order": dict(PRE_ORDER),
        "weight": f"{item.fields['weight']:g}",
    }


def get_model_list(ctx: Ctx) -> Reply:
    item = find_item(ctx, query_int(ctx.query, "item_id", PRODUCT_PARAM))
    return Reply(
        {
            "tier_variation": [
                {"name": t["name"], "option_list": [dict(o) for o in t["option_list"]]}
                for t in item.fields["tier_variation"]
            ],
            "model": [model_view(item, model) for model in item.variants.values()],
        }
    )


ROUTES = {
    "/api/v2/product/get_item_list": Route("GET", get_item_list),
    "/api/v2/product/get_item_base_info": Route("GET", get_item_base_info),
    "/api/v2/product/get_model_list": Route("GET", get_model_list),
}
