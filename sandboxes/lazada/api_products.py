"""Product APIs of the sandbox: GetProducts, CreateProduct and UpdateProduct (paths and
fields of their API pages; stock and prices in api_stock.py, images in api_media.py).

Payloads are XML or JSON (doc 120759). Images must be Lazada image URLs, those
/image/migrate handed out. Refusals follow the CreateProduct error table and the
custom-sales-attributes guide; code 500 carries the business code in its message (Create/
Update Product Q&A).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from lapak.sandboxes.lazada import views
from lapak.sandboxes.lazada.context import Ctx, Route, route
from lapak.sandboxes.lazada.state import (
    ACTIVE,
    CATEGORIES,
    INACTIVE,
    STANDARD_SALE_PROPS,
    Product,
    Seller,
    Sku,
)
from lapak.sandboxes.lazada.wire import (
    LazadaError,
    as_dict,
    as_list,
    in_window,
    int_param,
    invalid_format,
    json_list,
    payload,
    text,
    time_bounds,
)

FILTERS = frozenset({"all", "live", "inactive", "deleted", "pending", "rejected", "sold-out"})
PAGE_MAX = 50  # GetProducts limit: "The maximum is 50"
OFFSET_MAX = 10_000  # GetProducts offset: "The maximum offset is 10000"
SKU_LIST_MAX = 100  # sku_seller_list: "A maximum of 100 SKUs can be returned"
IMAGES_MAX = 8  # CreateProduct: "a maximum of 8 images passed into each Image field"
NAME_MAX = 255
VARIATIONS_MAX = 2  # VARIATION_SIZE_LIMIT "The Size Limit is: 2"
VARIATION_NAME_MAX = 15
OPTIONS_MAX = 50
OPTION_MAX = 20
PACKAGE_FIELDS = ("package_weight", "package_length", "package_width", "package_height")


def basic_required(what: str) -> LazadaError:
    """CHK_BASIC_REQUIRED (4108, "Basic attributes Mandatory verification")."""
    return LazadaError("4108", f"CHK_BASIC_REQUIRED: {what} is mandatory")


# --- GetProducts ---------------------------------------------------------------------------


def get_products(ctx: Ctx) -> dict[str, Any]:
    params = ctx.params
    wanted = params.get("filter") or "all"
    if wanted not in FILTERS:
        raise invalid_format(f"filter {wanted!r}")
    limit = int_param(params, "limit", 10, 1, PAGE_MAX, "19", 'E019: "{value}" Invalid Limit')
    offset = int_param(params, "offset", 0, 0, OFFSET_MAX, "14", 'E014: "{value}" Invalid Offset')
    bounds = time_bounds(params, "create_after", "create_before", "update_after", "update_before")
    skus: set[str] | None = None
    if params.get("sku_seller_list"):
        refusal = "E005: Invalid Request Format (sku_seller_list is not a JSON array)"
        listed = [text(v) for v in json_list(params, "sku_seller_list", "5", refusal)]
        if len(listed) > SKU_LIST_MAX:
            raise invalid_format(f"sku_seller_list has more than {SKU_LIST_MAX} SKUs")
        skus = set(listed)
    if skus is not None and wanted != "deleted":
        # the products holding these SKUs, by the catalog's SKU index (a seller SKU is on
        # one product not deleted: CreateProduct refuses one already taken)
        held = {hit[0].id: hit[0] for sku in skus if (hit := ctx.seller.find_sku(sku))}
        candidates = [held[product_id] for product_id in sorted(held)]
    else:
        candidates = sorted(ctx.seller.products.values(), key=lambda p: p.id)
    found = [product for product in candidates if _matches(product, wanted, bounds, skus)]
    page = found[offset : offset + limit]
    return {"total_products": len(found), "products": [views.product(p) for p in page]}


def _matches(product: Product, wanted: str, bounds: dict[str, int], skus: set[str] | None) -> bool:
    """The filters, the cheap ones first (a seller's whole catalog passes through here)."""
    if (wanted == "deleted") != product.deleted:
        return False
    if bounds and not (
        in_window(bounds, "create_after", "create_before", product.created)
        and in_window(bounds, "update_after", "update_before", product.updated)
    ):
        return False
    if skus is not None and not any(s.sku in skus for s in product.skus.values()):
        return False
    if wanted == "live":
        return product.status == ACTIVE
    if wanted == "inactive":
        return product.status == INACTIVE
    if wanted == "sold-out":
        return product.status == ACTIVE and all(s.stock == 0 for s in product.skus.values())
    return wanted not in ("pending", "rejected")


# --- CreateProduct / UpdateProduct ---------------------------------------------------------


def create_product(ctx: Ctx) -> dict[str, Any]:
    product_in = as_dict(payload(ctx.params).get("Product"))
    if not product_in:
        raise LazadaError("30", "E030: Empty Request")
    if product_in.get("AssociatedSku"):
        raise LazadaError("500", "AssociatedSku is not supported by this sandbox")
    category = text(product_in.get("PrimaryCategory")).strip()
    if not category:
        raise basic_required("PrimaryCategory")
    if category not in CATEGORIES:
        raise LazadaError("500", f"BIZ_CHECK_CATEGORY_INVALID: category {category} does not exist")
    images = _images(ctx, product_in)
    attributes = as_dict(product_in.get("Attributes"))
    name = text(attributes.get("name")).strip()
    if not name or len(name) > NAME_MAX:
        raise basic_required("name (1 to 255 characters)")
    brand = text(attributes.get("brand_id") or attributes.get("brand")).strip()
    if not brand:
        raise basic_required("brand")
    variation = _variation(product_in)
    skus_in = as_list(as_dict(product_in.get("Skus")).get("Sku"))
    if not skus_in:
        raise basic_required("Skus")
    _check_unique(ctx.seller, [text(as_dict(raw).get("SellerSku")).strip() for raw in skus_in])
    skus = [_new_sku(ctx, raw, variation, several=len(skus_in) > 1) for raw in skus_in]
    _check_combinations(skus)
    product = ctx.sandbox.new_product(
        skus,
        category=category,
        name=name,
        description=text(attributes.get("description")),
        brand=brand,
        images=images,
        variation=variation,
    )
    ctx.seller.catalog.add(product)
    return {
        "item_id": product.id,
        "sku_list": [
            {"shop_sku": views.shop_sku(product.id, s.id), "seller_sku": s.sku, "sku_id": s.id}
            for s in skus
        ],
    }


def _images(ctx: Ctx, container: dict[str, Any]) -> list[str]:
    urls = [text(u).strip() for u in as_list(as_dict(container.get("Images")).get("Image"))]
    urls = [u for u in urls if u]
    if len(urls) > IMAGES_MAX:
        raise LazadaError("500", f"BIZ_CHECK_IMAGE_SIZE_LIMIT: at most {IMAGES_MAX} images")
    for url in urls:
        if url not in ctx.sandbox.images:
            raise LazadaError(
                "500", f"BIZ_CHECK_IMAGE_INVALID: {url} is not a Lazada image url (migrate it)"
            )
    return urls


def _variation(product_in: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The declared sales attributes (errors of the custom-sales-attributes guide)."""
    declared = {
        key: as_dict(value)
        for key, value in as_dict(product_in.get("variation")).items()
        if key.lower().startswith("variation")
    }
    if len(declared) > VARIATIONS_MAX:
        raise LazadaError(
            "VARIATION_SIZE_LIMIT",
            f"The Variations Size Exceeds Maximum Size Limit, The Size Limit is: {VARIATIONS_MAX}.",
        )
    variation: dict[str, dict[str, Any]] = {}
    for node, spec in declared.items():
        name = text(spec.get("name")).strip()
        if not name:
            raise LazadaError(
                "VARIATION_NAME_EMPTY",
                f"The Variation Name is Empty, The Variation Node is: {node}",
            )
        if len(name) > VARIATION_NAME_MAX:
            raise LazadaError(
                "VARIATION_NAME_LENGTH_LIMIT",
                f"The Variation Name's Content Exceeds Maximum Length Limit, The Variation Node "
                f"is: {node} , The Length Limit is: 15, The Name is: {name}",
            )
        if name in variation:
            raise LazadaError(
                "VARIATION_NAME_DUPLICATE",
                f"The Variation Name Is Duplicate, The Variation Node is: {node} , "
                f"The Duplicate Name is: {name}",
            )
        customize = text(spec.get("customize")).lower() == "true"
        if not customize and name not in STANDARD_SALE_PROPS:
            raise LazadaError(
                "VARIATION_CATEGORY_ATTRIBUTE_INVALID",
                f"This attribute {name} is not found in the category attribute library.",
            )
        options_in = spec.get("options")
        raw = as_list(options_in.get("option") if isinstance(options_in, dict) else options_in)
        options = [text(o).strip() for o in raw]
        _check_options(node, name, options)
        variation[name] = {
            "customize": customize,
            "hasImage": text(spec.get("hasImage")).lower() == "true",
            "options": options,
        }
    return variation


def _check_options(node: str, name: str, options: list[str]) -> None:
    if not options:
        raise LazadaError(
            "VARIATION_OPTIONS_EMPTY",
            f"The Variation Options Is Empty, The Variation Node is: {node}",
        )
    if len(options) > OPTIONS_MAX:
        raise LazadaError(
            "OPTIONS_SIZE_LIMIT",
            f"The Variation Options Exceeds Maximum Size Limit, The Variation Node is: {node} , "
            f"The Size Limit is: 50, The Name is: {name}",
        )
    for option in options:
        if not option:
            raise LazadaError(
                "VARIATION_OPTION_EMPTY",
                f"The Variation Option Is Empty, The Variation Node is: {node}",
            )
        if len(option) > OPTION_MAX:
            raise LazadaError(
                "VARIATION_OPTION_LENGTH_LIMIT",
                f"The Variation Name's Content Exceeds Maximum Length Limit, The Variation Node "
                f"is: {node} , The Length Limit is: 20, The Option is: {option};",
            )
    repeated = sorted({o for o in options if options.count(o) > 1})
    if repeated:
        raise LazadaError(
            "VARIATION_OPTION_DUPLICATE",
            f"The Variation Option Is Duplicate, The Variation Node is: {node} , "
            f"The Duplicate Option is: {', '.join(repeated)}",
        )


def _new_sku(ctx: Ctx, raw: Any, variation: dict[str, dict[str, Any]], *, several: bool) -> Sku:
    raw = as_dict(raw)
    seller_sku = text(raw.get("SellerSku")).strip()
    if not seller_sku:
        raise basic_required("SellerSku")
    amount = price(raw.get("price"))
    if amount is None:
        raise LazadaError("4118", "BIZ_CHECK_PRICE_IS_ZERO: Price is not 0 check")
    if isinstance(amount, str):
        raise LazadaError("4104", f"BIZ_CHECK_PRICE_PRECISION_INVALID: {amount}")
    quantity = count(raw.get("quantity"), default=0)
    if quantity is None:
        raise basic_required("quantity (a whole number ≥ 0)")
    sale_prop = {text(k): text(v).strip() for k, v in as_dict(raw.get("saleProp")).items()}
    _check_sale_prop(seller_sku, sale_prop, variation, several=several)
    return ctx.sandbox.new_sku(
        seller_sku, amount, quantity, sale_prop, _package(raw, required=True)
    )


def _check_sale_prop(
    seller_sku: str,
    sale_prop: dict[str, str],
    variation: dict[str, dict[str, Any]],
    *,
    several: bool,
) -> None:
    for name in variation:
        if name not in sale_prop:
            raise LazadaError(
                "SKU_VARIATION_NAME_MISSING",
                f"The SKU Variation Name is Missing, The SellerSKU is：{seller_sku} , "
                f"The Missing SKU Variation Name is: {name}",
            )
    for name, value in sale_prop.items():
        if name in variation and value not in variation[name]["options"]:
            raise LazadaError(
                "SKU_VARIATION_OPTION_NOT_EXIST",
                f"The SKU Variation Option is Not Exist, The SellerSKU is： {seller_sku} , "
                f"The SKU Variation Name is: {name} , The SKU Variation Option is: {value}",
            )
        if name not in variation and name not in STANDARD_SALE_PROPS:
            raise LazadaError(
                "VARIATION_CATEGORY_ATTRIBUTE_INVALID",
                f"This attribute {name} is not found in the category attribute library.",
            )
    if several and not sale_prop:
        raise LazadaError(
            "4113", f"CHK_SKU_PROPS_NOT_IDENTICAL: {seller_sku} has no sales attribute"
        )


def _check_unique(seller: Seller, names: list[str]) -> None:
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise LazadaError("4105", f"BIZ_CHECK_SELLER_SKU_DUPLICATE: SellerSku repeat {repeated}")
    taken = [n for n in names if n and seller.find_sku(n) is not None]
    if taken:
        raise LazadaError(
            "4135",
            f"Insert sku outer id relation failed, outerId already exists, outer ID:{taken[0]}",
        )


def _check_combinations(skus: list[Sku]) -> None:
    combos = [tuple(sorted(s.sale_prop.items())) for s in skus]
    if len(skus) > 1 and len(set(combos)) < len(combos):
        raise LazadaError("4112", "CHK_SKU_PROPS_DUPLICATE: Duplicate Sku attributes")


def price(value: Any) -> int | str | None:
    """Whole rupiah; None for a missing or non-positive price; the text for a fraction."""
    try:
        amount = Decimal(text(value).strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0:
        return None
    if amount != amount.to_integral_value():
        return text(value)
    return int(amount)


def count(value: Any, *, default: int | None) -> int | None:
    raw = text(value).strip()
    if not raw:
        return default
    try:
        number = int(Decimal(raw))
    except (InvalidOperation, ValueError):
        return None
    return number if number >= 0 and Decimal(raw) == number else None


def _package(raw: dict[str, Any], *, required: bool) -> dict[str, str]:
    package = {}
    for name in PACKAGE_FIELDS:
        value = text(raw.get(name)).strip()
        if not value:
            if required:
                raise basic_required(name)
            continue
        try:
            amount = Decimal(value)
        except InvalidOperation:
            raise basic_required(f"{name} (a number)") from None
        if not amount.is_finite() or amount <= 0 or amount != round(amount, 2):
            raise basic_required(f"{name} (> 0, at most two decimals)")
        package[name] = value
    return package


def update_product(ctx: Ctx) -> dict[str, Any]:
    product_in = as_dict(payload(ctx.params).get("Product"))
    raw_id = text(product_in.get("ItemId")).strip()
    if not raw_id:
        raise basic_required("ItemId")
    product = ctx.seller.products.get(int(raw_id)) if raw_id.isdigit() else None
    if product is None or product.deleted:
        raise LazadaError("500", f"BIZ_CHECK_ITEM_NOT_FOUND: item {raw_id} not found")
    attributes = as_dict(product_in.get("Attributes"))
    if "name" in attributes:
        name = text(attributes["name"]).strip()
        if not name or len(name) > NAME_MAX:
            raise basic_required("name (1 to 255 characters)")
        product.name = name
    if "description" in attributes:
        product.description = text(attributes["description"])
    if product_in.get("Images"):
        product.images = _images(ctx, product_in)
    for raw in as_list(as_dict(product_in.get("Skus")).get("Sku")):
        raw = as_dict(raw)
        sku = _sku_of(product, raw)
        sku.package.update(_package(raw, required=False))
        if text(raw.get("price")).strip():
            amount = price(raw.get("price"))
            if not isinstance(amount, int):
                raise LazadaError("4104", f"BIZ_CHECK_PRICE_PRECISION_INVALID: {raw.get('price')}")
            sku.price = amount
        if text(raw.get("quantity")).strip():
            quantity = count(raw.get("quantity"), default=None)
            if quantity is None:
                raise basic_required("quantity (a whole number ≥ 0)")
            sku.stock = quantity
    product.updated = ctx.now
    return {}


def _sku_of(product: Product, raw: dict[str, Any]) -> Sku:
    sku_id, seller_sku = text(raw.get("SkuId")).strip(), text(raw.get("SellerSku")).strip()
    sku = product.skus.get(int(sku_id)) if sku_id.isdigit() else None
    if sku is None and seller_sku:
        sku = product.sku_by_seller_sku(seller_sku)
    if sku is None:
        raise LazadaError("SELLER_SKU_NOT_FOUND", f"sellerSku: {seller_sku or sku_id} not found")
    return sku


ROUTES: dict[str, Route] = {
    "/products/get": route("GET", get_products),
    "/product/create": route("POST", create_product),
    "/product/update": route("POST", update_product),
}
