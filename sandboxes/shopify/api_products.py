"""REST catalog endpoints: products, variants, the shop, its location, inventory levels.

Paths and bodies from the REST Admin API reference (2025-01). `inventory_quantity` is
ignored on write (since 2019-10); stock is set through inventory levels or GraphQL
`inventorySetQuantities`. Validation messages are Rails-style ("can't be blank"); several
are the sandbox's own (docs/MARKETPLACES.md#shopify-unconfirmed).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlparse

from lapak.sandboxes.kit.wire import is_number
from lapak.sandboxes.shopify.state import DEFAULT_TITLE, MAX_VARIANTS, Product, Variant
from lapak.sandboxes.shopify.views import (
    level_view,
    location_view,
    product_view,
    shop_view,
    variant_view,
)
from lapak.sandboxes.shopify.wire import (
    Ctx,
    Reply,
    Route,
    ShopifyError,
    bad_request,
    filtered,
    id_list,
    not_found,
    page,
    unprocessable,
)

INVENTORY_ITEM_IDS_MAX = 50  # docs/MARKETPLACES.md#shopify-batches
WEIGHT_UNITS = frozenset({"g", "kg", "oz", "lb"})


def _object(ctx: Ctx, name: str) -> dict[str, Any]:
    value = ctx.body.get(name)
    if not isinstance(value, dict):
        raise bad_request(name, "Required parameter missing or invalid")
    return value


def _array(raw: Any, name: str) -> list[Any]:
    if not isinstance(raw, list):
        raise bad_request(name, "expected an array")
    return raw


def _product(ctx: Ctx) -> Product:
    product = ctx.shop.products.get(ctx.param_id("product_id"))
    if product is None:
        raise not_found()
    return product


def _variant(ctx: Ctx) -> tuple[Product, Variant]:
    found = ctx.shop.variant(ctx.param_id("variant_id"))
    if found is None:
        raise not_found()
    return found


def _price(value: Any) -> str:
    try:
        price = Decimal(str(value if value is not None else "0"))
    except InvalidOperation:
        raise unprocessable("price", "is not a number") from None
    if not price.is_finite() or price < 0:
        raise unprocessable("price", "must be greater than or equal to 0")
    return str(price)


def _variant_spec(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise bad_request("variant", "Required parameter missing or invalid")
    unit = str(raw.get("weight_unit") or "g")
    if unit not in WEIGHT_UNITS:
        raise unprocessable("weight_unit", "is not included in the list")
    weight = raw.get("weight")
    if weight is None and raw.get("grams") is not None:
        weight, unit = raw["grams"], "g"
    spec = {
        "option1": raw.get("option1"),
        "sku": raw.get("sku") or "",
        "price": _price(raw.get("price")),
        "weight": weight or 0,
        "weight_unit": unit,
        "inventory_management": raw.get("inventory_management", "shopify"),
    }
    if not is_number(spec["weight"]) or spec["weight"] < 0:
        raise unprocessable("weight", "must be greater than or equal to 0")
    return spec


def _image_urls(raw: Any) -> list[str]:
    urls = []
    for image in [] if raw is None else _array(raw, "images"):
        src = image.get("src") if isinstance(image, dict) else None
        parsed = urlparse(str(src or ""))
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise unprocessable("image", "Image URL is invalid")
        urls.append(str(src))
    return urls


def _check_options(specs: list[dict[str, Any]]) -> None:
    if len(specs) > MAX_VARIANTS:
        raise unprocessable("variants", f"is too long (maximum is {MAX_VARIANTS} variants)")
    seen: set[str] = set()
    for spec in specs:
        option = str(spec["option1"] or DEFAULT_TITLE)
        if option in seen:
            raise unprocessable("base", f"The variant '{option}' already exists.")
        seen.add(option)


# --- products ----------------------------------------------------------------------------------


def list_products(ctx: Ctx) -> Reply:
    def rows(filters: Mapping[str, str]) -> list[Product]:
        ids = id_list(filters.get("ids"), "ids")
        since = int(filters.get("since_id") or 0)
        status = filters.get("status")
        return filtered(
            ctx.shop.products.values(),
            lambda p: ids is None or p.id in ids,
            lambda p: p.id > since,
            lambda p: not status or p.status in status.split(","),
        )

    chunk, headers = page(ctx, rows, key=lambda p: p.id)
    return Reply({"products": [ctx.fields(product_view(p)) for p in chunk]}, headers=headers)


def get_product(ctx: Ctx) -> Reply:
    return Reply({"product": ctx.fields(product_view(_product(ctx)))})


def create_product(ctx: Ctx) -> Reply:
    raw = _object(ctx, "product")
    title = str(raw.get("title") or "").strip()
    if not title:
        raise unprocessable("title", "can't be blank")
    specs = [_variant_spec(v) for v in _array(raw.get("variants") or [{}], "variants")]
    _check_options(specs)
    options = raw.get("options")
    option_name = "Title"
    if isinstance(options, list) and options and isinstance(options[0], dict):
        option_name = str(options[0].get("name") or "Title")
    product = ctx.sandbox.product(
        ctx.shop,
        title=title,
        body_html=str(raw.get("body_html") or ""),
        product_type=str(raw.get("product_type") or ""),
        variants=specs,
        option_name=option_name,
        images=_image_urls(raw.get("images")),
        status=str(raw.get("status") or "active"),
    )
    ctx.shop.catalog.add(product)
    return Reply({"product": product_view(product)}, status=201)


def update_product(ctx: Ctx) -> Reply:
    product = _product(ctx)
    raw = _object(ctx, "product")
    if "title" in raw:
        title = str(raw.get("title") or "").strip()
        if not title:
            raise unprocessable("title", "can't be blank")
        product.name = title
    for name in ("body_html", "product_type", "status"):
        if name in raw:
            setattr(product, name, str(raw[name] or ""))
    if "images" in raw:
        product.images = _kept_images(product, raw["images"])
    if "variants" in raw:
        _replace_variants(ctx, product, raw["variants"])
    product.updated = ctx.now
    return Reply({"product": product_view(product)})


def _kept_images(product: Product, raw: Any) -> list[str]:
    """Images by `id` are kept, by `src` added; any other image of the product goes."""
    by_id = {product.id * 100 + n: url for n, url in enumerate(product.images, start=1)}
    urls = []
    for image in _array(raw, "images"):
        if isinstance(image, dict) and image.get("id") in by_id and not image.get("src"):
            urls.append(by_id[image["id"]])
        else:
            urls.extend(_image_urls([image]))
    return urls


def _replace_variants(ctx: Ctx, product: Product, raw: Any) -> None:
    """A product PUT with `variants`: listed ids are updated, new ones created, the rest
    deleted (docs/MARKETPLACES.md#shopify-unconfirmed)."""
    keep: dict[int, dict[str, Any]] = {}
    new = []
    for entry in _array(raw, "variants"):
        if not isinstance(entry, dict):
            raise bad_request("variants", "expected objects")
        if entry.get("id") is not None:
            if entry["id"] not in product.variants:
                raise unprocessable("variants", f"variant {entry['id']} does not exist")
            keep[entry["id"]] = entry
        else:
            new.append(_variant_spec(entry))
    for variant_id in [v for v in product.variants if v not in keep]:
        del product.variants[variant_id]
    for variant in product.skus:
        _apply_variant(variant, keep[variant.id], ctx.now)
    for spec in new:
        ctx.sandbox.add_variant(product, spec)


def _apply_variant(variant: Variant, raw: Mapping[str, Any], now: int) -> None:
    if "price" in raw:
        variant.price = Decimal(_price(raw["price"]))
    if "sku" in raw:
        variant.sku = str(raw["sku"] or "")
    if raw.get("option1"):
        variant.options = [str(raw["option1"])]
    if "weight" in raw or "weight_unit" in raw or "grams" in raw:
        spec = _variant_spec({"weight": variant.weight, "weight_unit": variant.weight_unit, **raw})
        variant.weight, variant.weight_unit = spec["weight"], spec["weight_unit"]
    variant.updated = now


# --- variants ----------------------------------------------------------------------------------


def create_variant(ctx: Ctx) -> Reply:
    product = _product(ctx)
    spec = _variant_spec(_object(ctx, "variant"))
    if not product.has_variants:
        option = str(spec["option1"] or DEFAULT_TITLE)
        raise unprocessable(
            "base", f"The variant '{option}' cannot be added: the product has no options"
        )
    _check_options([{"option1": v.option1} for v in product.skus] + [spec])
    variant = ctx.sandbox.add_variant(product, spec)
    return Reply({"variant": variant_view(product, variant)}, status=201)


def get_variant(ctx: Ctx) -> Reply:
    product, variant = _variant(ctx)
    return Reply({"variant": variant_view(product, variant)})


def update_variant(ctx: Ctx) -> Reply:
    product, variant = _variant(ctx)
    raw = _object(ctx, "variant")
    if raw.get("option1"):
        others = {v.option1 for v in product.skus if v.id != variant.id}
        if str(raw["option1"]) in others:
            raise unprocessable("base", f"The variant '{raw['option1']}' already exists.")
    _apply_variant(variant, raw, ctx.now)
    product.updated = ctx.now
    return Reply({"variant": variant_view(product, variant)})


# --- shop, locations, inventory -----------------------------------------------------------------


def get_shop(ctx: Ctx) -> Reply:
    return Reply({"shop": ctx.fields(shop_view(ctx.shop))})


def list_locations(ctx: Ctx) -> Reply:
    return Reply({"locations": [location_view(ctx.shop)]})


def list_levels(ctx: Ctx) -> Reply:
    stocked = {i: v for i, v in ctx.shop.inventory_items().items() if v.tracked}

    def rows(filters: Mapping[str, str]) -> list[Variant]:
        items = id_list(filters.get("inventory_item_ids"), "inventory_item_ids")
        locations = id_list(filters.get("location_ids"), "location_ids")
        if items is None and locations is None:
            raise unprocessable("base", "inventory_item_ids or location_ids must be present")
        if items is not None and len(items) > INVENTORY_ITEM_IDS_MAX:
            raise unprocessable(
                "inventory_item_ids", f"must have at most {INVENTORY_ITEM_IDS_MAX} items"
            )
        if locations is not None and ctx.shop.location_id not in locations:
            return []
        return [stocked[i] for i in (items if items is not None else stocked) if i in stocked]

    chunk, headers = page(ctx, rows, key=lambda variant: variant.inventory_item_id)
    levels = [level_view(ctx.shop, variant) for variant in chunk]
    return Reply({"inventory_levels": levels}, headers=headers)


def set_level(ctx: Ctx) -> Reply:
    required = ("location_id", "inventory_item_id", "available")
    try:
        location, item, available = (int(ctx.body[name]) for name in required)
    except (KeyError, TypeError, ValueError):
        message = "location_id, inventory_item_id and available are required"
        raise bad_request("base", message) from None
    variant = ctx.shop.inventory_items().get(item)
    if location != ctx.shop.location_id:
        raise unprocessable("location_id", "Location not found")
    if variant is None:
        raise unprocessable("inventory_item_id", "Inventory item not found")
    if not variant.tracked:
        raise ShopifyError(422, ["Inventory item is not stocked at the location"])
    ctx.sandbox.set_available(variant, available)
    return Reply({"inventory_level": level_view(ctx.shop, variant)})


ROUTES = (
    Route("GET", "products.json", list_products),
    Route("POST", "products.json", create_product),
    Route("GET", "products/{product_id:int}.json", get_product),
    Route("PUT", "products/{product_id:int}.json", update_product),
    Route("POST", "products/{product_id:int}/variants.json", create_variant),
    Route("GET", "variants/{variant_id:int}.json", get_variant),
    Route("PUT", "variants/{variant_id:int}.json", update_variant),
    Route("GET", "shop.json", get_shop),
    Route("GET", "locations.json", list_locations),
    Route("GET", "inventory_levels.json", list_levels),
    Route("POST", "inventory_levels/set.json", set_level),
)
