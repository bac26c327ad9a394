"""Product endpoints: product info, variants, category variants, stock/price update,
create/edit V3 (docs/MARKETPLACES.md#tokopedia-batches).

Update stock/price take 1..100 rows (`sku` prioritised over `product_id`) and fail rows one
by one, ERR_TOO_MANY_REQUEST for rows over the row limit
(docs/MARKETPLACES.md#tokopedia-throttle). Create V3 answers per row; validation messages
beyond "is already used" are the sandbox's (docs/MARKETPLACES.md#tokopedia-unconfirmed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from lapak.sandboxes.kit.catalog import Listing
from lapak.sandboxes.kit.wire import is_int, is_number
from lapak.sandboxes.tokopedia.context import Ctx, Route
from lapak.sandboxes.tokopedia.state import ACTIVE, CATEGORIES, SHARED, Product, Shop
from lapak.sandboxes.tokopedia.wire import TokopediaError, query_ids, query_int

MAX_BULK_ROWS = 100
MAX_PER_PAGE = 50
MAX_NAME = 70
MAX_SKU = 50
MIN_PRICE, MAX_PRICE = 100, 100_000_000
MAX_VARIANT_LEVELS = 2
THROTTLED_ROW = "ERR_TOO_MANY_REQUEST"
CURRENCY_IDR = 1  # price.currency in product info (fixture: 1 with IDR prices)


# --- views ---------------------------------------------------------------------------------


def _slug(name: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())


def _picture_view(url: str, index: int, product_id: int) -> dict[str, Any]:
    return {
        "picID": product_id * 10 + index,
        "fileName": url.rsplit("/", 1)[-1],
        "filePath": url.rsplit("/", 1)[0],
        "status": 2 if index == 0 else 1,
        "OriginalURL": url,
        "ThumbnailURL": url,
        "width": 700,
        "height": 700,
        "URL300": url,
    }


def product_view(shop: Shop, product: Product, base_url: str) -> dict[str, Any]:
    """One product as GET product/info shows it (fixture get-product-info-ok-3)."""
    fields, variants = product.listing.fields, product.listing.variants.values()
    stock = sum(v.stock for v in variants) if product.is_parent else product.stock
    price = (
        min((v.price for v in variants), default=product.price)
        if product.is_parent
        else product.price
    )
    category = CATEGORIES.get(fields["category_id"], ("", ()))[0]
    price_view = {
        "value": price,
        "currency": CURRENCY_IDR,
        "LastUpdateUnix": product.update_time,
        "idr": price,
    }
    variant: dict[str, Any] = {}
    if product.is_parent:
        variant = {"isParent": True, "isVariant": True, "childrenID": list(product.children)}
    elif product.parent_id:
        variant = {"isParent": False, "isVariant": True, "childrenID": []}
    url = f"{base_url}/shop-{shop.shop_id}/{_slug(product.name)}"
    return {
        "basic": {
            "productID": product.product_id,
            "shopID": shop.shop_id,
            "status": ACTIVE,
            "name": product.name,
            "condition": 1 if fields["condition"] == "NEW" else 2,
            "childCategoryID": fields["category_id"],
            "shortDesc": fields["description"],
        },
        "price": price_view,
        "weight": {"value": fields["weight"], "unit": 1 if fields["weight_unit"] == "GR" else 2},
        "stock": {"useStock": True, "value": stock},
        "main_stock": stock,
        "reserve_stock": 0,
        "variant": variant,
        "menu": {"id": 0, "name": ""},
        "preorder": {},
        "extraAttribute": {"minOrder": fields["min_order"], "lastUpdateCategory": 0},
        "categoryTree": [
            {"id": fields["category_id"], "name": category, "title": category, "breadcrumbURL": ""}
        ],
        "pictures": [
            _picture_view(u, i, product.product_id) for i, u in enumerate(product.pictures)
        ],
        "GMStats": {},
        "stats": {},
        "other": {"sku": product.sku, "url": url, "mobileURL": url},
        "campaign": {"StartDate": "0001-01-01T00:00:00Z", "EndDate": "0001-01-01T00:00:00Z"},
        "warehouses": [
            {
                "productID": product.product_id,
                "warehouseID": 0,
                "price": price_view,
                "stock": {"useStock": True, "value": stock},
            }
        ],
    }


def variant_view(shop: Shop, parent: Product, base_url: str) -> dict[str, Any]:
    """GET product/variant/:product_id (fixture get-all-variants-by-product-id-ok)."""
    listing = parent.listing
    children = [Product(listing, variant) for variant in listing.variants.values()]
    selection = listing.fields["selection"][0]
    variant_id = selection.get("id", 0)
    identifier = next(
        (t.identifier for _, ts in CATEGORIES.values() for t in ts if t.variant_id == variant_id),
        "custom",
    )
    options = [{"id": c.option_id, "value": c.option, "hex": ""} for c in children]
    return {
        "parent_id": parent.product_id,
        "default_child": children[0].product_id if children else 0,
        "sizechart": "",
        "variant": [
            {
                "name": identifier,
                "identifier": identifier,
                "unit_name": "",
                "position": 1,
                "option": options,
            }
        ],
        "children": [
            {
                "name": c.name,
                "url": f"{base_url}/shop-{shop.shop_id}/{_slug(c.name)}",
                "product_id": c.product_id,
                "price": c.price,
                "price_fmt": f"Rp {c.price:,}".replace(",", "."),
                "stock": c.stock,
                "main_stock": c.stock,
                "sku": c.sku,
                "option_ids": [c.option_id],
                "enabled": True,
                "is_buyable": c.stock > 0,
                "is_wishlist": False,
                "picture": dict.fromkeys(("original", "thumbnail"), (c.pictures or [""])[0]),
                "campaign": {
                    "is_active": False,
                    "discounted_percentage": 0,
                    "discounted_price": 0,
                    "discounted_price_fmt": "",
                    "campaign_type": 0,
                    "campaign_type_name": "",
                    "start_date": "",
                    "end_date": "",
                },
                "always_available": False,
                "stock_wording": "",
                "other_variant_stock": "available",
                "is_limited_stock": False,
            }
            for c in children
        ],
    }


# --- reads ---------------------------------------------------------------------------------


def _owned(ctx: Ctx) -> list[tuple[Shop, Product]]:
    return [(shop, p) for shop in ctx.shops() for p in shop.products()]


def product_info(ctx: Ctx) -> list[dict[str, Any]]:
    """By product id(s) (`product`, or `product_id` as the SDKs send it), by `sku`, or a
    page of a shop's products (`shop_id` + `page` + `per_page` ≤ 50; variants are shown
    through their parent: UNCONFIRMED)."""
    query = ctx.query
    ids = query_ids(query.getlist("product") + query.getlist("product_id"))
    if ids:
        wanted = set(ids)
        return [
            product_view(shop, p, ctx.base_url) for shop, p in _owned(ctx) if p.product_id in wanted
        ]
    sku = query.get("sku")
    if sku:
        return [
            product_view(shop, p, ctx.base_url)
            for shop, p in _owned(ctx)
            if p.sku == sku and p.sellable
        ]
    if query.get("shop_id") is None:
        raise TokopediaError("product_id, product_url, sku or shop_id is required", "PRD_DLV_001")
    shop = ctx.shop("PRD_DLV_005")
    if not query.get("page"):
        raise TokopediaError("page cannot be empty when shop_id is filled", "PRD_DLV_005")
    page = query_int(query, "page", "PRD_DLV_005")
    per_page = query_int(query, "per_page", "PRD_DLV_005", default=0)
    if page < 1:
        raise TokopediaError("page must be greater than 0", "PRD_DLV_005")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise TokopediaError("per_page must be between 1 and 50", "PRD_DLV_005")
    listed = sorted(
        (Product(listing, None) for listing in shop.catalog.listings.values()),
        key=lambda p: p.product_id,
    )
    start = (page - 1) * per_page
    return [product_view(shop, p, ctx.base_url) for p in listed[start : start + per_page]]


def product_variant(ctx: Ctx) -> dict[str, Any]:
    product_id = int(ctx.params["product_id"]) if ctx.params["product_id"].isdigit() else 0
    for shop, product in _owned(ctx):
        if product.product_id == product_id:
            if not product.is_parent:
                raise TokopediaError("product has no variant", "PRD_API_007")
            return variant_view(shop, product, ctx.base_url)
    raise TokopediaError("Product not found", "PRD_API_007")


def category_variant(ctx: Ctx) -> list[dict[str, Any]]:
    cat_id = query_int(ctx.query, "cat_id", "PRD_DLV_001")
    category = CATEGORIES.get(cat_id)
    if category is None:
        raise TokopediaError(f"Invalid category id {cat_id}", "PRD_DLV_001")
    return [
        {
            "variant_id": t.variant_id,
            "name": t.name,
            "identifier": t.identifier,
            "status": 1,
            "has_unit": 1 if t.unit_id else 0,
            "units": [
                {
                    "unit_id": t.unit_id,
                    "name": t.unit_name,
                    "short_name": t.unit_name[:4],
                    "values": [
                        {"value_id": vid, "value": value, "hex_code": "", "icon": ""}
                        for vid, value in t.values
                    ],
                }
            ],
        }
        for t in category[1]
    ]


# --- stock and price -----------------------------------------------------------------------


def _bulk(ctx: Ctx, field: str, apply: Any) -> dict[str, Any]:
    shop = ctx.shop()
    rows = ctx.body
    if not isinstance(rows, list) or not rows:
        raise TokopediaError("request body must be a non-empty JSON array", "PRD_DLV_002")
    if len(rows) > MAX_BULK_ROWS:
        raise TokopediaError(
            f"You can update up to {MAX_BULK_ROWS} products or SKUs in a single request",
            "PRD_DLV_003",
        )
    allowed = ctx.rows_allowed(len(rows))
    succeeded, failed = [], []
    for position, row in enumerate(rows):
        row = row if isinstance(row, Mapping) else {}
        echo = {
            "product_id": row.get("product_id") if is_int(row.get("product_id")) else 0,
            "sku": row.get("sku") if isinstance(row.get("sku"), str) else "",
            "product_url": "",
            field: row.get(field),
        }
        if position >= allowed:
            failed.append({**echo, "message": THROTTLED_ROW})
            continue
        product, message = _row_product(shop, row)
        if product is None:
            failed.append({**echo, "message": message})
            continue
        message = apply(product, row.get(field))
        if message:
            failed.append({**echo, "message": message})
            continue
        product.touch(ctx.now)
        succeeded.append(
            {
                "productID": product.product_id,
                "warehouseID": 0,
                "shopID": shop.shop_id,
                "stock": product.stock,
                "price": product.price,
            }
        )
    return {
        "total_data": len(rows),
        "succeed_rows": len(succeeded),
        "succeed_rows_data": succeeded,
        "failed_rows": len(failed),
        "failed_rows_data": failed,
    }


def _row_product(shop: Shop, row: Mapping[str, Any]) -> tuple[Product | None, str]:
    """The product a row names: its `sku` when given ("Prioritized over product_id")."""
    sku = row.get("sku")
    if isinstance(sku, str) and sku:
        found = shop.find_sku(sku)
        return (found, "") if found is not None else (None, "Invalid SKU.")
    product_id = row.get("product_id")
    product = shop.product(product_id) if is_int(product_id) else None
    if product is None:
        return None, "Invalid Product ID."
    if product.is_parent:
        return None, "Invalid Product ID. A product with variants is updated by its variants."
    return product, ""


def _set_stock(product: Product, value: Any) -> str:
    if not is_int(value) or value < 0:
        return "Invalid stock value, stock must be 0 or more."
    product.stock = value
    return ""


def _set_price(product: Product, value: Any) -> str:
    if not is_int(value) or not MIN_PRICE <= value <= MAX_PRICE:
        return f"Invalid price, price must be between {MIN_PRICE} and {MAX_PRICE}."
    product.set_price(value)
    return ""


def update_stock(ctx: Ctx) -> dict[str, Any]:
    return _bulk(ctx, "new_stock", _set_stock)


def update_price(ctx: Ctx) -> dict[str, Any]:
    return _bulk(ctx, "new_price", _set_price)


# --- create and edit -----------------------------------------------------------------------


def _products(body: Any) -> list[Any]:
    """`{"products": [...]}` (the doc page) or a bare array (the sirclo spec's
    CreateProductV3RequestInner and nda666's example: UNCONFIRMED which one is current)."""
    products = body.get("products") if isinstance(body, Mapping) else body
    if not isinstance(products, list) or not products:
        raise TokopediaError("products cannot be empty", "PRD_DLV_002")
    return products


def _name_taken(shop: Shop, name: str, but: int = 0) -> bool:
    """Whether another product of the shop has this name (a child's is its parent's)."""
    folded = name.strip().casefold()
    return any(
        listing.name.strip().casefold() == folded and listing.id != but
        for listing in shop.catalog.listings.values()
    )


def _is_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _picture_urls(value: Any, field: str, errors: list[str]) -> list[str]:
    if not isinstance(value, list) or not value:
        errors.append(f"Field [{field}] is required")
        return []
    urls = []
    for entry in value:
        path = entry.get("file_path") if isinstance(entry, Mapping) else None
        if not _is_url(path):
            errors.append(f"Value [{path}] of field [{field}.file_path] is not a valid URL")
        else:
            urls.append(str(path))
    return urls


def _check_price(value: Any, field: str, errors: list[str]) -> int:
    if not is_int(value) or not MIN_PRICE <= value <= MAX_PRICE:
        errors.append(f"Value [{value}] of field [{field}] must be between 100 and 100000000")
        return 0
    return int(value)


def _check_stock(item: Mapping[str, Any], field: str, errors: list[str]) -> int:
    status, stock = item.get("status", "LIMITED"), item.get("stock", 0)
    if status not in ("LIMITED", "UNLIMITED", "EMPTY"):
        errors.append(f"Value [{status}] of field [{field}status] is not valid")
    if not is_int(stock) or stock < 0:
        errors.append(f"Value [{stock}] of field [{field}stock] must be 0 or more")
        return 0
    return 0 if status == "EMPTY" else int(stock)


def _check_product(
    shop: Shop, item: Mapping[str, Any], errors: list[str], but: int = 0
) -> dict[str, Any]:
    """The validated fields of one create or edit row (errors appended in Tokopedia's
    style); `but`: the product edited, whose own name is not taken."""
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        errors.append("Field [name] is required")
    elif len(name) > MAX_NAME:
        errors.append(f"Value [{name}] of field [name] must be at most {MAX_NAME} characters")
    elif _name_taken(shop, name, but):
        errors.append(f"Value [{name}] of field [name] is already used, please use different value")
    category = item.get("category_id")
    if not is_int(category) or category not in CATEGORIES:
        errors.append(f"Value [{category}] of field [category_id] is not a valid category")
    if item.get("price_currency", "IDR") not in ("IDR", "USD"):
        errors.append(f"Value [{item.get('price_currency')}] of field [price_currency] is invalid")
    price = _check_price(item.get("price"), "price", errors)
    weight = item.get("weight")
    if not is_number(weight) or weight <= 0:
        errors.append(f"Value [{weight}] of field [weight] must be greater than 0")
    unit = item.get("weight_unit", "GR")
    if unit not in ("GR", "KG"):
        errors.append(f"Value [{unit}] of field [weight_unit] must be GR or KG")
    condition = item.get("condition", "NEW")
    if condition not in ("NEW", "USED"):
        errors.append(f"Value [{condition}] of field [condition] must be NEW or USED")
    min_order = item.get("min_order", 1)
    if not is_int(min_order) or min_order < 1:
        errors.append(f"Value [{min_order}] of field [min_order] must be 1 or more")
    sku = item.get("sku", "")
    if not isinstance(sku, str) or len(sku) > MAX_SKU:
        errors.append(f"Value [{sku}] of field [sku] must be at most {MAX_SKU} characters")
    description = item.get("description", "")
    return {
        "name": str(name or "").strip(),
        "category_id": category if is_int(category) else 0,
        "price": price,
        "weight": int(weight) if is_number(weight) else 0,
        "weight_unit": unit,
        "condition": condition,
        "min_order": min_order if is_int(min_order) else 1,
        "sku": sku if isinstance(sku, str) else "",
        "description": description if isinstance(description, str) else "",
        "stock": _check_stock(item, "", errors),
        "pictures": _picture_urls(item.get("pictures"), "pictures", errors),
    }


def _check_variant(
    category_id: int, variant: Any, errors: list[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(variant products, selection) of a `variant` object, validated."""
    if not isinstance(variant, Mapping):
        errors.append("Field [variant] must be an object")
        return [], []
    selection, products = variant.get("selection"), variant.get("products")
    if not isinstance(selection, list) or not 1 <= len(selection) <= MAX_VARIANT_LEVELS:
        errors.append("Field [variant.selection] must have 1 or 2 variant levels")
        return [], []
    allowed = {t.variant_id for t in CATEGORIES.get(category_id, ("", ()))[1]}
    sizes = []
    for level in selection:
        level = level if isinstance(level, Mapping) else {}
        options = level.get("options")
        if level.get("id") not in allowed:
            errors.append(
                f"Value [{level.get('id')}] of field [variant.selection.id] is not a variant "
                f"of category [{category_id}]"
            )
        if not isinstance(options, list) or not options:
            errors.append("Field [variant.selection.options] is required")
            return [], []
        values = [o.get("value") if isinstance(o, Mapping) else None for o in options]
        if any(not isinstance(v, str) or not v.strip() for v in values):
            errors.append("Field [variant.selection.options.value] is required")
        elif len({v.casefold() for v in values if isinstance(v, str)}) != len(values):
            errors.append("Field [variant.selection.options.value] must be unique")
        sizes.append(len(options))
    if not isinstance(products, list) or not products:
        errors.append("Field [variant.products] is required")
        return [], []
    combinations = set()
    checked = []
    for item in products:
        item = item if isinstance(item, Mapping) else {}
        combination = item.get("combination")
        if (
            not isinstance(combination, list)
            or len(combination) != len(sizes)
            or not all(is_int(i) and 0 <= i < n for i, n in zip(combination, sizes, strict=False))
        ):
            errors.append(
                f"Value [{combination}] of field [variant.products.combination] is invalid"
            )
            continue
        if tuple(combination) in combinations:
            errors.append(
                f"Value [{combination}] of field [variant.products.combination] is repeated"
            )
        combinations.add(tuple(combination))
        sku = item.get("sku", "")
        if not isinstance(sku, str) or len(sku) > MAX_SKU:
            errors.append(f"Value [{sku}] of field [variant.products.sku] is too long")
        checked.append(
            {
                "combination": list(combination),
                "price": _check_price(item.get("price"), "variant.products.price", errors),
                "stock": _check_stock(item, "variant.products.", errors),
                "sku": sku if isinstance(sku, str) else "",
                "pictures": [
                    p["file_path"]
                    for p in item.get("pictures") or []
                    if isinstance(p, Mapping) and _is_url(p.get("file_path"))
                ],
            }
        )
    return checked, [dict(level) for level in selection]


class _Refused(Exception):
    """A create/edit row Tokopedia refuses, with what its failed row shows."""

    def __init__(self, name: str, price: Any, sku: str, errors: list[str]) -> None:
        super().__init__(errors)
        self.row = {"product_name": name, "product_price": price, "sku": sku, "error": errors}


Write = Callable[[Ctx, Shop, Mapping[str, Any]], dict[str, Any]]


def _per_row(ctx: Ctx, write: Write) -> dict[str, Any]:
    """Each product of a create/edit body through `write`: its success row or its failed row."""
    shop = ctx.shop()
    success, failures = [], []
    for item in _products(ctx.body):
        try:
            success.append(write(ctx, shop, item if isinstance(item, Mapping) else {}))
        except _Refused as refused:
            failures.append(refused.row)
    return {
        "total_data": len(success) + len(failures),
        "success_data": len(success),
        "fail_data": len(failures),
        "success_rows_data": success,
        "failed_rows_data": failures,
    }


def _create(ctx: Ctx, shop: Shop, item: Mapping[str, Any]) -> dict[str, Any]:
    errors: list[str] = []
    fields = _check_product(shop, item, errors)
    variants: list[dict[str, Any]] = []
    selection: list[dict[str, Any]] = []
    if item.get("variant") is not None:
        variants, selection = _check_variant(fields["category_id"], item["variant"], errors)
    if errors:
        raise _Refused(fields["name"], fields["price"], fields["sku"], errors)
    return {"product_id": ctx.sandbox.add_product(shop, fields, variants, selection).id}


def create_v3(ctx: Ctx) -> dict[str, Any]:
    return _per_row(ctx, _create)


def edit_v3(ctx: Ctx) -> dict[str, Any]:
    """PATCH edit: `{"products": [{"id", <changed fields>}]}`; price and stock of a product
    with variants stay on its variants."""
    return _per_row(ctx, _edit)


def _edit(ctx: Ctx, shop: Shop, item: Mapping[str, Any]) -> dict[str, Any]:
    raw_id = item.get("id")
    listing = shop.catalog.listings.get(raw_id) if is_int(raw_id) else None
    if listing is None:
        errors = [f"Value [{raw_id}] of field [id] is not a product of the shop"]
    else:
        errors = _edited(ctx, shop, listing, item)
    if errors or listing is None:
        name, sku = str(item.get("name", "")), str(item.get("sku", ""))
        raise _Refused(name, item.get("price", 0), sku, errors)
    return {"product_id": listing.id, "product_sku": listing.sku}


def _edited(ctx: Ctx, shop: Shop, listing: Listing, item: Mapping[str, Any]) -> list[str]:
    """Apply `item`'s changes to `listing`, or its errors (nothing changed)."""
    merged = {
        **listing.fields,
        "name": listing.name,
        "price": listing.price,
        "sku": listing.sku,
        "stock": listing.stock,
        "status": "LIMITED",
        "pictures": [{"file_path": u} for u in listing.images],
        **{k: v for k, v in item.items() if k != "id"},
    }
    errors: list[str] = []
    fields = _check_product(shop, merged, errors, but=int(listing.id))
    if errors:
        return errors
    listing.name, listing.sku, listing.images = fields["name"], fields["sku"], fields["pictures"]
    listing.fields.update({key: fields[key] for key in SHARED})
    if not listing.has_variants:
        listing.price, listing.stock = fields["price"], fields["stock"]
    listing.updated = ctx.now
    for variant in listing.variants.values():
        variant.fields["updated"] = ctx.now
    return []


ROUTES = [
    Route.of("GET", "/inventory/v1/fs/:fs_id/product/info", product_info),
    Route.of("GET", "/inventory/v1/fs/:fs_id/product/variant/:product_id", product_variant),
    Route.of("GET", "/inventory/v1/fs/:fs_id/category/get_variant", category_variant),
    Route.of("POST", "/inventory/v1/fs/:fs_id/stock/update", update_stock),
    Route.of("POST", "/inventory/v1/fs/:fs_id/price/update", update_price),
    Route.of("POST", "/v3/products/fs/:fs_id/create", create_v3),
    Route.of("PATCH", "/v3/products/fs/:fs_id/edit", edit_v3),
]
