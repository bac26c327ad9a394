"""Create and edit V3: products written row by row, each row's refusal in its failed row
(docs/MARKETPLACES.md#tokopedia-batches). Validation messages beyond "is already used" are
the sandbox's (docs/MARKETPLACES.md#tokopedia-unconfirmed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from lapak.sandboxes.kit.catalog import Listing
from lapak.sandboxes.kit.wire import is_int, is_number
from lapak.sandboxes.tokopedia.api_product import MAX_PRICE, MIN_PRICE
from lapak.sandboxes.tokopedia.context import Ctx, Route
from lapak.sandboxes.tokopedia.state import CATEGORIES, SHARED, Shop
from lapak.sandboxes.tokopedia.wire import TokopediaError

MAX_NAME = 70
MAX_SKU = 50
MAX_VARIANT_LEVELS = 2


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
    sizes = _option_counts(category_id, selection, errors)
    if sizes is None:
        return [], []
    if not isinstance(products, list) or not products:
        errors.append("Field [variant.products] is required")
        return [], []
    return _check_children(products, sizes, errors), [dict(level) for level in selection]


def _option_counts(category_id: int, selection: list[Any], errors: list[str]) -> list[int] | None:
    """How many options each variant level has (None: a level without options)."""
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
            return None
        values = [o.get("value") if isinstance(o, Mapping) else None for o in options]
        if any(not isinstance(v, str) or not v.strip() for v in values):
            errors.append("Field [variant.selection.options.value] is required")
        elif len({v.casefold() for v in values if isinstance(v, str)}) != len(values):
            errors.append("Field [variant.selection.options.value] must be unique")
        sizes.append(len(options))
    return sizes


def _check_children(
    products: list[Any], sizes: list[int], errors: list[str]
) -> list[dict[str, Any]]:
    """The variant products, each naming one option per level (`combination`)."""
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
    return checked


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
    Route("POST", "/v3/products/fs/:fs_id/create", create_v3),
    Route("PATCH", "/v3/products/fs/:fs_id/edit", edit_v3),
]
