"""v2.product (get_item_list, get_item_base_info, get_model_list, add_item,
init_tier_variation, update_item, update_stock, update_price) and
v2.media_space.upload_image.

Shapes follow the response examples of the reference pages. An item with models carries
no item-level price_info / stock_info_v2 (they live on its models). Unknown item ids in
get_item_base_info are left out of item_list (UNCONFIRMED how Shopee reports them).

Required fields and limits from the reference pages: add_item needs original_price,
description, weight (kg), item_name, logistic_info[{logistic_id, enabled}], category_id,
image{image_id_list} (brand optional, but brand_id + original_brand_name when given);
seller_stock is required here too (the page's flag for it was not read: UNCONFIRMED).
init_tier_variation: at most 2 tiers, at most 50 models. update_stock / update_price:
1..50 entries, per-model failure_list / success_list. Indonesia takes integer prices only.

upload_image takes multipart form field `image` (JPG, JPEG or PNG, <= 10 MB); the bytes are
kept and served back at /_sandbox/uploads/{image_id}. The exact shape of image_url_list
entries ({image_url_region, image_url}) is UNCONFIRMED.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lapak.sandboxes.kit.catalog import Listing, Variant
from lapak.sandboxes.kit.images import image_kind
from lapak.sandboxes.kit.wire import is_int, is_number, multipart_file, query_list
from lapak.sandboxes.shopee.state import CHANNEL_IDS, CURRENCY, DAYS_TO_SHIP, ITEM_STATUSES, REGION
from lapak.sandboxes.shopee.wire import (
    PRODUCT_PARAM,
    Ctx,
    Reply,
    Route,
    ShopeeError,
    body_value,
    invalid,
    missing,
    query_int,
)

MAX_PAGE_SIZE = 100
MAX_BASE_INFO_ITEMS = 50
MAX_BATCH = 50
MAX_MODELS = 50
MAX_TIERS = 2
MAX_SKU_LENGTH = 100
MAX_IMAGE_BYTES = 10 * 1024 * 1024  # "Max 10.0 MB each"
_COUNT_MESSAGE = (
    "Count of tier_variation options should be under 50. "
    "Count of 2-level variations combinations should be under 50."
)


def unit_info(price: object, stock: int) -> dict[str, Any]:
    """The price_info and stock_info_v2 of an item without models, or of a model."""
    return {
        "price_info": [{"currency": CURRENCY, "original_price": price, "current_price": price}],
        "stock_info_v2": {
            "summary_info": {"total_reserved_stock": 0, "total_available_stock": stock},
            "seller_stock": [{"location_id": "", "stock": stock, "if_saleable": True}],
        },
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
        info.update(unit_info(item.price, item.stock))
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
        **unit_info(model.price, model.stock),
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


# --- writes ---------------------------------------------------------------------------


def upload_image(ctx: Ctx) -> Reply:
    data = multipart_file(ctx.content_type, ctx.body or b"", "image")
    if data is None:
        raise missing("image", "error_param")
    if len(data) > MAX_IMAGE_BYTES:
        raise invalid("image should be no more than 10.0 MB")
    if image_kind(data) is None:
        raise invalid("image format should be JPG, JPEG or PNG")
    image_id = f"id-11134201-{ctx.sandbox.rng.getrandbits(96):024x}"
    ctx.sandbox.images[image_id] = data
    (url,) = image_urls(ctx, [image_id])
    image_info = {
        "image_id": image_id,
        "image_url_list": [{"image_url_region": REGION, "image_url": url}],
    }
    return Reply({"image_info": image_info})


def _price(body: Mapping[str, Any]) -> int:
    """Whole rupiah (the Indonesian rule): a positive price with decimals is refused."""
    value = body.get("original_price")
    if value is None:
        raise missing("original_price")
    if not is_number(value) or value <= 0:
        raise ShopeeError("error_price_out_of_range", "Price is out of range.")
    if float(value) != int(value):
        raise ShopeeError("error_invalid_price", "Invalid price, please use the correct format")
    return int(value)


def _seller_stock(body: Mapping[str, Any]) -> int:
    entries = body_value(body, "seller_stock", list)
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
    entries = body_value(body, "logistic_info", list)
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
        "brand_id": body_value(brand, "brand_id", int),
        "original_brand_name": body_value(brand, "original_brand_name", str),
    }


def _status(body: Mapping[str, Any]) -> str:
    status = body.get("item_status", "NORMAL")
    if status not in ("NORMAL", "UNLIST"):
        raise invalid("item_status could be UNLIST or NORMAL", PRODUCT_PARAM)
    return status


def _category(body: Mapping[str, Any]) -> int:
    category = body_value(body, "category_id", int)
    if category <= 0:
        raise ShopeeError(PRODUCT_PARAM, "Invalid category.")
    return category


ITEM_FIELDS: dict[str, Callable[[Ctx, Mapping[str, Any]], Any]] = {
    "original_price": lambda ctx, body: _price(body),
    "description": lambda ctx, body: body_value(body, "description", str),
    "weight": lambda ctx, body: _weight(body),
    "item_name": lambda ctx, body: body_value(body, "item_name", str),
    "logistic_info": lambda ctx, body: _logistics(body),
    "category_id": lambda ctx, body: _category(body),
    "image": _images,
    "seller_stock": lambda ctx, body: _seller_stock(body),
    "item_sku": lambda ctx, body: _sku(body, "item_sku"),
    "item_status": lambda ctx, body: _status(body),
    "brand": lambda ctx, body: _brand(body),
}
"""add_item's fields, each read as add_item and update_item read it, in add_item's order."""
KEPT_IN_FIELDS = ("description", "weight", "category_id", "logistic_info", "brand")
"""The item's attributes Shopee has and a kit `Listing` has not (`Listing.fields`)."""
UPDATE_ORDER = ("item_name", "item_sku", "image", "item_status", *KEPT_IN_FIELDS)


def _images_echo(ctx: Ctx, image_ids: list[str]) -> dict[str, Any]:
    return {"image_id_list": image_ids, "image_url_list": image_urls(ctx, image_ids)}


def add_item(ctx: Ctx) -> Reply:
    body = ctx.json
    read = {field: reader(ctx, body) for field, reader in ITEM_FIELDS.items()}
    dimension = body.get("dimension")
    item = Listing(
        id=ctx.sandbox.new_item_id(),
        sku=read["item_sku"],
        name=read["item_name"],
        price=read["original_price"],
        stock=read["seller_stock"],
        status=read["item_status"],
        created=ctx.now,
        updated=ctx.now,
        images=read["image"],
        fields={
            **{field: read[field] for field in KEPT_IN_FIELDS},
            "dimension": dimension if isinstance(dimension, dict) else None,
            "condition": str(body.get("condition") or "NEW"),
            "tier_variation": [],
        },
    )
    ctx.shop.catalog.add(item)
    fields = item.fields
    echo = {
        "item_id": item.id,
        "item_status": item.status,
        "item_name": item.name,
        "item_sku": item.sku,
        "description": fields["description"],
        "weight": fields["weight"],
        "category_id": fields["category_id"],
        "images": _images_echo(ctx, item.images),
        "logistic_info": fields["logistic_info"],
        "brand": fields["brand"],
        "condition": fields["condition"],
        "pre_order": dict(PRE_ORDER),
        "price_info": {"original_price": item.price, "current_price": item.price},
        "seller_stock": [{"stock": item.stock}],
    }
    return Reply(echo)


def _tiers(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    tiers = body_value(body, "tier_variation", list)
    if len(tiers) > MAX_TIERS:
        raise ShopeeError(PRODUCT_PARAM, "The level of tier-variation over 2.")
    cleaned = []
    for tier in tiers:
        if not isinstance(tier, Mapping):
            raise invalid("tier_variation should be a list of objects", PRODUCT_PARAM)
        options = body_value(tier, "option_list", list)
        if len(options) > MAX_MODELS:
            raise ShopeeError(PRODUCT_PARAM, _COUNT_MESSAGE)
        names = [body_value(o, "option", str) if isinstance(o, Mapping) else "" for o in options]
        if not all(names):
            raise missing("option")
        cleaned.append(
            {"name": body_value(tier, "name", str), "option_list": [{"option": n} for n in names]}
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
    item = find_item(ctx, body_value(body, "item_id", int))
    tiers = _tiers(body)
    entries = body_value(body, "model", list)
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
    """The fields the body names, each read as add_item reads it and set as it is read."""
    body = ctx.json
    item = find_item(ctx, body_value(body, "item_id", int))
    changes: dict[str, Any] = {}
    for field in UPDATE_ORDER:
        if field not in body:
            continue
        value = ITEM_FIELDS[field](ctx, body)
        if field == "image":
            item.images = value
            changes["images"] = _images_echo(ctx, value)
        elif field in KEPT_IN_FIELDS:
            item.fields[field] = changes[field] = value
        else:
            setattr(item, field.removeprefix("item_"), value)
            changes[field] = value
    item.updated = ctx.now
    return Reply({"item_id": item.id, **changes})


def _batch(body: Mapping[str, Any], field: str) -> list[Mapping[str, Any]]:
    entries = body_value(body, field, list)
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
    item = find_item(ctx, body_value(body, "item_id", int))
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
    "/api/v2/product/get_item_list": Route("GET", get_item_list),
    "/api/v2/product/get_item_base_info": Route("GET", get_item_base_info),
    "/api/v2/product/get_model_list": Route("GET", get_model_list),
    "/api/v2/media_space/upload_image": Route("POST", upload_image, raw_body=True),
    "/api/v2/product/add_item": Route("POST", add_item),
    "/api/v2/product/init_tier_variation": Route("POST", init_tier_variation),
    "/api/v2/product/update_item": Route("POST", update_item),
    "/api/v2/product/update_stock": Route("POST", update_stock),
    "/api/v2/product/update_price": Route("POST", update_price),
}
