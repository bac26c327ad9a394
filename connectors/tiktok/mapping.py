"""Pure transforms between TikTok Shop 202309 product payloads and `sync.types` (no I/O).

Listings: SKUs that share a `ListingDraft.group` become one TikTok product. A group of one
draft whose sku equals the group is a product with a single SKU and no sales attributes;
any other group gets one custom sales attribute named "Variant" whose values are the
drafts' variant names (create-product.spec.json: sales_attributes may be omitted "if there
is only 1 SKU. Otherwise, this is required").

Refs: `ListingRef.item_id` is the product id and `variant_id` is always the TikTok SKU id,
also for a single-SKU product. TikTok gives every product at least one SKU and every stock
or price update names SKU ids, so keeping it saves a Get Product per update; a scan
reports the same ids, so refs round-trip.

Prices go out as whole rupiah strings with currency IDR (rupiah has no minor unit in
practice; a fractional amount is UNCONFIRMED to be refused). Weights go out in
KILOGRAM, up to 3 decimals ("Other countries: KILOGRAM", package_weight.value "KILOGRAM:
up to 3 decimal places").
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lapak.connectors import drafts
from lapak.connectors.kit.rupiah import whole_rupiah
from lapak.connectors.kit.updates import ItemBatch, Plan, Results, Update, item_plan, update_failed
from lapak.connectors.tiktok import wire
from lapak.connectors.tiktok.client import transient_code
from lapak.sync.protocol import PermanentError
from lapak.sync.types import (
    ItemResult,
    ListingDraft,
    ListingRef,
    PriceUpdate,
    RemoteListing,
    StockUpdate,
)

CURRENCY = "IDR"
VARIANT_ATTRIBUTE = "Variant"
MAX_MAIN_IMAGES = 9  # create-product.spec.json main_images: "Max count: 9"
GONE_STATUSES = frozenset({"DELETED"})
"""Products a scan skips: a deleted product no longer holds its SKUs."""


# --- scalars -------------------------------------------------------------------------------


def price_to_wire(price: Decimal) -> str:
    """Whole rupiah as TikTok's price string."""
    return str(whole_rupiah(price))


def grams_to_kg(grams: int) -> str:
    """KILOGRAM with up to 3 decimals, no trailing zeros ("0.3", "1.25", "2")."""
    kg = (Decimal(grams) / 1000).quantize(Decimal("0.001"))
    return format(kg.normalize(), "f")


def description_html(text: str) -> str:
    """The catalog's plain-text description as the HTML TikTok takes (one <p> per line)."""
    lines = [html.escape(line.strip()) for line in text.splitlines() if line.strip()]
    return "".join(f"<p>{line}</p>" for line in lines)


# --- drafts → products ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DraftGroup(drafts.DraftGroup):
    """Drafts that become (or are) one TikTok product."""

    @property
    def image_urls(self) -> tuple[str, ...]:
        urls = dict.fromkeys(url for d in self.drafts for url in d.image_urls)
        return tuple(urls)[:MAX_MAIN_IMAGES]


def missing_for_create(group: DraftGroup) -> str | None:
    """What TikTok needs to create this product and the drafts lack (None: nothing).

    create-product.spec.json marks category_id, description, main_images, package_weight
    (a positive number) and skus[].price as required.
    """
    if group.category_id is None:
        return "category_id missing for tiktok"
    if not group.image_urls:
        return "tiktok needs at least one product image (main_images is required)"
    if not any(d.description.strip() for d in group.drafts):
        return "tiktok needs a product description"
    if group.weight_grams <= 0:
        return "tiktok needs a package weight above 0 g"
    return None


def variant_value(draft: ListingDraft) -> str:
    return draft.variant_name or draft.sku


def create_body(
    group: DraftGroup, image_uris: Sequence[str], warehouse_id: str, idempotency_key: str
) -> dict[str, Any]:
    """Create Product: one SKU per draft, all stock in the shop's sales warehouse."""
    lead = group.lead
    description = next(d.description for d in group.drafts if d.description.strip())
    skus = []
    for draft in group.drafts:
        sku: dict[str, Any] = {
            "seller_sku": draft.sku,
            "price": {"amount": price_to_wire(draft.price), "currency": CURRENCY},
            "inventory": [{"warehouse_id": warehouse_id, "quantity": draft.stock}],
        }
        if group.has_variants:
            sku["sales_attributes"] = [
                {"name": VARIANT_ATTRIBUTE, "value_name": variant_value(draft)}
            ]
        skus.append(sku)
    return {
        "save_mode": "LISTING",
        "title": lead.name,
        "description": description_html(description),
        "category_id": group.category_id,
        "main_images": [{"uri": uri} for uri in image_uris],
        "package_weight": {"value": grams_to_kg(group.weight_grams), "unit": "KILOGRAM"},
        "skus": skus,
        "idempotency_key": idempotency_key,
    }


def created_results(group: DraftGroup, created: wire.CreatedProduct) -> list[ItemResult]:
    """One result per draft of a newly created product, matched by seller SKU."""
    by_sku = {sku.seller_sku: sku.id for sku in created.skus}
    missing = f"product {created.product_id}: create returned no SKU for"
    return drafts.created_results(
        group, created.product_id, lambda _, draft: by_sku.get(draft.sku), missing
    )


def partial_edit_body(group: DraftGroup, image_uris: Sequence[str]) -> dict[str, Any]:
    """Partial Edit Product for a bound product's content (stock and price go apart).

    Updates are per top-level property: omitted `skus` stay as they are, and the nested
    `package_weight` is sent whole (partial-edit-product.spec.json).
    """
    lead = group.lead
    body: dict[str, Any] = {
        "title": lead.name,
        "package_weight": {"value": grams_to_kg(group.weight_grams), "unit": "KILOGRAM"},
    }
    description = next((d.description for d in group.drafts if d.description.strip()), "")
    if description:
        body["description"] = description_html(description)
    if image_uris:
        body["main_images"] = [{"uri": uri} for uri in image_uris]
    return body


# --- stock and price batches ---------------------------------------------------------------


Batch = ItemBatch[str]
"""One inventory/price update call: one product, ≤ batch size distinct SKUs."""


def stock_plan(updates: Sequence[StockUpdate], size: int, warehouse_id: str) -> Plan[Batch]:
    return _plan(
        updates,
        size,
        lambda u: {
            "id": u.ref.variant_id,
            "inventory": [{"warehouse_id": warehouse_id, "quantity": u.stock}],
        },
    )


def price_plan(updates: Sequence[PriceUpdate], size: int) -> Plan[Batch]:
    return _plan(
        updates,
        size,
        lambda u: {
            "id": u.ref.variant_id,
            "price": {"amount": price_to_wire(u.price), "currency": CURRENCY},
        },
    )


def _plan(updates: Sequence[Any], size: int, entry: Callable[[Any], dict[str, Any]]) -> Plan[Batch]:
    """Updates grouped by product, split so no call exceeds `size` SKUs or repeats one
    (TikTok refuses 12052553 "Sku id duplicate"; a repeat goes to a later call, in order)."""

    def body(product_id: str, call: list[tuple[int, str]]) -> dict[str, Any]:
        return {"skus": [entry(updates[i]) for i, _ in call]}

    return item_plan(updates, size, lambda update: _ids(update.ref), body)


def _ids(ref: ListingRef) -> tuple[str, str]:
    """The (product id, SKU id) of `ref`, which a call needs both of."""
    if not ref.item_id or not ref.variant_id:
        raise PermanentError(f"{ref.sku}: {ref!r} lacks the tiktok product id or sku id")
    return ref.item_id, ref.variant_id


def inventory_results(
    batch: Batch, updates: Sequence[StockUpdate], reply: wire.InventoryResult
) -> Results:
    """Per-update results of one inventory call from its `data.errors[]` (code 0 overall).

    An error naming no SKU fails every update of the call.
    """
    by_sku: dict[str, wire.SkuError] = {}
    general: wire.SkuError | None = None
    for error in reply.errors:
        sku_id = error.detail.sku_id if error.detail else ""
        if sku_id:
            by_sku.setdefault(sku_id, error)
        elif general is None:
            general = error
    results = []
    for index in batch.indices:
        update = updates[index]
        refusal = by_sku.get(update.ref.variant_id, general)
        if refusal is None:
            results.append((index, ItemResult.success(update.ref.sku, update.ref)))
            continue
        text = f"tiktok product {batch.item_id} sku {update.ref.variant_id}: {_reason(refusal)}"
        permanent = not transient_code(refusal.code)
        results.append((index, update_failed(update, text, permanent=permanent)))
    return results


def _reason(error: wire.SkuError) -> str:
    extra = error.detail.extra_errors if error.detail else []
    details = "; ".join(
        f"{e.get('code', '')} {e.get('message', '')}".strip() for e in extra if isinstance(e, dict)
    )
    main = f"{error.code} {error.message}".strip()
    return f"{main} ({details})" if details else main


def batch_ok(batch: Batch, updates: Sequence[Update]) -> Results:
    return [(i, ItemResult.success(updates[i].ref.sku, updates[i].ref)) for i in batch.indices]


def single_batches(batch: Batch) -> list[Batch]:
    """The batch as one call per SKU (to tell which SKU a whole-call refusal was about)."""
    return [
        ItemBatch(batch.item_id, (index,), {"skus": [entry]})
        for index, entry in zip(batch.indices, batch.body["skus"], strict=True)
    ]


# --- listings read back --------------------------------------------------------------------


def sku_stock(sku: wire.Sku) -> int:
    """The SKU's sellable stock: its in-stock quantity summed over warehouses."""
    return sum(entry.quantity for entry in sku.inventory)


def sku_price(sku: wire.Sku) -> Decimal | None:
    """The display price: `sale_price` (Get Product: "All sellers: local display price"),
    else `tax_exclusive_price` (Search Products gives local sellers' display price there)."""
    if sku.price is None:
        return None
    return (
        sku.price.sale_price
        if sku.price.sale_price is not None
        else (sku.price.tax_exclusive_price)
    )


def sku_name(product: wire.Product, sku: wire.Sku) -> str:
    values = [a.value_name for a in sku.sales_attributes if a.value_name]
    return f"{product.title} - {', '.join(values)}" if values else product.title


def product_listings(product: wire.Product) -> list[RemoteListing]:
    """Every SKU of a product that carries a seller SKU (one without is not Lapak's)."""
    return [
        RemoteListing(
            ref=ListingRef(sku.seller_sku, product.id, sku.id),
            stock=sku_stock(sku),
            price=sku_price(sku),
            name=sku_name(product, sku),
        )
        for sku in product.skus
        if sku.seller_sku
    ]
