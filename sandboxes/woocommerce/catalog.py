"""Products and variations as WooCommerce saves them (`prepare_object_for_database` of the
v3 products and variations controllers, `WC_Product` setters), for single and batch calls,
in the site's kit catalog (state.py): a variation is saved into its parent product.

What the sandbox reproduces: a variation refused by the products endpoint; the SKU, unique
among live products and variations (`product_invalid_sku`, naming the holder in
`resource_id`); attributes; prices (a variable parent has none); stock (`stock_quantity`
ignored unless `manage_stock`); categories (unknown ids dropped silently, "Uncategorized"
when none); images (media.py); meta data. A refusal leaves the product unchanged.

Single-item endpoints validate field types first, as WordPress does against the schema;
batch entries skip that validation (WC_REST_Controller::batch_items calls create_item and
update_item directly) and are coerced by the setters instead.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from lapak.sandboxes.kit.control import ListingSpec
from lapak.sandboxes.woocommerce.media import Images, upload
from lapak.sandboxes.woocommerce.state import (
    CATEGORIES,
    PRODUCT_STATUSES,
    UNCATEGORIZED,
    Post,
    Product,
    Shop,
    Variation,
)
from lapak.sandboxes.woocommerce.wire import WooError, invalid_param

PRODUCT_TYPES = ("simple", "grouped", "external", "variable")
FIELD_TYPES: dict[str, str] = {
    "name": "string",
    "type": "string",
    "status": "string",
    "description": "string",
    "sku": "string",
    "regular_price": "string",
    "sale_price": "string",
    "weight": "string",
    "manage_stock": "boolean",
    "stock_quantity": "integer",
    "images": "array",
    "categories": "array",
    "attributes": "array",
    "meta_data": "array",
    "image": "object",
}
VARIATION_ONLY_MESSAGE = (
    "To manipulate product variations you should use the "
    "/products/&lt;product_id&gt;/variations/&lt;id&gt; endpoint."
)


def check_types(body: Mapping[str, Any]) -> None:
    """Schema type checks of a single-item request (WordPress core, before the handler)."""
    for name, kind in FIELD_TYPES.items():
        if name not in body or body[name] is None:
            continue
        value = body[name]
        ok = {
            "string": isinstance(value, str),
            "boolean": isinstance(value, bool) or value in ("true", "false", "1", "0"),
            "integer": (isinstance(value, int) and not isinstance(value, bool))
            or (isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None),
            "array": isinstance(value, list),
            "object": isinstance(value, dict),
        }[kind]
        if not ok:
            raise invalid_param(name, f"{name} is not of type {kind}.")
    if "type" in body and body["type"] not in PRODUCT_TYPES:
        raise invalid_param("type", f"type is not one of {', '.join(PRODUCT_TYPES)}.")


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def _stock_amount(value: Any) -> int:
    """`wc_stock_amount`: an integer, anything unparsable being 0."""
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


def _decimal_text(value: Any) -> str:
    """`wc_format_decimal` of a price ("" stays "")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def sanitize_title(name: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", name.strip().lower()).strip("-")


def new_product(body: Mapping[str, Any], now: float) -> Product:
    kind = body.get("type") if body.get("type") in PRODUCT_TYPES else "simple"
    return Product(id=0, type=str(kind), name="", created=int(now), updated=int(now))


def seller_product(shop: Shop, listing: ListingSpec, *, now: float) -> Product:
    """A seller's own product, made in wp-admin: simple, or variable with one custom
    attribute "Variant" and a variation per (sku, option, price, stock)."""
    variants = listing.variants
    product = Product(
        id=shop.new_id(),
        type="variable" if variants else "simple",
        name=listing.name,
        created=int(now),
        updated=int(now),
        sku=listing.sku,
        manage_stock=not variants,
        stock=0 if variants else int(listing.stock),
        weight="0.5",
        category_ids=[UNCATEGORIZED],
    )
    product.set_regular_price("" if variants else str(int(listing.price)))
    shop.catalog.add(product)
    if variants:
        options = [option for _, option, _, _ in variants]
        variant = {"name": "Variant", "options": options, "visible": True, "variation": True}
        product.attributes = _attributes([variant])
    for variant_sku, option, variant_price, variant_stock in variants:
        variation = Variation(
            id=shop.new_id(),
            parent_id=product.id,
            name=listing.name,
            created=int(now),
            updated=int(now),
            sku=variant_sku,
            manage_stock=True,
            stock=int(variant_stock),
        )
        variation.set_regular_price(str(int(variant_price)))
        variation.choose({"variant": option})
        product.variants[variation.id] = variation
    return product


def save_product(
    shop: Shop, product: Post, body: Mapping[str, Any], images: Images, now: float
) -> Product:
    """Apply `body` to (a copy of) `product` and store it; raises `WooError` unchanged."""
    if isinstance(product, Variation):
        raise WooError("woocommerce_rest_invalid_product_id", VARIATION_ONLY_MESSAGE, 404)
    draft = copy.deepcopy(product)
    if "type" in body and body["type"] in PRODUCT_TYPES and product.id:
        draft.type = str(body["type"])
    if body.get("name") is not None:
        draft.name = str(body["name"])
    if body.get("status") is not None:
        status = str(body["status"])
        draft.status = status if status in PRODUCT_STATUSES else "draft"
    _common(shop, draft, body)
    if isinstance(body.get("attributes"), list):
        draft.attributes = _attributes(body["attributes"])
    if isinstance(body.get("categories"), list):
        known = [int(c["id"]) for c in body["categories"] if _known_category(c)]
        draft.category_ids = known or [UNCATEGORIZED]
    elif not draft.category_ids:
        draft.category_ids = [UNCATEGORIZED]
    if isinstance(body.get("images"), list):
        srcs = [i.get("src") for i in body["images"] if isinstance(i, dict) and i.get("src")]
        draft.image_ids = [
            upload(shop, images, str(src), now, "woocommerce_product_image_upload_error")
            for src in srcs
        ]
    shop.update_meta(draft.meta, body.get("meta_data"))
    _stamp(shop, draft, now)
    shop.catalog.add(draft)
    return draft


def save_variation(
    shop: Shop,
    parent_id: int,
    variation: Variation | None,
    body: Mapping[str, Any],
    images: Images,
    now: float,
) -> Variation:
    """Create (`variation` None) or update a variation of product `parent_id`."""
    parent = shop.products.get(parent_id)
    if parent is None or not shop.live(parent):
        raise WooError(
            "woocommerce_rest_product_variation_invalid_parent",
            "Cannot set attributes due to invalid parent product.",
            404,
        )
    if variation is None:
        draft = Variation(
            id=0, parent_id=parent_id, name=parent.name, created=int(now), updated=int(now)
        )
    else:
        draft = copy.deepcopy(variation)
    if body.get("status") in PRODUCT_STATUSES:
        draft.status = str(body["status"])
    _common(shop, draft, body)
    if isinstance(body.get("image"), dict) and body["image"].get("src"):
        code = "woocommerce_variation_image_upload_error"
        draft.image_ids = [upload(shop, images, str(body["image"]["src"]), now, code)]
    if isinstance(body.get("attributes"), list):
        draft.choose(_variation_attributes(parent, body["attributes"]))
    shop.update_meta(draft.meta, body.get("meta_data"))
    _stamp(shop, draft, now)
    parent.variants[draft.id] = draft
    parent.updated = int(now)
    return draft


def _common(shop: Shop, draft: Post, body: Mapping[str, Any]) -> None:
    """What products and variations take alike: description, weight, SKU, price, stock."""
    for name in ("description", "weight"):
        if body.get(name) is not None:
            setattr(draft, name, str(body[name]))
    if body.get("sku") is not None:
        _set_sku(shop, draft, str(body["sku"]).strip())
    if draft.type in ("variable", "grouped"):
        draft.set_regular_price("")  # the variations have the prices
    elif body.get("regular_price") is not None:
        draft.set_regular_price(_decimal_text(body["regular_price"]))
    _stock(draft, body)


def _set_sku(shop: Shop, draft: Post, sku: str) -> None:
    """`WC_Product::set_sku`: unique among live products and variations."""
    holder = shop.sku_holder(sku, besides=draft.id) if sku else None
    if holder is not None:
        unique, n = sku, 0
        while shop.sku_holder(unique, besides=draft.id) is not None:
            n += 1
            unique = f"{sku}-{n}"
        raise WooError(
            "product_invalid_sku",
            "Invalid or duplicated SKU.",
            400,
            data={"resource_id": holder.id, "unique_sku": unique},
        )
    draft.sku = sku


def _attributes(entries: list[Any]) -> list[dict[str, Any]]:
    """Custom (non-taxonomy) product attributes; an entry without options is dropped."""
    attributes = []
    for position, entry in enumerate(e for e in entries if isinstance(e, dict)):
        name = str(entry.get("name") or "").strip()
        options = entry.get("options")
        if not name or options is None:
            continue
        values = options if isinstance(options, list) else str(options).split("|")
        attributes.append(
            {
                "id": 0,
                "name": name,
                "slug": sanitize_title(name),
                "position": position,
                "visible": _bool(entry.get("visible", False)),
                "variation": _bool(entry.get("variation", False)),
                "options": [str(v).strip() for v in values if str(v).strip()],
            }
        )
    return attributes


def _variation_attributes(parent: Product, entries: list[Any]) -> dict[str, str]:
    """{attribute slug: option}; an attribute the parent does not vary by is skipped."""
    varying = {a["slug"]: a for a in parent.attributes if a["variation"]}
    chosen: dict[str, str] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        slug = sanitize_title(str(entry.get("name") or ""))
        if slug in varying:
            chosen[slug] = str(entry.get("option") or "").strip()
    return chosen


def _stock(draft: Post, body: Mapping[str, Any]) -> None:
    """`stock_quantity` counts only with `manage_stock`; unmanaged stock is 0 (null on the
    wire), which is where managing it again starts when no quantity is sent."""
    if "manage_stock" in body and body["manage_stock"] is not None:
        draft.manage_stock = _bool(body["manage_stock"])
    if not draft.manage_stock:
        draft.stock = 0
    elif body.get("stock_quantity") is not None:
        draft.stock = _stock_amount(body["stock_quantity"])


def _known_category(entry: Any) -> bool:
    try:
        return isinstance(entry, dict) and int(entry.get("id", 0)) in CATEGORIES
    except (TypeError, ValueError):
        return False


def _stamp(shop: Shop, draft: Post, now: float) -> None:
    """A new post takes the site's next id; every save is its modification."""
    if not draft.id:
        draft.id = shop.new_id()
        draft.created = int(now)
    draft.updated = int(now)
