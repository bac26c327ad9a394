"""/products, /products/batch, /products/{id}, /products/{id}/variations[/batch|/{id}] and
/products/categories, as the v3 products and variations controllers serve them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from lapak.sandboxes.woocommerce import catalog
from lapak.sandboxes.woocommerce.context import EDITABLE, Ctx, paginate, route, sort_rows
from lapak.sandboxes.woocommerce.state import (
    CATEGORIES,
    PRODUCT_STATUSES,
    Post,
    Product,
    Shop,
    Variation,
)
from lapak.sandboxes.woocommerce.views import only_fields, product_view, variation_view
from lapak.sandboxes.woocommerce.wire import Reply, WooError, enum_param, id_list_param, list_param

BATCH_LIMIT = 100
ORDERBY = ("date", "id", "include", "title", "slug", "modified", "menu_order", "price")
STATUSES = ("any", *PRODUCT_STATUSES)


def invalid_id(kind: str, status: int) -> WooError:
    return WooError(f"woocommerce_rest_{kind}_invalid_id", "Invalid ID.", status)


def _collection(ctx: Ctx, path: str, rows: Sequence[Post], view: Callable) -> Reply:
    include = id_list_param(ctx.query, "include")
    status = enum_param(ctx.query, "status", "any", STATUSES)
    orderby = enum_param(ctx.query, "orderby", "date", ORDERBY)
    order = enum_param(ctx.query, "order", "desc", ("asc", "desc"))
    skus = set(list_param(ctx.query, "sku"))
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


# --- products ------------------------------------------------------------------------------


def list_products(ctx: Ctx) -> Reply:
    # Parameters are validated before the permission check (WP_REST_Server::dispatch).
    # With `sku`, WooCommerce looks among products and variations alike.
    shop = ctx.caller
    rows: Sequence[Post] = []
    if shop is not None:
        rows = shop.posts() if ctx.query.get("sku") else list(shop.products.values())
    return _collection(ctx, "/products", rows, product_view)


def get_product(ctx: Ctx) -> Reply:
    shop = ctx.require("read")
    product = shop.post(ctx.ids["id"])
    if product is None:
        raise invalid_id("product", 404)
    return Reply(product_view(shop, product))


def create_product(ctx: Ctx) -> Reply:
    shop = ctx.require("create")
    catalog.check_types(ctx.json)
    return Reply(product_view(shop, _create(shop, ctx.json, ctx)), status=201)


def update_product(ctx: Ctx) -> Reply:
    shop = ctx.require("edit")
    catalog.check_types(ctx.json)
    return Reply(product_view(shop, _update(shop, ctx.ids["id"], ctx.json, ctx)))


def _create(shop: Shop, body: Mapping[str, Any], ctx: Ctx) -> Product:
    if body.get("id"):
        raise WooError("woocommerce_rest_product_exists", "Cannot create existing product.", 400)
    draft = catalog.new_product(body, ctx.now)
    return catalog.save_product(shop, draft, body, ctx.images, ctx.now)


def _update(shop: Shop, product_id: Any, body: Mapping[str, Any], ctx: Ctx) -> Product:
    product = shop.post(product_id) if isinstance(product_id, int) else None
    if product is None:
        raise invalid_id("product", 400)
    return catalog.save_product(shop, product, body, ctx.images, ctx.now)


def _delete(shop: Shop, product_id: Any, ctx: Ctx) -> Product:
    """`force=true` (batch deletes force): the product and its variations are gone."""
    product = shop.products.get(product_id) if isinstance(product_id, int) else None
    if product is None:
        raise invalid_id("product", 404)
    return shop.products.pop(product.id)


def batch_products(ctx: Ctx) -> Reply:
    shop = ctx.require("batch")
    return Reply(
        _batch(
            ctx,
            create=lambda body: product_view(shop, _create(shop, body, ctx)),
            update=lambda body: product_view(shop, _update(shop, body.get("id"), body, ctx)),
            delete=lambda pid: product_view(shop, _delete(shop, pid, ctx)),
        )
    )


def _batch(
    ctx: Ctx,
    *,
    create: Callable[[dict[str, Any]], dict[str, Any]],
    update: Callable[[dict[str, Any]], dict[str, Any]],
    delete: Callable[[int], dict[str, Any]],
) -> dict[str, list[dict[str, Any]]]:
    """`WC_REST_Controller::batch_items`: ≤ 100 objects in all, each answered in order."""
    body = ctx.json
    given = {key: body.get(key) for key in ("create", "update", "delete")}
    lists: dict[str, list[Any]] = {k: v if isinstance(v, list) else [] for k, v in given.items()}
    if sum(map(len, lists.values())) > BATCH_LIMIT:
        raise WooError(
            "woocommerce_rest_request_entity_too_large",
            f"Unable to accept more than {BATCH_LIMIT} items for this request.",
            413,
        )
    answer: dict[str, list[dict[str, Any]]] = {}
    for item in lists["create"]:
        answer.setdefault("create", []).append(_entry(0, partial(create, _obj(item))))
    for item in lists["update"]:
        entry_id = item.get("id") if isinstance(item, dict) else None
        answer.setdefault("update", []).append(_entry(entry_id, partial(update, _obj(item))))
    for item in lists["delete"]:
        try:
            pid = int(item)
        except (TypeError, ValueError):
            pid = 0
        if pid:
            answer.setdefault("delete", []).append(_entry(pid, partial(delete, pid)))
    return answer


def _obj(item: Any) -> dict[str, Any]:
    return item if isinstance(item, dict) else {}


def _entry(entry_id: Any, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return run()
    except WooError as exc:
        return {
            "id": entry_id,
            "error": {"code": exc.code, "message": exc.message, "data": exc.data_body()},
        }


# --- variations ----------------------------------------------------------------------------


def _variation(shop: Shop, parent_id: int, variation_id: Any, status: int) -> Variation:
    parent = shop.products.get(parent_id)
    found = parent.variation(variation_id) if parent and isinstance(variation_id, int) else None
    # WooCommerce would re-parent a variation updated under another product; the sandbox
    # refuses that instead (UNCONFIRMED which message real stores give).
    if found is None:
        raise invalid_id("product_variation", status)
    return found


def list_variations(ctx: Ctx) -> Reply:
    parent = ctx.ids["product_id"]
    product = ctx.caller.products.get(parent) if ctx.caller else None
    rows = product.children() if product else []
    return _collection(ctx, f"/products/{parent}/variations", rows, variation_view)


def get_variation(ctx: Ctx) -> Reply:
    shop = ctx.require("read")
    variation = _variation(shop, ctx.ids["product_id"], ctx.ids["id"], 404)
    return Reply(variation_view(shop, variation))


def create_variation(ctx: Ctx) -> Reply:
    shop = ctx.require("create")
    catalog.check_types(ctx.json)
    saved = catalog.save_variation(shop, ctx.ids["product_id"], None, ctx.json, ctx.images, ctx.now)
    return Reply(variation_view(shop, saved), status=201)


def update_variation(ctx: Ctx) -> Reply:
    shop = ctx.require("edit")
    catalog.check_types(ctx.json)
    parent = ctx.ids["product_id"]
    variation = _variation(shop, parent, ctx.ids["id"], 400)
    saved = catalog.save_variation(shop, parent, variation, ctx.json, ctx.images, ctx.now)
    return Reply(variation_view(shop, saved))


def batch_variations(ctx: Ctx) -> Reply:
    shop = ctx.require("batch")
    parent = ctx.ids["product_id"]

    def create(body: dict[str, Any]) -> dict[str, Any]:
        saved = catalog.save_variation(shop, parent, None, body, ctx.images, ctx.now)
        return variation_view(shop, saved)

    def update(body: dict[str, Any]) -> dict[str, Any]:
        variation = _variation(shop, parent, body.get("id"), 400)
        saved = catalog.save_variation(shop, parent, variation, body, ctx.images, ctx.now)
        return variation_view(shop, saved)

    def delete(variation_id: int) -> dict[str, Any]:
        variation = _variation(shop, parent, variation_id, 404)
        del shop.products[parent].variants[variation.id]
        return variation_view(shop, variation)

    return Reply(_batch(ctx, create=create, update=update, delete=delete))


# --- categories ----------------------------------------------------------------------------


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


ROUTES = [
    route("/products", {"GET": list_products, "POST": create_product}, images=True),
    route("/products/batch", {EDITABLE: batch_products}, images=True),
    route("/products/categories", {"GET": list_categories}),
    route(r"/products/(?P<id>\d+)", {"GET": get_product, EDITABLE: update_product}, images=True),
    route(
        r"/products/(?P<product_id>\d+)/variations",
        {"GET": list_variations, "POST": create_variation},
        images=True,
    ),
    route(
        r"/products/(?P<product_id>\d+)/variations/batch", {EDITABLE: batch_variations}, images=True
    ),
    route(
        r"/products/(?P<product_id>\d+)/variations/(?P<id>\d+)",
        {"GET": get_variation, EDITABLE: update_variation},
        images=True,
    ),
]
