"""Pure transforms between WooCommerce REST v3 payloads and `sync.types` listings (no I/O).

Listings: a draft group of one draft whose sku equals the group is a **simple** product
(`ListingRef.variant_id` ""); any other group is one **variable** product with a custom
(non-taxonomy) attribute "Variant" whose options are the drafts' variant names, and one
variation per draft carrying the SKU. The variable parent's own SKU is the group key (when
no variation uses it): WooCommerce refuses a second product with that SKU, naming the one
that holds it, so a create repeated after a lost answer finds its first attempt.

Prices go out as decimal strings (`regular_price`), weights as kilogram strings (the
store's weight unit is assumed to be kg, WooCommerce's default for new stores:
UNCONFIRMED for any given store). Stock is absolute with `manage_stock: true`: WooCommerce
ignores `stock_quantity` when it does not manage the row's stock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lapak.connectors import drafts
from lapak.connectors.kit.updates import Plan, Results, Update, addressed, update_failed
from lapak.connectors.woocommerce import wire
from lapak.sync.protocol import PermanentError
from lapak.sync.types import (
    ItemResult,
    ListingDraft,
    ListingRef,
    PriceUpdate,
    RemoteListing,
    StockUpdate,
)

VARIANT_ATTRIBUTE = "Variant"
IMAGE_META = "_lapak_image_urls"
"""Product meta holding the catalog image URLs last sent, so an update re-sends images
(WooCommerce downloads every `src` again, making new media) only when they changed.
REST shows "_" meta: the data stores' `exclude_internal_meta_keys` drop only their own
internal keys (seen in WC_Product_Variation_Data_Store_CPT; the base class UNCONFIRMED)."""
BATCH_LIMIT = 100
"""`WC_REST_Controller::check_batch_limit`: `woocommerce_rest_batch_items_limit`, 100, counts
create + update + delete together; beyond it `woocommerce_rest_request_entity_too_large`."""

INVALID_ID_CODES = frozenset(
    {
        "woocommerce_rest_product_invalid_id",
        "woocommerce_rest_product_variation_invalid_id",
        "woocommerce_rest_invalid_product_id",
    }
)
DUPLICATE_SKU = "product_invalid_sku"


# --- scalars -------------------------------------------------------------------------------


def price_to_wire(price: Decimal) -> str:
    """A decimal string without exponent ("150000", "19.9")."""
    text = format(price.normalize(), "f")
    return text


def grams_to_kg(grams: int) -> str:
    return format((Decimal(grams) / 1000).normalize(), "f")


def as_id(value: str, what: str, sku: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise PermanentError(f"{sku}: {what} {value!r} is not a WooCommerce id")
    return number


def parse_ref(ref: ListingRef) -> tuple[int, int]:
    """(product id, variation id) of a bound listing; variation 0 is a simple product."""
    product = as_id(ref.item_id, "product id", ref.sku)
    return product, as_id(ref.variant_id, "variation id", ref.sku) if ref.variant_id else 0


def category_ids(value: str | None, sku: str) -> list[dict[str, int]]:
    """`categories` of a product body (WooCommerce needs none: "Uncategorized" by default)."""
    if not value:
        return []
    return [{"id": as_id(value, "category_id (a product category id)", sku)}]


# --- drafts → products ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DraftGroup(drafts.DraftGroup):
    """Drafts that become (or are) one WooCommerce product."""

    @property
    def has_variants(self) -> bool:
        if self.lead.ref is not None:
            return bool(self.lead.ref.variant_id)
        return not (len(self.drafts) == 1 and self.lead.sku == self.key)

    @property
    def parent_sku(self) -> str:
        """The variable parent's SKU: the group key, unless a variation already uses it."""
        return "" if any(d.sku == self.key for d in self.drafts) else self.key


def image_fields(urls: Sequence[str]) -> dict[str, Any]:
    """`images` (first is the featured image) and the meta remembering them."""
    return {
        "images": [{"src": url} for url in urls],
        "meta_data": [{"key": IMAGE_META, "value": json.dumps(list(urls))}],
    }


def images_changed(product: wire.Product, urls: Sequence[str]) -> bool:
    return product.meta(IMAGE_META) != json.dumps(list(urls))


def content_fields(group: DraftGroup) -> dict[str, Any]:
    """Name, description and categories of the product holding a group."""
    lead = group.lead
    body: dict[str, Any] = {"name": lead.name, "description": lead.description}
    categories = category_ids(group.category_id, lead.sku)
    if categories:
        body["categories"] = categories
    return body


def stock_fields(stock: int) -> dict[str, Any]:
    return {"manage_stock": True, "stock_quantity": max(0, stock)}


def simple_body(group: DraftGroup) -> dict[str, Any]:
    """A new simple product (`POST /products` or a `create` entry of `/products/batch`)."""
    draft = group.lead
    return {
        **content_fields(group),
        "type": "simple",
        "status": "publish",
        "sku": draft.sku,
        "regular_price": price_to_wire(draft.price),
        **stock_fields(draft.stock),
        "weight": grams_to_kg(draft.weight_grams),
        **image_fields(group.image_urls),
    }


def variant_options(group: DraftGroup) -> list[str]:
    """One distinct option per draft: its variant name, else its SKU."""
    options: list[str] = []
    for draft in group.drafts:
        option = draft.variant_name or draft.sku
        options.append(draft.sku if option in options else option)
    return options


def variant_attribute(options: Sequence[str]) -> dict[str, Any]:
    return {"name": VARIANT_ATTRIBUTE, "options": list(options), "visible": True, "variation": True}


def parent_body(group: DraftGroup) -> dict[str, Any]:
    """A new variable product; its variations follow through `/variations/batch`."""
    body = {
        **content_fields(group),
        "type": "variable",
        "status": "publish",
        "attributes": [variant_attribute(variant_options(group))],
        **image_fields(group.image_urls),
    }
    if group.parent_sku:
        body["sku"] = group.parent_sku
    return body


def merged_attributes(product: wire.Product, options: Sequence[str]) -> list[dict[str, Any]]:
    """An adopted parent's attributes with our options added to "Variant" (others kept)."""
    attributes: list[dict[str, Any]] = []
    found = False
    for attribute in product.attributes:
        entry = {
            "id": attribute.id,
            "name": attribute.name,
            "options": list(attribute.options),
            "visible": True,
            "variation": attribute.variation,
        }
        if attribute.id == 0 and attribute.name == VARIANT_ATTRIBUTE:
            found = True
            entry["options"] = list(dict.fromkeys([*attribute.options, *options]))
            entry["variation"] = True
        attributes.append(entry)
    if not found:
        attributes.append(variant_attribute(options))
    return attributes


def variation_body(draft: ListingDraft, option: str) -> dict[str, Any]:
    return {
        "sku": draft.sku,
        "regular_price": price_to_wire(draft.price),
        **stock_fields(draft.stock),
        "weight": grams_to_kg(draft.weight_grams),
        "attributes": [{"name": VARIANT_ATTRIBUTE, "option": option}],
    }


def adopted_body(draft: ListingDraft, *, variation: bool) -> dict[str, Any]:
    """What makes a listing found by its SKU match the draft (stock, price, weight)."""
    body: dict[str, Any] = {
        "regular_price": price_to_wire(draft.price),
        **stock_fields(draft.stock),
        "weight": grams_to_kg(draft.weight_grams),
    }
    if not variation:
        body |= {"name": draft.name, "description": draft.description}
    return body


# --- stock and price batches ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Batch:
    """One batch call: `path` (`/products/batch` or `/products/{id}/variations/batch`) and
    the input positions of its `update` entries, in order."""

    path: str
    indices: tuple[int, ...]
    entries: tuple[dict[str, Any], ...]

    @property
    def body(self) -> dict[str, Any]:
        return {"update": list(self.entries)}


def stock_plan(updates: Sequence[StockUpdate], size: int = BATCH_LIMIT) -> Plan[Batch]:
    return _plan(updates, size, lambda u: stock_fields(u.stock))


def price_plan(updates: Sequence[PriceUpdate], size: int = BATCH_LIMIT) -> Plan[Batch]:
    return _plan(updates, size, lambda u: {"regular_price": price_to_wire(u.price)})


def _plan(
    updates: Sequence[Any], size: int, fields: Callable[[Any], dict[str, Any]]
) -> Plan[Batch]:
    """Simple products together in `/products/batch`, variations per parent in its
    `/variations/batch` (`/products/batch` refuses a variation: "To manipulate product
    variations you should use the /products/<product_id>/variations/<id> endpoint."),
    each call ≤ `size` entries."""
    refs, rejected = addressed(updates, lambda update: parse_ref(update.ref))
    by_path: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for index, (product_id, variation_id) in refs:
        if variation_id:
            path, entry_id = f"/products/{product_id}/variations/batch", variation_id
        else:
            path, entry_id = "/products/batch", product_id
        by_path.setdefault(path, []).append((index, {"id": entry_id, **fields(updates[index])}))
    batches = [
        Batch(path, tuple(i for i, _ in chunk), tuple(e for _, e in chunk))
        for path, entries in by_path.items()
        for chunk in (entries[s : s + size] for s in range(0, len(entries), size))
    ]
    return Plan(batches, rejected)


def is_permanent(error: wire.BatchItemError) -> bool:
    """A per-item refusal retrying cannot fix: any 4xx but 408/409/429 (invalid id, bad SKU)."""
    status = error.status
    if error.code in INVALID_ID_CODES:
        return True
    return status is not None and 400 <= status < 500 and status not in (408, 409, 429)


def item_error_text(error: wire.BatchItemError) -> str:
    return f"{error.code}: {error.message}" if error.message else error.code or "refused"


def batch_results(
    batch: Batch, updates: Sequence[Update], entries: Sequence[wire.BatchEntry]
) -> Results:
    """Per-update results of one call: answer entries come in request order."""
    results = []
    for position, index in enumerate(batch.indices):
        update = updates[index]
        entry = entries[position] if position < len(entries) else None
        if entry is None:
            error = f"woocommerce {batch.path}: no answer for entry {position}"
            result = update_failed(update, error, permanent=False)
        elif entry.error is not None:
            error = f"woocommerce {batch.path} id {entry.id}: {item_error_text(entry.error)}"
            result = update_failed(update, error, permanent=is_permanent(entry.error))
        else:
            result = ItemResult.success(update.ref.sku, update.ref)
        results.append((index, result))
    return results


# --- listings read back --------------------------------------------------------------------


def product_listing(product: wire.Product) -> RemoteListing:
    return RemoteListing(
        ref=ListingRef(product.sku, str(product.id)),
        stock=product.stock,
        price=product.regular_price,
        name=product.name,
    )


def sku_listing(row: wire.Product) -> RemoteListing:
    """A row of `GET /products?sku=…`: a product, or a variation as the products endpoint
    shows one (`type` "variation", under its `parent_id`)."""
    if row.type == "variation" and row.parent_id:
        ref = ListingRef(row.sku, str(row.parent_id), str(row.id))
        return RemoteListing(ref=ref, stock=row.stock, price=row.regular_price, name=row.name)
    return product_listing(row)


def variation_listing(parent: int, parent_name: str, variation: wire.Variation) -> RemoteListing:
    options = variation.option_names
    return RemoteListing(
        ref=ListingRef(variation.sku, str(parent), str(variation.id)),
        stock=variation.stock,
        price=variation.regular_price,
        name=f"{parent_name} - {options}" if options and parent_name else parent_name or options,
    )
