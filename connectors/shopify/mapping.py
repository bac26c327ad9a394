"""Pure transforms between Shopify's catalog payloads and `sync.types` (no I/O).

Listings: drafts sharing a `ListingDraft.group` become one Shopify product. A group of one
draft whose sku equals the group is a product without options (one "Default Title"
variant, bound with `variant_id` ""); any other group is a product with one option
"Variant" whose values are the drafts' variant names, one variant per SKU. Prices go out
as two-decimal strings, weights in grams. Stock is set apart (inventory levels), never in
the product body: "Apps can no longer set inventory using inventory_quantity".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lapak.connectors import drafts
from lapak.connectors.kit.ids import id_reader
from lapak.connectors.shopify import wire
from lapak.sync.protocol import PermanentError
from lapak.sync.types import ItemResult, ListingDraft, ListingRef, RemoteListing

VARIANT_OPTION = "Variant"
DEFAULT_TITLE = "Default Title"
MAX_VARIANTS = 100  # REST Product Variant reference: "a maximum of 100 variants"


def money(price: Decimal) -> str:
    return f"{price.quantize(Decimal('0.01')):f}"


as_id = id_reader("Shopify")
"""A Shopify numeric id from its text: `as_id(value, sku, what)`."""


def item_gid(inventory_item_id: int) -> str:
    return f"gid://shopify/InventoryItem/{inventory_item_id}"


def location_gid(location_id: int) -> str:
    return f"gid://shopify/Location/{location_id}"


def is_single(product: wire.Product) -> bool:
    """A product sold without options: its one variant is bound with `variant_id` ""."""
    return len(product.variants) == 1 and (
        product.variants[0].title == DEFAULT_TITLE
        or product.variants[0].option1 in (None, DEFAULT_TITLE)
    )


def variant_ref(product: wire.Product, variant: wire.Variant) -> ListingRef:
    variant_id = "" if is_single(product) else str(variant.id)
    return ListingRef(variant.sku, str(product.id), variant_id)


def find_variant(product: wire.Product, ref: ListingRef) -> wire.Variant | None:
    """The variant a ref names: by id, or the one variant of a single-SKU product."""
    if ref.variant_id:
        return next((v for v in product.variants if str(v.id) == ref.variant_id), None)
    if len(product.variants) == 1:
        return product.variants[0]
    return next((v for v in product.variants if v.sku == ref.sku), None)


def listing_name(product: wire.Product, variant: wire.Variant) -> str:
    return product.title if is_single(product) else f"{product.title} - {variant.title}"


def listings(product: wire.Product, stock: dict[int, int]) -> list[RemoteListing]:
    """One RemoteListing per variant, stock from `stock` (inventory item → available)."""
    return [
        RemoteListing(
            ref=variant_ref(product, variant),
            stock=stock.get(variant.inventory_item_id, 0),
            price=variant.price,
            name=listing_name(product, variant),
        )
        for variant in product.variants
    ]


# --- drafts → products ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DraftGroup(drafts.DraftGroup):
    """Drafts that become (or are) one Shopify product."""

    @property
    def product_type(self) -> str:
        return self.category_id or ""


def option_value(draft: ListingDraft) -> str:
    return draft.variant_name or draft.sku


def variant_body(draft: ListingDraft, *, with_option: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sku": draft.sku,
        "price": money(draft.price),
        "inventory_management": "shopify",
        "inventory_policy": "deny",
        "requires_shipping": True,
        "weight": draft.weight_grams,
        "weight_unit": "g",
    }
    if with_option:
        body["option1"] = option_value(draft)
    return body


def check_group(group: DraftGroup) -> None:
    """What Shopify would refuse for the whole product, found before any call."""
    if len(group.drafts) > MAX_VARIANTS:
        raise PermanentError(
            f"{group.key}: {len(group.drafts)} variants; Shopify allows {MAX_VARIANTS}"
        )
    values = [option_value(d) for d in group.drafts]
    repeated = sorted({v for v in values if values.count(v) > 1})
    if group.has_variants and repeated:
        raise PermanentError(f"{group.key}: variant name(s) {', '.join(repeated)} repeated")


def product_body(group: DraftGroup) -> dict[str, Any]:
    """POST /products.json for a new product (active, stock set afterwards)."""
    check_group(group)
    lead = group.lead
    product: dict[str, Any] = {
        "title": lead.name,
        "body_html": lead.description,
        "product_type": group.product_type,
        "status": "active",
        "variants": [variant_body(d, with_option=group.has_variants) for d in group.drafts],
        "images": [{"src": url} for url in group.image_urls],
    }
    if group.has_variants:
        product["options"] = [
            {"name": VARIANT_OPTION, "values": [option_value(d) for d in group.drafts]}
        ]
    return {"product": product}


def created_refs(
    group: DraftGroup, product: wire.Product
) -> list[tuple[ListingDraft, ListingRef | None, wire.Variant | None]]:
    """Each draft of a new product with its ref and variant (None: Shopify made none)."""
    by_sku = {v.sku: v for v in product.variants if v.sku}
    found: list[tuple[ListingDraft, ListingRef | None, wire.Variant | None]] = []
    for draft in group.drafts:
        variant = by_sku.get(draft.sku)
        if variant is None:
            found.append((draft, None, None))
        else:
            found.append((draft, variant_ref(product, variant), variant))
    return found


def update_body(group: DraftGroup, product: wire.Product) -> dict[str, Any]:
    """PUT /products/{id}.json for bound drafts: title, description, product type, their
    variants' weights; every other variant listed by id so it is kept. Option values and
    SKUs stay as they are (a SKU is what binds the listing). Images are sent only when the
    product has none: Shopify re-hosts images, so their URLs never match ours."""
    lead = group.lead
    weights: dict[int, int] = {}
    for draft in group.drafts:
        variant = find_variant(product, draft.ref) if draft.ref else None
        if variant is not None:
            weights[variant.id] = draft.weight_grams
    body: dict[str, Any] = {
        "id": product.id,
        "title": lead.name,
        "body_html": lead.description,
        "variants": [
            {"id": v.id, "weight": weights[v.id], "weight_unit": "g"}
            if v.id in weights
            else {"id": v.id}
            for v in product.variants
        ],
    }
    if group.product_type:
        body["product_type"] = group.product_type
    if not product.images and group.image_urls:
        body["images"] = [{"src": url} for url in group.image_urls]
    return {"product": body}


def failed(sku: str, error: str, *, permanent: bool, ref: ListingRef | None = None) -> ItemResult:
    return ItemResult.failure(sku, error, permanent=permanent, ref=ref)


# --- stock batches -----------------------------------------------------------------------------


def chunk_distinct(entries: Sequence[tuple[int, int]], size: int) -> list[list[tuple[int, int]]]:
    """(index, inventory item) pairs cut, in order, into chunks of ≤ `size` without a
    repeated item (Shopify refuses one: NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR); a
    repeat starts the next chunk, so the last update of an item is applied last."""
    chunks: list[list[tuple[int, int]]] = [[]]
    for index, item in entries:
        current = chunks[-1]
        if len(current) >= size or any(held == item for _, held in current):
            current = []
            chunks.append(current)
        current.append((index, item))
    return [chunk for chunk in chunks if chunk]


def quantities(
    chunk: Sequence[tuple[int, int]], stock: Callable[[int], int], location_id: int
) -> list[dict[str, Any]]:
    return [
        {
            "inventoryItemId": item_gid(item),
            "locationId": location_gid(location_id),
            "quantity": stock(index),
        }
        for index, item in chunk
    ]


def failed_positions(errors: Sequence[wire.UserError]) -> dict[int, wire.UserError] | None:
    """userErrors by position in `quantities` (field ["input", "quantities", "<i>", ...]);
    None when an error names no position (the whole call was refused)."""
    found: dict[int, wire.UserError] = {}
    for error in errors:
        field = error.field or []
        if len(field) >= 3 and field[1] == "quantities" and field[2].isdigit():
            found.setdefault(int(field[2]), error)
        else:
            return None
    return found


PERMANENT_CODES = frozenset(
    {
        "INVALID_INVENTORY_ITEM",
        "INVALID_LOCATION",
        "ITEM_NOT_STOCKED_AT_LOCATION",
        "NON_MUTABLE_INVENTORY_ITEM",
        "INVALID_QUANTITY_NEGATIVE",
        "INVALID_QUANTITY_TOO_HIGH",
        "INVALID_QUANTITY_TOO_LOW",
        "INVALID_NAME",
        "INVALID_REASON",
        "INVALID_REFERENCE_DOCUMENT",
    }
)
"""InventorySetQuantitiesUserErrorCode values that a retry cannot cure; the others
(COMPARE_QUANTITY_STALE, IDEMPOTENCY_CONCURRENT_REQUEST, …) are transient."""


def user_error_text(error: wire.UserError) -> str:
    return f"{error.code}: {error.message}" if error.code else error.message
