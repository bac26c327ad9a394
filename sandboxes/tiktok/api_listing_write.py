"""Create Product, Partial Edit Product, Update Inventory and Update Price (202309).

Rules and error codes as those APIs' references give them (docs/MARKETPLACES.md#tiktok-shop
names the source; the SKU limit: #tiktok-shop-batches). Sandbox readings (UNCONFIRMED):
IDR amounts must be whole rupiah; an inventory quantity of 0 is accepted (the spec text
says "Valid range: [1, 99,999]", but a seller must be able to sell out); the sandbox has no
category tree and takes any numeric category id as a leaf; a SKU-level problem of Update
Inventory is a per-SKU entry of data.errors (code 0 overall), of Update Price a refusal of
the whole call (its response documents no per-SKU errors).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from lapak.sandboxes.kit.catalog import Listing, Variant
from lapak.sandboxes.kit.wire import is_int
from lapak.sandboxes.tiktok.state import CURRENCY, Shop, new_product, new_sku
from lapak.sandboxes.tiktok.wire import Ctx, Route, TikTokError, product_param

MAX_SKUS = 100  # "Max SKUs for other regions: 100"
MAX_ATTRIBUTES = 3
MAX_TITLE, MIN_TITLE_ID = 255, 25  # "Other regions: [25, 255]"
MAX_DESCRIPTION = 10_000
MAX_MAIN_IMAGES = 9
MAX_SELLER_SKU = 50
MAX_ATTRIBUTE_NAME, MAX_ATTRIBUTE_VALUE = 20, 50
MAX_QUANTITY = 99_999
WEIGHT = re.compile(r"^\d+(\.\d{1,3})?$")  # KILOGRAM: "up to 3 decimal places"


def live_product(shop: Shop, product_id: str) -> Listing:
    product = shop.catalog.listings.get(product_id)
    if product is None or product.status in ("DELETED", "FREEZE"):
        raise TikTokError(12052032, "The product does not exist")
    return product


def _amount(price: Any) -> int:
    if not isinstance(price, Mapping):
        raise TikTokError(12052012, "Incorrect price format")
    if price.get("currency") != CURRENCY:
        raise TikTokError(12052084, "The provided currency is not available for this shop/region.")
    try:
        amount = Decimal(str(price.get("amount")))
    except InvalidOperation:
        raise TikTokError(12052012, "Incorrect price format") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.to_integral_value():
        raise TikTokError(12052073, "The product price is invalid")
    return int(amount)


def _quantity(shop: Shop, inventory: Any) -> int:
    if not isinstance(inventory, list) or not inventory:
        raise TikTokError(12019022, "SKU must contain a valid warehouse.")
    if len(inventory) > 1:
        raise TikTokError(12052094, "No multiple warehouse permission")
    entry = inventory[0]
    if not isinstance(entry, Mapping):
        raise product_param("inventory entries are objects")
    warehouse = entry.get("warehouse_id")
    if warehouse is not None and warehouse != shop.warehouse_id:
        raise TikTokError(12052097, "The warehouse does not exist")
    quantity = entry.get("quantity", 0)
    if not is_int(quantity) or not 0 <= quantity <= MAX_QUANTITY:
        raise TikTokError(
            12052055, "The SKU inventory quantity for the warehouse must be within allowed limits."
        )
    return quantity


def _seller_sku(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_SELLER_SKU:
        raise TikTokError(12052054, "The seller SKU text length cannot exceed max limit characters")
    if any(c.isspace() for c in value):
        raise TikTokError(12019059, "seller sku is invalid")
    return value


def _attributes(ctx: Ctx, raw: Any, names: dict[str, str]) -> list[dict[str, str]]:
    """Custom sales attributes ({name, value_name}) or known ones ({id, value_id})."""
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_ATTRIBUTES:
        raise TikTokError(12052525, " The attribute max num cannot exceed 3.")
    found = []
    for attribute in raw:
        if not isinstance(attribute, Mapping):
            raise product_param("sales_attributes entries are objects")
        name = str(attribute.get("name") or "")
        value = str(attribute.get("value_name") or "")
        if not (name or attribute.get("id")) or not (value or attribute.get("value_id")):
            raise TikTokError(12052241, "attribute name or attribute id is empty.")
        if len(name) > MAX_ATTRIBUTE_NAME:
            raise TikTokError(12052242, " The attribute name characters cannot exceed max_limit")
        if len(value) > MAX_ATTRIBUTE_VALUE:
            raise TikTokError(
                12052249, " The sales attribute value name characters cannot exceed 50"
            )
        attribute_id = str(
            attribute.get("id") or names.setdefault(name, ctx.sandbox.new_id("1000"))
        )
        found.append(
            {
                "id": attribute_id,
                "name": name,
                "value_id": str(attribute.get("value_id") or ctx.sandbox.new_id("1731")),
                "value_name": value,
            }
        )
    return found


def _sku_list(raw: Any) -> list[Any]:
    """The body's `skus`, refused when empty or too long."""
    if not isinstance(raw, list) or not raw:
        raise TikTokError(
            12052902,
            "The SKU list is empty. Either omit the list entirely, or provide "
            "all required details.",
        )
    if len(raw) > MAX_SKUS:
        raise TikTokError(12052050, "A single product cannot have more than 100 different SKUs")
    return raw


def _skus(ctx: Ctx, raw: Any, existing: Listing | None) -> list[Variant]:
    """The SKUs of a create (or of a partial edit's `skus`, keeping listed ids)."""
    names: dict[str, str] = {}
    if existing is not None:
        for sku in existing.variants.values():
            names.update((a["name"], a["id"]) for a in sku.fields["sales_attributes"])
    skus: list[Variant] = []
    for entry in _sku_list(raw):
        if not isinstance(entry, Mapping):
            raise product_param("skus entries are objects")
        old = None
        if entry.get("id"):
            old = existing.variants.get(str(entry["id"])) if existing else None
            if old is None:
                raise TikTokError(12052557, "The SKU ID does not belong to the product.")
        inventory = entry.get("inventory")
        if old is not None and inventory is None:
            quantity = old.stock
        else:
            quantity = _quantity(ctx.shop, inventory)
        attributes = _attributes(ctx, entry.get("sales_attributes"), names)
        skus.append(
            new_sku(
                str(old.id) if old else ctx.sandbox.new_id("1730"),
                _seller_sku(entry.get("seller_sku")) or (old.sku if old else ""),
                _amount(entry.get("price")),
                quantity,
                attributes or (list(old.fields["sales_attributes"]) if old else []),
            )
        )
    _check_variations(skus)
    return skus


def _check_variations(skus: list[Variant]) -> None:
    if len(skus) == 1:
        return
    attributes = [sku.fields["sales_attributes"] for sku in skus]
    shapes = {tuple(sorted(a["name"] or a["id"] for a in each)) for each in attributes}
    if len(shapes) != 1 or () in shapes:
        raise TikTokError(12052550, "SKU property must contain all properties")
    combos = [tuple(a["value_name"] or a["value_id"] for a in each) for each in attributes]
    if len(set(combos)) != len(combos):
        raise TikTokError(
            12052251,
            "Duplicated attribute values found for an attribute. Remove or modify the "
            "duplicated value.",
        )


def _title(ctx: Ctx, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TikTokError(12052261, "product name is empty")
    if len(value) > MAX_TITLE:
        raise TikTokError(12052051, "The product name exceed max limit characters")
    if ctx.sandbox.strict_content and len(value) < MIN_TITLE_ID:
        raise product_param("Title length for ID shops: [25, 255].")
    return value


def _description(ctx: Ctx, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TikTokError(12052015, "The product description is required")
    if len(value) > MAX_DESCRIPTION:
        raise TikTokError(12052013, "The product description cannot exceed maximum characters")
    return value


def _images(ctx: Ctx, value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise TikTokError(12052028, "Main product image is required")
    if len(value) > MAX_MAIN_IMAGES:
        raise TikTokError(12052306, "main product images count exceed limit")
    uris = [entry.get("uri") if isinstance(entry, Mapping) else None for entry in value]
    if any(uri not in ctx.sandbox.images for uri in uris):
        raise TikTokError(12052300, "product main image uri illegal")
    return [str(uri) for uri in uris]


def _weight(ctx: Ctx, value: Any) -> str:
    kilograms = isinstance(value, Mapping) and value.get("unit") == "KILOGRAM"
    raw = value.get("value") if kilograms else None
    if not isinstance(raw, str) or not WEIGHT.match(raw):
        raise TikTokError(12052006, "Incorrect parcel weight format")
    if Decimal(raw) == 0:
        raise TikTokError(12052181, "The package weight of the product can not be zero.")
    return raw


def _category(ctx: Ctx, value: Any) -> str:
    if not isinstance(value, str) or not value.isdigit():
        raise TikTokError(12052002, "Incorrect category format")
    return value


PROPERTIES: dict[str, Callable[[Ctx, Any], Any]] = {
    "title": _title,
    "description": _description,
    "category_id": _category,
    "main_images": _images,
    "package_weight": _weight,
}
"""The product properties of a create or an edit, each read and checked in this order."""


def _properties(ctx: Ctx, body: Mapping[str, Any], edited: Listing | None) -> dict[str, Any]:
    """The product properties the body names, checked; a create (`edited` None) names them
    all, a missing one refused like an empty one. Title and main images become the
    listing's name and images, the rest its `fields`."""
    return {
        name: read(ctx, body.get(name))
        for name, read in PROPERTIES.items()
        if edited is None or name in body
    }


def _created(product: Listing) -> dict[str, Any]:
    return {
        "product_id": product.id,
        "skus": [
            {
                "id": sku.id,
                "seller_sku": sku.sku,
                "sales_attributes": [
                    {"id": a["id"], "value_id": a["value_id"]}
                    for a in sku.fields["sales_attributes"]
                ],
            }
            for sku in product.variants.values()
        ],
        "warnings": [],
    }


def create_product(ctx: Ctx) -> Any:
    body, shop = ctx.json, ctx.shop
    key = body.get("idempotency_key")
    if isinstance(key, str) and key in shop.idempotency:
        return _created(shop.catalog.listings[shop.idempotency[key]])
    save_mode = body.get("save_mode", "LISTING")
    if save_mode not in ("LISTING", "AS_DRAFT"):
        raise product_param("save_mode is LISTING or AS_DRAFT.")
    properties = _properties(ctx, body, None)
    skus = _skus(ctx, body.get("skus"), None)
    status = "ACTIVATE" if save_mode == "LISTING" else "DRAFT"
    title, images = properties.pop("title"), properties.pop("main_images")
    product = new_product(ctx.sandbox.new_id("1729"), title, status, ctx.now, images, properties)
    product.variants = {sku.id: sku for sku in skus}
    shop.catalog.add(product)
    if isinstance(key, str) and key:
        shop.idempotency[key] = str(product.id)
    return _created(product)


def partial_edit(ctx: Ctx) -> Any:
    """Per top-level property: what the body names is replaced, the rest kept. Listed SKU
    ids are edited, SKUs without id created, and existing SKUs left out deleted."""
    body = ctx.json
    product = live_product(ctx.shop, ctx.params["product_id"])
    properties = _properties(ctx, body, product)
    skus = _skus(ctx, body["skus"], product) if "skus" in body else None
    product.name = properties.pop("title", product.name)
    product.images = properties.pop("main_images", product.images)
    product.fields.update(properties)
    if skus is not None:
        product.variants = {sku.id: sku for sku in skus}
    product.updated = ctx.now
    return _created(product)


def _sku_entries(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    entries = _sku_list(body.get("skus"))
    ids = [e.get("id") if isinstance(e, Mapping) else None for e in entries]
    if any(not isinstance(i, str) or not i for i in ids):
        raise TikTokError(12052036, "The SKU ID is necessary")
    if len(set(ids)) != len(ids):
        raise TikTokError(12052553, "Sku id duplicate")
    return entries


def update_inventory(ctx: Ctx) -> Any:
    product = live_product(ctx.shop, ctx.params["product_id"])
    if product.status != "ACTIVATE":
        raise TikTokError(
            12052901,
            "The product in its current status is not available for this "
            "operation. Change the product status and try again.",
        )
    errors = []
    for entry in _sku_entries(ctx.json):
        sku = product.variants.get(entry["id"])
        if sku is None:
            errors.append(_sku_error(12052556, "The SKU id not exist.", entry["id"]))
            continue
        try:
            quantity = _quantity(ctx.shop, entry.get("inventory"))
        except TikTokError as refused:
            cause = {
                "code": refused.code,
                "message": refused.message,
                "warehouse_id": ctx.shop.warehouse_id,
            }
            errors.append(_sku_error(12052990, "Check failed", str(sku.id), [cause]))
            continue
        sku.stock = quantity
    product.updated = ctx.now
    return {"errors": errors}


def _sku_error(
    code: int, message: str, sku_id: str, extra_errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    detail: dict[str, Any] = {"sku_id": sku_id}
    if extra_errors:
        detail["extra_errors"] = extra_errors
    return {"code": code, "message": message, "detail": detail}


def update_price(ctx: Ctx) -> Any:
    """All or nothing: every SKU is checked before any price changes."""
    product = live_product(ctx.shop, ctx.params["product_id"])
    if product.status != "ACTIVATE":
        raise TikTokError(12019113, "product status is invalid")
    prices: list[tuple[Variant, int]] = []
    for entry in _sku_entries(ctx.json):
        sku = product.variants.get(entry["id"])
        if sku is None:
            raise TikTokError(12052557, "The SKU ID does not belong to the product.")
        prices.append((sku, _amount(entry.get("price"))))
    for sku, amount in prices:
        sku.price = amount
    product.updated = ctx.now
    return {}


ROUTES = [
    Route("POST", "/product/202309/products", create_product),
    Route("POST", "/product/202309/products/{product_id}/partial_edit", partial_edit),
    Route("POST", "/product/202309/products/{product_id}/inventory/update", update_inventory),
    Route("POST", "/product/202309/products/{product_id}/prices/update", update_price),
]
