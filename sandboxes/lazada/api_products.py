"""Product APIs of the sandbox: GetProducts, CreateProduct, UpdateProduct,
UpdateSellableQuantity, UpdatePriceQuantity and MigrateImage (paths and fields of their API
pages).

Payloads are XML or JSON (doc 120759). Images must be Lazada image URLs, those
/image/migrate handed out. Refusals follow the CreateProduct error table and the
custom-sales-attributes guide; code 500 carries the business code in its message (Create/
Update Product Q&A).

The stock and price updates take a payload of ≤ 50 SKUs (docs/MARKETPLACES.md#lazada-batches),
each named by ItemId + SkuId or SellerSku, by SkuId, or by SellerSku. A batch applies every
SKU it can and reports the others in `detail` under E501 "Update product failed": first the
rows naming no SKU, then those whose values are refused. UpdatePriceQuantity's `Quantity`
sets the total, which cannot go below the units orders hold (inventory-calculation-logic
guide); UpdateSellableQuantity sets what buyers can buy.

MigrateImage turns an external image URL into a Lazada image URL (image-upload guide). Like
Lazada it fetches the image (jpg or png, ≤ 3 MB, 5 s); unlike Lazada it accepts IP-address
URLs and any port (tests serve images on loopback); its refusal is the sandbox's
(docs/MARKETPLACES.md#lazada-unconfirmed).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlparse

import httpx
from lapak.sandboxes.kit.images import image_kind
from lapak.sandboxes.lazada.state import (
    ACTIVE,
    CATEGORIES,
    INACTIVE,
    STANDARD_SALE_PROPS,
    WAREHOUSE,
    Product,
    Seller,
    Sku,
)
from lapak.sandboxes.lazada.wire import (
    Ctx,
    LazadaError,
    Route,
    as_dict,
    as_list,
    invalid_format,
    json_list,
    page,
    payload,
    route,
    shop_sku,
    stripped,
    text,
    time_filter,
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
BATCH_MAX = 50  # UpdatePriceQuantity / UpdateSellableQuantity
IMAGE_BYTES_MAX = 3_145_728
IMAGE_TIMEOUT_SECONDS = 5.0
VARIATION_ERRORS = {
    "VARIATION_SIZE_LIMIT": (
        "The Variations Size Exceeds Maximum Size Limit, The Size Limit is: {limit}."
    ),
    "VARIATION_NAME_EMPTY": "The Variation Name is Empty, The Variation Node is: {node}",
    "VARIATION_NAME_LENGTH_LIMIT": (
        "The Variation Name's Content Exceeds Maximum Length Limit, The Variation Node is: "
        "{node} , The Length Limit is: 15, The Name is: {name}"
    ),
    "VARIATION_NAME_DUPLICATE": (
        "The Variation Name Is Duplicate, The Variation Node is: {node} , "
        "The Duplicate Name is: {name}"
    ),
    "VARIATION_CATEGORY_ATTRIBUTE_INVALID": (
        "This attribute {name} is not found in the category attribute library."
    ),
    "VARIATION_OPTIONS_EMPTY": "The Variation Options Is Empty, The Variation Node is: {node}",
    "OPTIONS_SIZE_LIMIT": (
        "The Variation Options Exceeds Maximum Size Limit, The Variation Node is: {node} , "
        "The Size Limit is: 50, The Name is: {name}"
    ),
    "VARIATION_OPTION_EMPTY": "The Variation Option Is Empty, The Variation Node is: {node}",
    "VARIATION_OPTION_LENGTH_LIMIT": (
        "The Variation Name's Content Exceeds Maximum Length Limit, The Variation Node is: "
        "{node} , The Length Limit is: 20, The Option is: {option};"
    ),
    "VARIATION_OPTION_DUPLICATE": (
        "The Variation Option Is Duplicate, The Variation Node is: {node} , "
        "The Duplicate Option is: {options}"
    ),
    "SKU_VARIATION_NAME_MISSING": (
        "The SKU Variation Name is Missing, The SellerSKU is：{sku} , "
        "The Missing SKU Variation Name is: {name}"
    ),
    "SKU_VARIATION_OPTION_NOT_EXIST": (
        "The SKU Variation Option is Not Exist, The SellerSKU is： {sku} , "
        "The SKU Variation Name is: {name} , The SKU Variation Option is: {option}"
    ),
}
"""The custom-sales-attributes guide's refusals: code → message (`refuse_if`)."""


def refuse_if(failed: bool, code: str, **fields: Any) -> None:
    """Raise the sales-attribute refusal `code` (VARIATION_ERRORS) when `failed`."""
    if failed:
        raise LazadaError(code, VARIATION_ERRORS[code].format(**fields))


def basic_required(what: str) -> LazadaError:
    """CHK_BASIC_REQUIRED (4108, "Basic attributes Mandatory verification")."""
    return LazadaError("4108", f"CHK_BASIC_REQUIRED: {what} is mandatory")


# --- GetProducts ---------------------------------------------------------------------------


def get_products(ctx: Ctx) -> dict[str, Any]:
    params = ctx.params
    wanted = params.get("filter") or "all"
    if wanted not in FILTERS:
        raise invalid_format(f"filter {wanted!r}")
    window = page(params, 10, PAGE_MAX, OFFSET_MAX)
    within = time_filter(params, "create")
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
    found = [
        product
        for product in candidates
        if (wanted == "deleted") == product.deleted
        and within(product.created, product.updated)
        and (skus is None or any(s.sku in skus for s in product.skus.values()))
        and _in_filter(product, wanted)
    ]
    return {"total_products": len(found), "products": [product_view(p) for p in found[window]]}


def _in_filter(product: Product, wanted: str) -> bool:
    if wanted == "live":
        return product.status == ACTIVE
    if wanted == "inactive":
        return product.status == INACTIVE
    if wanted == "sold-out":
        return product.status == ACTIVE and all(s.stock == 0 for s in product.skus.values())
    return wanted not in ("pending", "rejected")


def product_view(p: Product) -> dict[str, Any]:
    """A product as GetProducts shows it (ids as numbers, times as epoch-millisecond text)."""
    return {
        "item_id": p.id,
        "primary_category": int(p.category),
        "status": p.status,
        "created_time": str(p.created * 1000),
        "updated_time": str(p.updated * 1000),
        "images": list(p.images),
        "marketImages": [],
        "trialProduct": False,
        "attributes": {
            "name": p.name,
            "description": p.description,
            "brand": p.brand,
            "short_description": "",
        },
        "variation": {
            f"Variation{n}": {
                "name": name,
                "label": name,
                "hasImage": spec["hasImage"],
                "customize": spec["customize"],
                "options": list(spec["options"]),
            }
            for n, (name, spec) in enumerate(p.variation.items(), start=1)
        },
        "skus": [_sku_view(p, s) for s in p.skus.values()],
    }


def _sku_view(p: Product, s: Sku) -> dict[str, Any]:
    return {
        "SkuId": s.id,
        "SellerSku": s.sku,
        "ShopSku": shop_sku(p.id, s.id),
        "Status": s.status,
        "quantity": s.total,
        "Available": s.stock,
        "price": float(s.price),
        "special_price": 0.0,
        "saleProp": dict(s.sale_prop),
        "Images": list(s.images),
        "Url": f"https://www.lazada.co.id/-i{p.id}-s{s.id}.html",
        "multiWarehouseInventories": [
            {
                "warehouseCode": WAREHOUSE,
                "quantity": s.total,
                "totalQuantity": s.total,
                "sellableQuantity": s.stock,
                "occupyQuantity": s.occupy,
                "withholdQuantity": s.withhold,
            }
        ],
        "fblWarehouseInventories": [],
        **s.package,
    }


# --- CreateProduct / UpdateProduct ---------------------------------------------------------


def create_product(ctx: Ctx) -> dict[str, Any]:
    product_in = as_dict(payload(ctx.params).get("Product"))
    if not product_in:
        raise LazadaError("30", "E030: Empty Request")
    if product_in.get("AssociatedSku"):
        raise LazadaError("500", "AssociatedSku is not supported by this sandbox")
    category = stripped(product_in, "PrimaryCategory")
    if not category:
        raise basic_required("PrimaryCategory")
    if category not in CATEGORIES:
        raise LazadaError("500", f"BIZ_CHECK_CATEGORY_INVALID: category {category} does not exist")
    images = _images(ctx, product_in)
    attributes = as_dict(product_in.get("Attributes"))
    name = _name(attributes)
    brand = text(attributes.get("brand_id") or attributes.get("brand")).strip()
    if not brand:
        raise basic_required("brand")
    variation = _variation(product_in)
    skus_in = [as_dict(raw) for raw in as_list(as_dict(product_in.get("Skus")).get("Sku"))]
    if not skus_in:
        raise basic_required("Skus")
    _check_unique(ctx.seller, [stripped(raw, "SellerSku") for raw in skus_in])
    skus = [_new_sku(ctx, raw, variation, several=len(skus_in) > 1) for raw in skus_in]
    combos = [tuple(sorted(s.sale_prop.items())) for s in skus]
    if len(skus) > 1 and len(set(combos)) < len(combos):
        raise LazadaError("4112", "CHK_SKU_PROPS_DUPLICATE: Duplicate Sku attributes")
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
            {"shop_sku": shop_sku(product.id, s.id), "seller_sku": s.sku, "sku_id": s.id}
            for s in skus
        ],
    }


def _name(attributes: dict[str, Any]) -> str:
    name = stripped(attributes, "name")
    if not name or len(name) > NAME_MAX:
        raise basic_required("name (1 to 255 characters)")
    return name


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
    """The declared sales attributes, checked as the custom-sales-attributes guide says."""
    declared = {
        key: as_dict(value)
        for key, value in as_dict(product_in.get("variation")).items()
        if key.lower().startswith("variation")
    }
    refuse_if(len(declared) > VARIATIONS_MAX, "VARIATION_SIZE_LIMIT", limit=VARIATIONS_MAX)
    variation: dict[str, dict[str, Any]] = {}
    for node, spec in declared.items():
        name = stripped(spec, "name")
        refuse_if(not name, "VARIATION_NAME_EMPTY", node=node)
        refuse_if(
            len(name) > VARIATION_NAME_MAX, "VARIATION_NAME_LENGTH_LIMIT", node=node, name=name
        )
        refuse_if(name in variation, "VARIATION_NAME_DUPLICATE", node=node, name=name)
        customize = text(spec.get("customize")).lower() == "true"
        invalid = not customize and name not in STANDARD_SALE_PROPS
        refuse_if(invalid, "VARIATION_CATEGORY_ATTRIBUTE_INVALID", name=name)
        options_in = spec.get("options")
        raw = as_list(options_in.get("option") if isinstance(options_in, dict) else options_in)
        options = [text(o).strip() for o in raw]
        refuse_if(not options, "VARIATION_OPTIONS_EMPTY", node=node)
        refuse_if(len(options) > OPTIONS_MAX, "OPTIONS_SIZE_LIMIT", node=node, name=name)
        for option in options:
            refuse_if(not option, "VARIATION_OPTION_EMPTY", node=node)
            too_long = len(option) > OPTION_MAX
            refuse_if(too_long, "VARIATION_OPTION_LENGTH_LIMIT", node=node, option=option)
        repeated = ", ".join(sorted({o for o in options if options.count(o) > 1}))
        refuse_if(bool(repeated), "VARIATION_OPTION_DUPLICATE", node=node, options=repeated)
        variation[name] = {
            "customize": customize,
            "hasImage": text(spec.get("hasImage")).lower() == "true",
            "options": options,
        }
    return variation


def _new_sku(
    ctx: Ctx, raw: dict[str, Any], variation: dict[str, dict[str, Any]], *, several: bool
) -> Sku:
    seller_sku = stripped(raw, "SellerSku")
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
    for name in variation:
        refuse_if(name not in sale_prop, "SKU_VARIATION_NAME_MISSING", sku=seller_sku, name=name)
    for name, value in sale_prop.items():
        unknown = name in variation and value not in variation[name]["options"]
        fields = {"sku": seller_sku, "name": name, "option": value}
        refuse_if(unknown, "SKU_VARIATION_OPTION_NOT_EXIST", **fields)
        invalid = name not in variation and name not in STANDARD_SALE_PROPS
        refuse_if(invalid, "VARIATION_CATEGORY_ATTRIBUTE_INVALID", name=name)
    if several and not sale_prop:
        raise LazadaError(
            "4113", f"CHK_SKU_PROPS_NOT_IDENTICAL: {seller_sku} has no sales attribute"
        )
    package = _package(raw, required=True)
    return ctx.sandbox.new_sku(
        sale_prop, sku=seller_sku, price=amount, stock=quantity, package=package
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
        value = stripped(raw, name)
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
    raw_id = stripped(product_in, "ItemId")
    if not raw_id:
        raise basic_required("ItemId")
    product = ctx.seller.products.get(int(raw_id)) if raw_id.isdigit() else None
    if product is None or product.deleted:
        raise LazadaError("500", f"BIZ_CHECK_ITEM_NOT_FOUND: item {raw_id} not found")
    attributes = as_dict(product_in.get("Attributes"))
    if "name" in attributes:
        product.name = _name(attributes)
    if "description" in attributes:
        product.description = text(attributes["description"])
    if product_in.get("Images"):
        product.images = _images(ctx, product_in)
    for raw in as_list(as_dict(product_in.get("Skus")).get("Sku")):
        raw = as_dict(raw)
        sku = _sku_of(product, raw)
        sku.package.update(_package(raw, required=False))
        if stripped(raw, "price"):
            amount = price(raw.get("price"))
            if not isinstance(amount, int):
                raise LazadaError("4104", f"BIZ_CHECK_PRICE_PRECISION_INVALID: {raw.get('price')}")
            sku.price = amount
        if stripped(raw, "quantity"):
            quantity = count(raw.get("quantity"), default=None)
            if quantity is None:
                raise basic_required("quantity (a whole number ≥ 0)")
            sku.stock = quantity
    product.updated = ctx.now
    return {}


def _sku_of(product: Product, raw: dict[str, Any]) -> Sku:
    sku_id, seller_sku = stripped(raw, "SkuId"), stripped(raw, "SellerSku")
    sku = product.skus.get(int(sku_id)) if sku_id.isdigit() else None
    if sku is None and seller_sku:
        sku = product.sku_by_seller_sku(seller_sku)
    if sku is None:
        raise LazadaError("SELLER_SKU_NOT_FOUND", f"sellerSku: {seller_sku or sku_id} not found")
    return sku


# --- UpdateSellableQuantity / UpdatePriceQuantity ---------------------------------------

Refusal = tuple[str, str] | None
"""A row's refused field and the message of its `detail` entry (None: applied)."""


def update_sellable(ctx: Ctx) -> dict[str, Any]:
    def apply(raw: dict[str, Any], sku: Sku) -> Refusal:
        quantity = count(_sellable_in(raw), default=None)
        if quantity is None:
            return "SellableQuantity", "SELLABLE_QUANTITY_INVALID"
        sku.stock = quantity
        return None

    too_many = LazadaError("204", "E204: Too many SKU in one request")
    return _update_batch(ctx, too_many, apply)


def _sellable_in(raw: dict[str, Any]) -> Any:
    if "SellableQuantity" in raw:
        return raw["SellableQuantity"]
    warehouses = as_list(
        as_dict(raw.get("MultiWarehouseInventories")).get("MultiWarehouseInventory")
    )
    return next(
        (
            as_dict(w).get("SellableQuantity")
            for w in warehouses
            if text(as_dict(w).get("WarehouseCode")) == WAREHOUSE
        ),
        None,
    )


def update_price_quantity(ctx: Ctx) -> dict[str, Any]:
    def apply(raw: dict[str, Any], sku: Sku) -> Refusal:
        amount = price(raw.get("Price")) if stripped(raw, "Price") else sku.price
        if amount is None:
            return "Price", "BIZ_CHECK_PRICE_IS_ZERO"
        if isinstance(amount, str):
            return "Price", "BIZ_CHECK_PRICE_PRECISION_INVALID"
        held, stock = sku.withhold + sku.occupy, sku.stock
        if stripped(raw, "Quantity"):
            total = count(raw.get("Quantity"), default=None)
            if total is None or total < held:
                return (
                    "Quantity",
                    "The inventory cannot be less than WithholdQuantity+OccupyQuantity",
                )
            stock = total - held
        sku.price, sku.stock = amount, stock
        return None

    too_many = LazadaError(
        "4171",
        "The updated SKU quantity exceeds the maximum number 50, please do not update more "
        "than 50 SKUs at once",
    )
    return _update_batch(ctx, too_many, apply)


def _update_batch(
    ctx: Ctx, too_many: LazadaError, apply: Callable[[dict[str, Any], Sku], Refusal]
) -> dict[str, Any]:
    """`apply` to each row of the payload's SKUs that names one (ItemId + SkuId or
    SellerSku, SkuId, or SellerSku); E501 with a `detail` entry per row refused."""
    skus_in = as_list(as_dict(as_dict(payload(ctx.params).get("Product")).get("Skus")).get("Sku"))
    rows = [as_dict(s) for s in skus_in]
    if not rows:
        raise LazadaError("30", "E030: Empty Request")
    if len(rows) > BATCH_MAX:
        raise too_many
    keys = [(text(r.get("ItemId")), text(r.get("SkuId")), text(r.get("SellerSku"))) for r in rows]
    if len(set(keys)) < len(keys):
        raise LazadaError("4105", "BIZ_CHECK_SELLER_SKU_DUPLICATE: SellerSku repeat")
    detail: list[dict[str, Any]] = []
    found = []
    for raw in rows:
        sku = _sku_named(ctx.seller, raw)
        if sku is None:
            detail.append(_detail(raw, None, ("SellerSku", "SELLER_SKU_INVALID")))
        else:
            found.append((raw, sku))
    for raw, sku in found:
        if (refusal := apply(raw, sku)) is not None:
            detail.append(_detail(raw, sku, refusal))
    if detail:
        raise LazadaError("501", "E501: Update product failed", detail=detail)
    return {}


def _sku_named(seller: Seller, raw: dict[str, Any]) -> Sku | None:
    """The SKU a row names; None when it names none, or contradicts itself."""
    item_id, sku_id, seller_sku = (stripped(raw, k) for k in ("ItemId", "SkuId", "SellerSku"))
    if item_id:
        product = seller.products.get(int(item_id)) if item_id.isdigit() else None
        candidates = [product] if product is not None and not product.deleted else []
    else:
        candidates = seller.live_products()
    for product in candidates:
        if sku_id:
            sku = product.skus.get(int(sku_id)) if sku_id.isdigit() else None
        elif seller_sku:
            sku = product.sku_by_seller_sku(seller_sku)
        else:
            sku = None
        if sku is not None and (not seller_sku or sku.sku == seller_sku):
            return sku
    return None


def _detail(raw: dict[str, Any], sku: Sku | None, refusal: tuple[str, str]) -> dict[str, Any]:
    seller_sku = stripped(raw, "SellerSku") or (sku.sku if sku else "")
    entry: dict[str, Any] = {"field": refusal[0], "message": refusal[1]}
    if seller_sku:
        entry["seller_sku"] = seller_sku
    return entry


# --- MigrateImage --------------------------------------------------------------------------


async def migrate_image(ctx: Ctx) -> dict[str, Any]:
    url = stripped(as_dict(payload(ctx.params).get("Image")), "Url")
    if not url:
        raise basic_required("Image.Url")
    if urlparse(url).scheme not in ("http", "https"):
        raise _image_failed(f"unsupported image url {url!r}")
    try:
        async with httpx.AsyncClient(timeout=IMAGE_TIMEOUT_SECONDS) as client:
            response = await client.get(url)
    except httpx.HTTPError as exc:
        raise _image_failed(f"download failed ({type(exc).__name__})") from None
    if response.status_code != 200:
        raise _image_failed(f"download failed (HTTP {response.status_code})")
    content = response.content
    if len(content) > IMAGE_BYTES_MAX:
        raise _image_failed(f"image larger than {IMAGE_BYTES_MAX} bytes")
    kind = image_kind(content)
    if kind is None:
        raise _image_failed("only jpg and png images are supported")
    digest = hashlib.md5(content, usedforsecurity=False).hexdigest()
    lazada_url = f"{ctx.base_url}/_sandbox/p/{digest}.{'jpg' if kind == 'jpeg' else kind}"
    with ctx.sandbox.lock:
        ctx.sandbox.images[lazada_url] = content
    return {"image": {"url": lazada_url, "hash_code": digest}}


def _image_failed(reason: str) -> LazadaError:
    return LazadaError("500", f"MIGRATE_IMAGE_FAILED: {reason}")


ROUTES: dict[str, Route] = {
    "/products/get": route("GET", get_products),
    "/product/create": route("POST", create_product),
    "/product/update": route("POST", update_product),
    "/product/stock/sellable/update": route("GET/POST", update_sellable),
    "/product/price_quantity/update": route("POST", update_price_quantity),
    "/image/migrate": route("POST", migrate_image),
}
