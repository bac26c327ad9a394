"""Create and edit V3: products written row by row, each row's refusal in its failed row
(docs/MARKETPLACES.md#tokopedia-batches). Validation messages beyond "is already used" are
the sandbox's (docs/MARKETPLACES.md#tokopedia-unconfirmed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from lapak.sandboxes.kit.wire import is_int, is_number
from lapak.sandboxes.tokopedia.api_product import MAX_PRICE, MIN_PRICE, valid_price
from lapak.sandboxes.tokopedia.state import CATEGORIES, SHARED, Shop
from lapak.sandboxes.tokopedia.wire import Ctx, Route, TokopediaError

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


def _picture_urls(value: Any, errors: list[str]) -> list[str]:
    if not isinstance(value, list) or not value:
        errors.append("Field [pictures] is required")
        return []
    urls = []
    for entry in value:
        path = entry.get("file_path") if isinstance(entry, Mapping) else None
        if not _is_url(path):
            errors.append(f"Value [{path}] of field [pictures.file_path] is not a valid URL")
        else:
            urls.append(str(path))
    return urls


def _sku(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= MAX_SKU


Rule = tuple[str, Any, Callable[[Any], bool], str]
"""(field, its value when absent, whether a value is valid, what an invalid one is told)."""
PRICE: Rule = ("price", None, valid_price, f"must be between {MIN_PRICE} and {MAX_PRICE}")
STOCK: tuple[Rule, ...] = (
    ("status", "LIMITED", lambda v: v in ("LIMITED", "UNLIMITED", "EMPTY"), "is not valid"),
    ("stock", 0, lambda v: is_int(v) and v >= 0, "must be 0 or more"),
)
PRODUCT_RULES: tuple[Rule, ...] = (
    ("category_id", None, lambda v: is_int(v) and v in CATEGORIES, "is not a valid category"),
    ("price_currency", "IDR", lambda v: v in ("IDR", "USD"), "is invalid"),
    PRICE,
    ("weight", None, lambda v: is_number(v) and v > 0, "must be greater than 0"),
    ("weight_unit", "GR", lambda v: v in ("GR", "KG"), "must be GR or KG"),
    ("condition", "NEW", lambda v: v in ("NEW", "USED"), "must be NEW or USED"),
    ("min_order", 1, lambda v: is_int(v) and v >= 1, "must be 1 or more"),
    ("sku", "", _sku, f"must be at most {MAX_SKU} characters"),
    *STOCK,
)
CHILD_RULES: tuple[Rule, ...] = (("sku", "", _sku, "is too long"), PRICE, *STOCK)


def _checked(
    item: Mapping[str, Any], rules: tuple[Rule, ...], errors: list[str], prefix: str = ""
) -> dict[str, Any]:
    """`item`'s values of the `rules`' fields, as given (a valid row's stock is none when
    EMPTY); each invalid one's complaint is appended to `errors`, in the rules' order."""
    values = {}
    for field, default, valid, complaint in rules:
        value = values[field] = item.get(field, default)
        if not valid(value):
            errors.append(f"Value [{value}] of field [{prefix}{field}] {complaint}")
    if values["status"] == "EMPTY":
        values["stock"] = 0
    return values


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
    values = _checked(item, PRODUCT_RULES, errors)
    category, weight, sku = values["category_id"], values["weight"], values["sku"]
    description = item.get("description", "")
    return values | {  # what a refused row shows, or the variant check names, when invalid
        "name": str(name or "").strip(),
        "category_id": category if is_int(category) else 0,
        "price": values["price"] if valid_price(values["price"]) else 0,
        "weight": int(weight) if is_number(weight) else 0,
        "sku": sku if isinstance(sku, str) else "",
        "description": description if isinstance(description, str) else "",
        "pictures": _picture_urls(item.get("pictures"), errors),
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
        checked.append(
            _checked(item, CHILD_RULES, errors, "variant.products.")
            | {
                "combination": list(combination),
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
    listing = shop.catalog.add(ctx.sandbox.new_product(fields, variants, selection))
    return {"product_id": listing.id}


def _edit(ctx: Ctx, shop: Shop, item: Mapping[str, Any]) -> dict[str, Any]:
    """PATCH edit: `{"products": [{"id", <changed fields>}]}`, applied whole or not at all;
    price and stock of a product with variants stay on its variants."""
    raw_id = item.get("id")
    listing = shop.catalog.listings.get(raw_id) if is_int(raw_id) else None
    errors = [f"Value [{raw_id}] of field [id] is not a product of the shop"]
    if listing is not None:
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
        errors = []
        fields = _check_product(shop, merged, errors, but=int(listing.id))
    if errors or listing is None:
        name, sku = str(item.get("name", "")), str(item.get("sku", ""))
        raise _Refused(name, item.get("price", 0), sku, errors)
    listing.name, listing.sku, listing.images = fields["name"], fields["sku"], fields["pictures"]
    listing.fields.update({key: fields[key] for key in SHARED})
    if not listing.has_variants:
        listing.price, listing.stock = fields["price"], fields["stock"]
    listing.updated = ctx.now
    for variant in listing.variants.values():
        variant.fields["updated"] = ctx.now
    return {"product_id": listing.id, "product_sku": listing.sku}


ROUTES = [
    Route("POST", "/v3/products/fs/{fs_id}/create", partial(_per_row, write=_create)),
    Route("PATCH", "/v3/products/fs/{fs_id}/edit", partial(_per_row, write=_edit)),
]
