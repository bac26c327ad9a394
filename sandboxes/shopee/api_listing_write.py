"""v2.product.add_item, init_tier_variation, update_item, update_stock, update_price.

Required fields and limits from the reference pages: add_item needs original_price,
description, weight (kg), item_name, logistic_info[{logistic_id, enabled}], category_id,
image{image_id_list} (brand optional, but brand_id + original_brand_name when given);
seller_stock is required here too (the page's flag for it was not read: UNCONFIRMED).
init_tier_variation: at most 2 tiers, at most 50 models. update_stock / update_price:
1..50 entries, per-model failure_list / success_list. Indonesia takes integer prices only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lapak.sandboxes.kit.catalog import Listing, Variant
from lapak.sandboxes.kit.wire import is_int, is_number
from lapak.sandboxes.shopee.api_listing_read import PRE_ORDER, find_item, image_urls
from lapak.sandboxes.shopee.context import Ctx, Route
from lapak.sandboxes.shopee.state import CHANNEL_IDS
from lapak.sandboxes.shopee.wire import (
    PRODUCT_PARAM,
    Reply,
    ShopeeError,
    body_int,
    body_list,
    body_str,
    invalid,
    missing,
)

MAX_BATCH = 50
MAX_MODELS = 50
MAX_TIERS = 2
MAX_SKU_LENGTH = 100
PRICE_FORMAT = "Invalid price, please use the correct format"
_COUNT_MESSAGE = (
    "Count of tier_variation options should be under 50. "
    "Count of 2-level variations combinations should be under 50."
)


def whole_price(value: Any) -> int | None:
    """The price as whole rupiah, or None when it is not a positive integer (ID rule)."""
    if not is_number(value) or value <= 0 or float(value) != int(value):
        return None
    return int(value)


def _price(body: Mapping[str, Any]) -> int:
    value = body.get("original_price")
    if value is None:
        raise missing("original_price")
    price = whole_price(value)
    if price is None:
        if is_number(value) and value > 0:
            raise ShopeeError("error_invalid_price", PRICE_FORMAT)
        raise ShopeeError("error_price_out_of_range", "Price is out of range.")
    return price


def _seller_stock(body: Mapping[str, Any]) -> int:
    entries = body_list(body, "seller_stock")
    total = 0
    for entry in entries:
        stock = entry.get("stock") if isinstance(entry, Mapping) else None
        if stock is None:
            raise missing("stock")
        if not is_int(stock) or stock < 0:
            raise invalid("stock should be greater than or equal to 0", PRODUCT_PARAM)
        total += stock
    return total


def _sku(body: Mapping[str, Any], field: str) -> str:
    value = body.get(field, "")
    if not isinstance(value, str) or len(value) > MAX_SKU_LENGTH:
        raise invalid(f"{field} length should be no more than 100", PRODUCT_PARAM)
    return value


def _images(ctx: Ctx, body: Mapping[str, Any]) -> list[str]:
    image = body.get("image")
    ids = image.get("image_id_list") if isinstance(image, Mapping) else None
    if not ids:
        raise missing("image_id_list")
    if not isinstance(ids, list) or any(
        not isinstance(i, str) or i not in ctx.sandbox.images for i in ids
    ):
        raise ShopeeError(PRODUCT_PARAM, "Image not exist.")
    return [str(i) for i in ids]


def _logistics(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    entries = body_list(body, "logistic_info")
    cleaned = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise invalid("logistic_info should be a list of objects", PRODUCT_PARAM)
        channel, enabled = entry.get("logistic_id"), entry.get("enabled")
        if channel is None:
            raise missing("logistic_id")
        if enabled is None:
            raise missing("enabled")
        if channel not in CHANNEL_IDS:
            raise ShopeeError(PRODUCT_PARAM, f"Invalid logistic info, logistic_id {channel}.")
        cleaned.append({**entry, "logistic_id": channel, "enabled": bool(enabled)})
    if not any(e["enabled"] for e in cleaned):
        raise ShopeeError(PRODUCT_PARAM, "Invalid logistic info, no channel is enabled.")
    return cleaned


def _weight(body: Mapping[str, Any]) -> float:
    value = body.get("weight")
    if value is None:
        raise missing("weight")
    if not is_number(value) or value <= 0:
        raise ShopeeError(PRODUCT_PARAM, "Invalid Weight.")
    return float(value)


def _brand(body: Mapping[str, Any]) -> dict[str, Any]:
    brand = body.get("brand")
    if brand is None:
        return {"brand_id": 0, "original_brand_name": "NoBrand"}
    if not isinstance(brand, Mapping):
        raise invalid("brand should be an object", PRODUCT_PARAM)
    return {
        "brand_id": body_int(brand, "brand_id"),
        "original_brand_name": body_str(brand, "original_brand_name"),
    }


def _status(body: Mapping[str, Any], default: str) -> str:
    status = body.get("item_status", default)
    if status not in ("NORMAL", "UNLIST"):
        raise invalid("item_status could be UNLIST or NORMAL", PRODUCT_PARAM)
    return status


def _category(body: Mapping[str, Any]) -> int:
    category = body_int(body, "category_id")
    if category <= 0:
        raise ShopeeError(PRODUCT_PARAM, "Invalid category.")
    return category


FIELD_READERS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "description": lambda body: body_str(body, "description"),
    "weight": _weight,
    "category_id": _category,
    "logistic_info": _logistics,
    "brand": _brand,
}
"""update_item's fields kept in `Listing.fields`, each read as add_item reads it."""


def add_item(ctx: Ctx) -> Reply:
    body = ctx.json
    price = _price(body)
    description = body_str(body, "description")
    weight = _weight(body)
    name = body_str(body, "item_name")
    logistics = _logistics(body)
    category = _category(body)
    images = _images(ctx, body)
    stock = _seller_stock(body)
    item = Listing(
        id=ctx.sandbox.new_item_id(),
        sku=_sku(body, "item_sku"),
        name=name,
        price=price,
        stock=stock,
        status=_status(body, "NORMAL"),
        created=ctx.now,
        updated=ctx.now,
        images=images,
        fields={
            "description": description,
            "category_id": category,
            "weight": weight,
            "logistic_info": logistics,
            "brand": _brand(body),
            "dimension": body.get("dimension") if isinstance(body.get("dimension"), dict) else None,
            "condition": str(body.get("condition") or "NEW"),
            "tier_variation": [],
        },
    )
    ctx.shop.catalog.add(item)
    return Reply(_item_echo(ctx, item))


def _item_echo(ctx: Ctx, item: Listing) -> dict[str, Any]:
    fields = item.fields
    echo = {
        "item_id": item.id,
        "item_status": item.status,
        "item_name": item.name,
        "item_sku": item.sku,
        "description": fields["description"],
        "weight": fields["weight"],
        "category_id": fields["category_id"],
        "images": {"image_id_list": item.images, "image_url_list": image_urls(ctx, item.images)},
        "logistic_info": fields["logistic_info"],
        "brand": fields["brand"],
        "condition": fields["condition"],
        "pre_order": dict(PRE_ORDER),
    }
    if not item.has_variants:
        echo["price_info"] = {"original_price": item.price, "current_price": item.price}
        echo["seller_stock"] = [{"stock": item.stock}]
    return echo


def _tiers(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    tiers = body_list(body, "tier_variation")
    if len(tiers) > MAX_TIERS:
        raise ShopeeError(PRODUCT_PARAM, "The level of tier-variation over 2.")
    cleaned = []
    for tier in tiers:
        if not isinstance(tier, Mapping):
            raise invalid("tier_variation should be a list of objects", PRODUCT_PARAM)
        options = body_list(tier, "option_list")
        if len(options) > MAX_MODELS:
            raise ShopeeError(PRODUCT_PARAM, _COUNT_MESSAGE)
        names = [body_str(o, "option") if isinstance(o, Mapping) else "" for o in options]
        if not all(names):
            raise missing("option")
        cleaned.append(
            {"name": body_str(tier, "name"), "option_list": [{"option": n} for n in names]}
        )
    return cleaned


def _new_model(ctx: Ctx, entry: Any, tiers: list[dict[str, Any]], seen: set) -> Variant:
    if not isinstance(entry, Mapping):
        raise invalid("model should be a list of objects", PRODUCT_PARAM)
    index = entry.get("tier_index")
    if index is None:
        raise missing("tier_index")
    if (
        not isinstance(index, list)
        or len(index) != len(tiers)
        or not all(
            is_int(i) and 0 <= i < len(t["option_list"]) for i, t in zip(index, tiers, strict=False)
        )
        or tuple(index) in seen
    ):
        raise ShopeeError(PRODUCT_PARAM, "Model tier_index error.")
    seen.add(tuple(index))
    return Variant(
        ctx.sandbox.new_model_id(),
        _sku(entry, "model_sku"),
        _price(entry),
        _seller_stock(entry),
        [t["option_list"][i]["option"] for i, t in zip(index, tiers, strict=True)],
        {"tier_index": list(index)},
    )


def init_tier_variation(ctx: Ctx) -> Reply:
    body = ctx.json
    item = find_item(ctx, body_int(body, "item_id"))
    tiers = _tiers(body)
    entries = body_list(body, "model")
    if len(entries) > MAX_MODELS:
        raise ShopeeError(PRODUCT_PARAM, _COUNT_MESSAGE)
    if item.has_variants:
        # Shopee sends later structure changes to update_tier_variation (message UNCONFIRMED).
        raise invalid("item already has tier_variation, use update_tier_variation", PRODUCT_PARAM)
    seen: set[tuple[int, ...]] = set()
    models = [_new_model(ctx, entry, tiers, seen) for entry in entries]
    item.fields["tier_variation"] = tiers
    item.variants = {model.id: model for model in models}
    item.updated = ctx.now
    return Reply(
        {
            "item_id": item.id,
            "tier_variation": tiers,
            "model": [
                {
                    "tier_index": m.fields["tier_index"],
                    "model_id": m.id,
                    "model_sku": m.sku,
                    "price_info": [{"original_price": m.price}],
                    "seller_stock": [{"location_id": "", "stock": m.stock}],
                    "weight": item.fields["weight"],
                }
                for m in models
            ],
        }
    )


def update_item(ctx: Ctx) -> Reply:
    body = ctx.json
    item = find_item(ctx, body_int(body, "item_id"))
    changes: dict[str, Any] = {}
    if "item_name" in body:
        item.name = changes["item_name"] = body_str(body, "item_name")
    if "item_sku" in body:
        item.sku = changes["item_sku"] = _sku(body, "item_sku")
    if "image" in body:
        item.images = _images(ctx, body)
        changes["images"] = {
            "image_id_list": item.images,
            "image_url_list": image_urls(ctx, item.images),
        }
    if "item_status" in body:
        item.status = changes["item_status"] = _status(body, str(item.status))
    for field, read in FIELD_READERS.items():
        if field in body:
            item.fields[field] = changes[field] = read(body)
    item.updated = ctx.now
    return Reply({"item_id": item.id, **changes})


def _batch(body: Mapping[str, Any], field: str) -> list[Mapping[str, Any]]:
    entries = body_list(body, field)
    if len(entries) > MAX_BATCH:
        raise invalid(f"{field} length should be between 1 to 50", PRODUCT_PARAM)
    if not all(isinstance(e, Mapping) for e in entries):
        raise invalid(f"{field} should be a list of objects", PRODUCT_PARAM)
    model_ids = [e.get("model_id", 0) for e in entries if is_int(e.get("model_id", 0))]
    if len(set(model_ids)) != len(model_ids):
        raise ShopeeError(PRODUCT_PARAM, "Repeat model_id.")
    return entries


def _target(item: Listing, model_id: Any) -> Variant | Listing | None:
    """The unit an update names: a model of `item`, or the item itself for model_id 0."""
    if not is_int(model_id):
        return None
    if item.has_variants:
        return item.variants.get(model_id)
    return item if model_id == 0 else None


def _per_model(
    ctx: Ctx,
    field: str,
    attribute: str,
    read: Callable[[Mapping[str, Any]], int],
    echo: Callable[[int], dict[str, Any]],
) -> Reply:
    """update_stock / update_price: each entry sets `attribute` of one model (or of the
    item without models), answered per model in success_list or failure_list."""
    body = ctx.json
    item = find_item(ctx, body_int(body, "item_id"))
    success, failure = [], []
    for entry in _batch(body, field):
        model_id = entry.get("model_id", 0)
        target = _target(item, model_id)
        try:
            if target is None:
                reason = "Wrong model_id."
                if attribute == "price" and item.has_variants and model_id == 0:
                    reason = "Can't edit item price directly while item has models."
                raise ShopeeError(PRODUCT_PARAM, reason)
            value = read(entry)
        except ShopeeError as exc:
            failure.append({"model_id": model_id, "failed_reason": exc.message})
            continue
        setattr(target, attribute, value)
        success.append({"model_id": model_id, **echo(value)})
    if success:
        item.updated = ctx.now
    return Reply({"failure_list": failure, "success_list": success})


def update_stock(ctx: Ctx) -> Reply:
    return _per_model(
        ctx, "stock_list", "stock", _seller_stock, lambda stock: {"location_id": "", "stock": stock}
    )


def update_price(ctx: Ctx) -> Reply:
    return _per_model(ctx, "price_list", "price", _price, lambda price: {"original_price": price})


ROUTES = {
    "/api/v2/product/add_item": Route("POST", add_item),
    "/api/v2/product/init_tier_variation": Route("POST", init_tier_variation),
    "/api/v2/product/update_item": Route("POST", update_item),
    "/api/v2/product/update_stock": Route("POST", update_stock),
    "/api/v2/product/update_price": Route("POST", update_price),
}
