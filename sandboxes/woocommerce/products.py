"""/products, /products/batch, /products/{id}, /products/{id}/variations[/batch|/{id}] and
/products/categories, as the v3 products and variations controllers serve them, and
products and variations as WooCommerce saves them (`prepare_object_for_database` of the
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from lapak.sandboxes.kit.control import ListingSpec
from lapak.sandboxes.kit.wire import is_int
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
from lapak.sandboxes.woocommerce.views import only_fields, product_view, variation_view
from lapak.sandboxes.woocommerce.wire import (
    EDITABLE,
    Ctx,
    Reply,
    WooError,
    enum_param,
    id_list_param,
    invalid_param,
    list_param,
    paginate,
    route,
    sort_rows,
)

BATCH_LIMIT = 100
ORDERBY = ("date", "id", "include", "title", "slug", "modified", "menu_order", "price")
STATUSES = ("any", *PRODUCT_STATUSES)

PRODUCT_TYPES = ("simple", "grouped", "external", "variable")
FIELD_TYPES: dict[str, str] = {
    **dict.fromkeys(
        ("name", "type", "status", "description", "sku", "regular_price", "sale_price", "weight"),
        "string",
    ),
    **dict.fromkeys(("images", "categories", "attributes", "meta_data"), "array"),
    "manage_stock": "boolean",
    "stock_quantity": "integer",
    "image": "object",
}
"""The schema types of the body fields the sandbox reads."""
TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool) or value in ("true", "false", "1", "0"),
    "integer": lambda value: (
        is_int(value) or (isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None)
    ),
    "array": lambda value: isinstance(value, list),
    "object": lambda value: isinstance(value, dict),
}
VARIATION_ONLY_MESSAGE = (
    "To manipulate product variations you should use the "
    "/products/&lt;product_id&gt;/variations/&lt;id&gt; endpoint."
)


def check_types(body: Mapping[str, Any]) -> None:
    """Schema type checks of a single-item request (WordPress core, before the handler)."""
    for name, kind in FIELD_TYPES.items():
        if body.get(name) is not None and not TYPE_CHECKS[kind](body[name]):
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
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def sanitize_title(name: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", name.strip().lower()).strip("-")


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


# --- the endpoints -------------------------------------------------------------------------


def invalid_id(kind: str, status: int) -> WooError:
    return WooError(f"woocommerce_rest_{kind}_invalid_id", "Invalid ID.", status)


def _collection(ctx: Ctx, path: str, rows: Sequence[Post], view: Callable) -> Reply:
    include = id_list_param(ctx.query, "include")
    status = enum_param(ctx.query, "status", "any", STATUSES)
    orderby = enum_param(ctx.query, "orderby", "date", ORDERBY)
    order = enum_param(ctx.query, "order", "desc", ("asc", "desc"))
    listed = list_param(ctx.query, "sku")
    skus = set(listed)
    if len(listed) > 1:  # WooCommerce matches the whole string as one SKU too
        skus.add(ctx.query.get("sku", ""))
    rows = [
        r
        for r in rows
        if (r.status != "trash" if status == "any" else r.status == status)
        and (not include or r.id in include)
        and (not skus or r.sku in skus)
    ]
    page, headers = paginate(ctx, path, sort_rows(rows, orderby, order, include))
    fields = list_param(ctx.query, "_fields")
    shop = ctx.require("list")
    return Reply([only_fields(view(shop, r), fields) for r in page], headers=headers)


def list_products(ctx: Ctx) -> Reply:
    # Parameters are validated before the permission check (WP_REST_Server::dispatch).
    # With `sku`, WooCommerce looks among products and variations alike.
    shop = ctx.caller
    rows: Sequence[Post] = []
    if shop is not None:
        rows = shop.posts() if ctx.query.get("sku") else list(shop.products.values())
    return _collection(ctx, "/products", rows, product_view)


def list_variations(ctx: Ctx) -> Reply:
    parent = ctx.ids["product_id"]
    product = ctx.caller.products.get(parent) if ctx.caller else None
    rows = product.children() if product else []
    return _collection(ctx, f"/products/{parent}/variations", rows, variation_view)


@dataclass(frozen=True, slots=True)
class Resource:
    """How the item and batch endpoints of products or of variations find one by id
    (`find(ctx, shop, id, status)`: `invalid_id` with `status` when there is none), save
    a new (None) or existing one, and delete one."""

    find: Callable[[Ctx, Shop, Any, int], Post]
    save: Callable[[Ctx, Shop, Any, Mapping[str, Any]], Post]
    delete: Callable[[Ctx, Shop, int], Post]
    view: Callable[[Shop, Any], dict[str, Any]]


def _find_product(ctx: Ctx, shop: Shop, product_id: Any, status: int) -> Post:
    product = shop.post(product_id) if isinstance(product_id, int) else None
    if product is None:
        raise invalid_id("product", status)
    return product


def _save_product(ctx: Ctx, shop: Shop, product: Post | None, body: Mapping[str, Any]) -> Post:
    if product is None:
        if body.get("id"):
            raise WooError("woocommerce_rest_product_exists", "Cannot create existing product.")
        kind = body.get("type") if body.get("type") in PRODUCT_TYPES else "simple"
        product = Product(id=0, type=str(kind), name="", created=int(ctx.now), updated=int(ctx.now))
    return save_product(shop, product, body, ctx.images, ctx.now)


def _delete_product(ctx: Ctx, shop: Shop, product_id: int) -> Post:
    """`force=true` (batch deletes force): the product and its variations are gone."""
    if product_id not in shop.products:
        raise invalid_id("product", 404)
    return shop.products.pop(product_id)


def _find_variation(ctx: Ctx, shop: Shop, variation_id: Any, status: int) -> Post:
    parent = shop.products.get(ctx.ids["product_id"])
    found = parent.variation(variation_id) if parent and isinstance(variation_id, int) else None
    # WooCommerce would re-parent a variation updated under another product; the sandbox
    # refuses that instead (UNCONFIRMED which message real stores give).
    if found is None:
        raise invalid_id("product_variation", status)
    return found


def _save_variation(
    ctx: Ctx, shop: Shop, variation: Variation | None, body: Mapping[str, Any]
) -> Post:
    return save_variation(shop, ctx.ids["product_id"], variation, body, ctx.images, ctx.now)


def _delete_variation(ctx: Ctx, shop: Shop, variation_id: int) -> Post:
    variation = _find_variation(ctx, shop, variation_id, 404)
    del shop.products[ctx.ids["product_id"]].variants[variation.id]
    return variation


PRODUCTS = Resource(_find_product, _save_product, _delete_product, product_view)
VARIATIONS = Resource(_find_variation, _save_variation, _delete_variation, variation_view)


def get_one(kind: Resource, ctx: Ctx) -> Reply:
    shop = ctx.require("read")
    return Reply(kind.view(shop, kind.find(ctx, shop, ctx.ids["id"], 404)))


def create_one(kind: Resource, ctx: Ctx) -> Reply:
    shop = ctx.require("create")
    check_types(ctx.json)
    return Reply(kind.view(shop, kind.save(ctx, shop, None, ctx.json)), status=201)


def update_one(kind: Resource, ctx: Ctx) -> Reply:
    shop = ctx.require("edit")
    check_types(ctx.json)
    return Reply(kind.view(shop, _update(kind, ctx, shop, ctx.ids["id"], ctx.json)))


def _update(kind: Resource, ctx: Ctx, shop: Shop, post_id: Any, body: Mapping[str, Any]) -> Post:
    return kind.save(ctx, shop, kind.find(ctx, shop, post_id, 400), body)


def batch(kind: Resource, ctx: Ctx) -> Reply:
    """`WC_REST_Controller::batch_items`: ≤ 100 objects in all, each answered in order."""
    shop = ctx.require("batch")
    lists = {
        action: items if isinstance(items := ctx.json.get(action), list) else []
        for action in ("create", "update", "delete")
    }
    if sum(map(len, lists.values())) > BATCH_LIMIT:
        raise WooError(
            "woocommerce_rest_request_entity_too_large",
            f"Unable to accept more than {BATCH_LIMIT} items for this request.",
            413,
        )
    answer: dict[str, list[dict[str, Any]]] = {}

    def run(action: str, entry_id: Any, save: Callable[[], Post]) -> None:
        try:
            entry = kind.view(shop, save())
        except WooError as exc:
            error = {"code": exc.code, "message": exc.message, "data": exc.data_body()}
            entry = {"id": entry_id, "error": error}
        answer.setdefault(action, []).append(entry)

    for item in lists["create"]:
        run("create", 0, partial(kind.save, ctx, shop, None, _obj(item)))
    for item in lists["update"]:
        body = _obj(item)
        run("update", body.get("id"), partial(_update, kind, ctx, shop, body.get("id"), body))
    for item in lists["delete"]:
        try:
            post_id = int(item)
        except (TypeError, ValueError):
            post_id = 0
        if post_id:
            run("delete", post_id, partial(kind.delete, ctx, shop, post_id))
    return Reply(answer)


def _obj(item: Any) -> dict[str, Any]:
    return item if isinstance(item, dict) else {}


def list_categories(ctx: Ctx) -> Reply:
    shop = ctx.require("list")
    counts = {c: 0 for c in CATEGORIES}
    for product in shop.products.values():
        for category in product.category_ids:
            counts[category] = counts.get(category, 0) + 1
    rows = [
        {"id": c, "name": name, "slug": name.lower(), "parent": 0, "count": counts.get(c, 0)}
        for c, name in CATEGORIES.items()
    ]
    return Reply(rows, headers={"X-WP-Total": str(len(rows)), "X-WP-TotalPages": "1"})


PRODUCT = r"/products/(?P<product_id>\d+)"
ROUTES = [
    route(
        "/products",
        {"GET": list_products, "POST": partial(create_one, PRODUCTS)},
        images=True,
    ),
    route("/products/batch", {EDITABLE: partial(batch, PRODUCTS)}, images=True),
    route("/products/categories", {"GET": list_categories}),
    route(
        r"/products/(?P<id>\d+)",
        {"GET": partial(get_one, PRODUCTS), EDITABLE: partial(update_one, PRODUCTS)},
        images=True,
    ),
    route(
        f"{PRODUCT}/variations",
        {"GET": list_variations, "POST": partial(create_one, VARIATIONS)},
        images=True,
    ),
    route(f"{PRODUCT}/variations/batch", {EDITABLE: partial(batch, VARIATIONS)}, images=True),
    route(
        rf"{PRODUCT}/variations/(?P<id>\d+)",
        {"GET": partial(get_one, VARIATIONS), EDITABLE: partial(update_one, VARIATIONS)},
        images=True,
    ),
]
