"""Pure transforms between LazOP product payloads and `sync.types` (no I/O).

Listings. SKUs that share a `ListingDraft.group` become one Lazada product. A group of one
draft whose sku equals the group is a product with a single SKU and no variation; any
other group is one product whose SKUs differ by one custom sales attribute named
"Variant" (the drafts' variant names are its options). Sources: CreateProduct JSON format
and "custom sales attributes" guides (variation.variation1 {name, hasImage, customize,
options.option[]}, each SKU's saleProp {name: option}; names ≤ 15 characters, options
≤ 20 characters and ≤ 50 per variation).

References. Every Lazada SKU has a SkuId, but Lapak's `ListingRef.variant_id` is "" for a
product without variants; so a product with one SKU and no variation is referred to as
(item_id, "") and addressed by ItemId + SellerSku, every SKU of a product with variants as
(item_id, SkuId) and addressed by ItemId + SkuId + SellerSku. Scanning, creating and the
sandbox's control surface all apply this same rule (`has_variants`).

Stock and prices go in batches of ≤ 50 SKUs of any products (UpdateSellableQuantity /
UpdatePriceQuantity take an XML payload `<Request><Product><Skus><Sku>…`). Prices are whole
rupiah (UNCONFIRMED that Lazada Indonesia refuses decimals; Lapak rounds half up), package
weight goes out in kilograms with two decimals.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

# Only escapes the text of request XML, never parses any (parsing would need defusedxml):
from xml.sax.saxutils import escape  # nosec B406

from lapak.connectors import drafts
from lapak.connectors.intake import MAX_COUNT
from lapak.connectors.kit.rupiah import whole_rupiah
from lapak.connectors.kit.updates import (
    Plan,
    Results,
    Update,
    addressed,
    batch_failed,
    cut,
    update_failed,
)
from lapak.connectors.lazada import wire
from lapak.connectors.lazada.client import LazadaError
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
NO_BRAND = "No Brand"
"""CreateProduct examples use brand "No Brand" (brand_id differs per country and is shown
only in an image of the Q&A page: UNCONFIRMED for Indonesia, so the name is sent)."""
DEFAULT_PACKAGE_CM = (10.0, 10.0, 10.0)
"""CreateProduct requires package_length/width/height (cm); `ListingDraft` has no
dimensions, so a small parcel is declared unless the connector is told otherwise."""

# Per-SKU `detail` messages are not enumerated by Lazada (the example is
# "SELLER_SKU_INVALID"). One naming a missing, invalid or locked SKU cannot succeed when
# retried; anything else is pushed again.
_PERMANENT_REASON = re.compile(
    r"invalid|not found|not exist|deleted|removed|not belong|locked|campaign|negative|"
    r"precision|zero|empty",
    re.IGNORECASE,
)


# --- scalars -------------------------------------------------------------------------------


def price_to_wire(price: Decimal) -> str:
    """Whole rupiah, as text."""
    return str(whole_rupiah(price))


def grams_to_kg(grams: int) -> str:
    """Kilograms with two decimals, rounded up (a 5 g parcel is declared as 0.01 kg)."""
    return str((Decimal(grams) / 1000).quantize(Decimal("0.01"), rounding=ROUND_CEILING))


def cm(value: float) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def is_id(value: str) -> bool:
    return value.isdigit()


# --- drafts → products ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DraftGroup(drafts.DraftGroup):
    """Drafts that become (or are) one Lazada product."""


def missing_for_create(group: DraftGroup) -> str | None:
    """What a group lacks that Lazada needs to create a product (None: nothing)."""
    if group.category_id is None:
        return "category_id missing for lazada"
    light = [d.sku for d in group.drafts if d.weight_grams <= 0]
    if light:
        return f"weight_grams missing for lazada ({', '.join(light)})"
    return None


def variant_option(draft: ListingDraft) -> str:
    return draft.variant_name or draft.sku


def _package(draft: ListingDraft, package_cm: tuple[float, float, float]) -> dict[str, str]:
    length, width, height = package_cm
    return {
        "package_weight": grams_to_kg(draft.weight_grams),
        "package_length": cm(length),
        "package_width": cm(width),
        "package_height": cm(height),
    }


def create_payload(
    group: DraftGroup, image_urls: Sequence[str], package_cm: tuple[float, float, float]
) -> str:
    """/product/create `payload` (JSON): one product, one SKU per draft."""
    lead = group.lead
    product: dict[str, Any] = {"PrimaryCategory": group.category_id}
    if image_urls:
        product["Images"] = {"Image": list(image_urls)}
    if group.has_variants:
        product["variation"] = {
            "variation1": {
                "name": VARIANT_ATTRIBUTE,
                "hasImage": False,
                "customize": True,
                "options": {"option": [variant_option(d) for d in group.drafts]},
            }
        }
    product["Attributes"] = {
        "name": lead.name,
        "description": lead.description,
        "brand": NO_BRAND,
    }
    skus = []
    for draft in group.drafts:
        sku: dict[str, Any] = {
            "SellerSku": draft.sku,
            "quantity": str(draft.stock),
            "price": price_to_wire(draft.price),
            **_package(draft, package_cm),
        }
        if group.has_variants:
            sku["saleProp"] = {VARIANT_ATTRIBUTE: variant_option(draft)}
        skus.append(sku)
    product["Skus"] = {"Sku": skus}
    return json.dumps({"Request": {"Product": product}}, ensure_ascii=False)


def created_results(group: DraftGroup, created: wire.CreatedProduct) -> list[ItemResult]:
    """One result per draft of a newly created product (a product without variants is
    bound by its item id alone)."""
    sku_ids = {entry.seller_sku: entry.sku_id for entry in created.sku_list}

    def variant_of(position: int, draft: ListingDraft) -> str | None:
        sku_id = sku_ids.get(draft.sku)
        return sku_id if sku_id is None or group.has_variants else ""

    missing = f"product {created.item_id}: /product/create returned no SKU"
    return drafts.created_results(group, created.item_id, variant_of, missing)


def update_payload(
    item_id: str,
    drafts: Sequence[ListingDraft],
    image_urls: Sequence[str],
    package_cm: tuple[float, float, float],
) -> str:
    """/product/update `payload` (JSON) for the content of a bound product (stock and price
    go apart: UpdateProduct is "not recommended" for inventory and price)."""
    lead = drafts[0]
    product: dict[str, Any] = {
        "ItemId": item_id,
        "Attributes": {"name": lead.name, "description": lead.description},
    }
    if image_urls:
        product["Images"] = {"Image": list(image_urls)}
    skus = []
    for draft in drafts:
        sku: dict[str, Any] = {"SellerSku": draft.sku, **_package(draft, package_cm)}
        if draft.ref is not None and draft.ref.variant_id:
            sku["SkuId"] = draft.ref.variant_id
        skus.append(sku)
    product["Skus"] = {"Sku": skus}
    return json.dumps({"Request": {"Product": product}}, ensure_ascii=False)


# --- stock and price batches ---------------------------------------------------------------


XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def sku_xml(rows: Sequence[Sequence[tuple[str, str]]]) -> str:
    """`<Request><Product><Skus><Sku>…</Sku>…</Skus></Product></Request>`, one Sku per row.

    Written as text, each value escaped (`&`, `<`, `>`), the bytes `xml.etree` would write
    (tests/connectors/lazada/test_mapping.py holds them to it): building the tree cost as
    much as the rest of a stock push's planning."""
    skus = "".join(
        "<Sku>" + "".join(f"<{tag}>{escape(value)}</{tag}>" for tag, value in row) + "</Sku>"
        for row in rows
    )
    return f"{XML_DECLARATION}<Request><Product><Skus>{skus}</Skus></Product></Request>"


def image_xml(url: str) -> str:
    """/image/migrate `payload`: `<Request><Image><Url>…</Url></Image></Request>`."""
    return f"{XML_DECLARATION}<Request><Image><Url>{escape(url)}</Url></Image></Request>"


def sku_address(ref: ListingRef) -> list[tuple[str, str]]:
    """ItemId, SkuId (variants only) and SellerSku of a bound listing."""
    if not is_id(ref.item_id) or (ref.variant_id and not is_id(ref.variant_id)):
        raise PermanentError(f"{ref.sku}: {ref!r} is not a Lazada item/SKU id")
    address = [("ItemId", ref.item_id)]
    if ref.variant_id:
        address.append(("SkuId", ref.variant_id))
    address.append(("SellerSku", ref.sku))
    return address


@dataclass(frozen=True, slots=True)
class Batch:
    """One call: ≤ batch size updates, no SKU twice (Lazada: 4105 "SellerSku repeat")."""

    indices: tuple[int, ...]
    payload: str


def stock_plan(updates: Sequence[StockUpdate], size: int) -> Plan[Batch]:
    return _plan(updates, size, lambda u: [("SellableQuantity", str(max(0, u.stock)))])


def price_plan(updates: Sequence[PriceUpdate], size: int) -> Plan[Batch]:
    return _plan(updates, size, lambda u: [("Price", price_to_wire(u.price))])


def _plan(updates: Sequence[Any], size: int, fields: Callable[[Any], list]) -> Plan[Batch]:
    """Updates in input order, cut into calls of ≤ `size`; a SKU repeated goes to a later call
    so the last value given for it is the one that stays."""
    addresses, rejected = addressed(updates, lambda update: sku_address(update.ref))
    calls = cut(addresses, size, key=lambda entry: ref_key(updates[entry[0]].ref))
    batches = [
        Batch(tuple(i for i, _ in call), sku_xml([row + fields(updates[i]) for i, row in call]))
        for call in calls
    ]
    return Plan(batches, rejected)


def is_permanent_reason(reason: str) -> bool:
    return bool(_PERMANENT_REASON.search(reason))


def batch_results(
    batch: Batch,
    updates: Sequence[Update],
    refusal: LazadaError | None,
    path: str,
) -> Results:
    """Per-update results of one call: all succeeded, or the refusal's `detail` names the
    SKUs that failed (the rest went through). A refusal that names no SKU of the batch
    fails the whole batch."""
    if refusal is None:
        return [(i, ItemResult.success(updates[i].ref.sku, updates[i].ref)) for i in batch.indices]
    skus = {updates[i].ref.sku for i in batch.indices}
    named = {d.seller_sku: d for d in refusal.detail if d.seller_sku in skus}
    anonymous = [d for d in refusal.detail if d.seller_sku not in skus]
    if not named or anonymous:
        permanent = not refusal.detail or all(is_permanent_reason(d.message) for d in anonymous)
        return batch_failed(batch, updates, str(refusal), permanent=permanent and not named)
    results = []
    for index in batch.indices:
        update = updates[index]
        entry = named.get(update.ref.sku)
        if entry is None:
            results.append((index, ItemResult.success(update.ref.sku, update.ref)))
            continue
        reason = entry.message or refusal.code or "refused"
        error = f"{path}: lazada SKU {update.ref.sku}: {reason}"
        results.append((index, update_failed(update, error, permanent=is_permanent_reason(reason))))
    return results


# --- products read back --------------------------------------------------------------------


def has_variants(product: wire.Product) -> bool:
    """A product with more than one SKU or a declared variation (see the module docstring)."""
    return len(product.skus) > 1 or bool(product.variation)


def sellable(sku: wire.Sku) -> int:
    """What buyers can still buy: the warehouses' sellableQuantity (what UpdateSellableQuantity
    sets), else `Available`, else `quantity` (inventory-calculation-logic guide)."""
    if sku.multiWarehouseInventories:
        return min(sum(w.sellableQuantity for w in sku.multiWarehouseInventories), MAX_COUNT)
    return sku.Available if sku.Available is not None else sku.quantity


def listings(product: wire.Product) -> list[RemoteListing]:
    variants = has_variants(product)
    found = []
    for sku in product.skus:
        name = product.attributes.name
        options = [str(v) for v in sku.saleProp.values() if v not in (None, "")]
        if variants and options:
            name = f"{name} - {', '.join(options)}"
        ref = ListingRef(sku.SellerSku, product.item_id, sku.SkuId if variants else "")
        found.append(RemoteListing(ref, sellable(sku), sku.price, name))
    return found


def ref_key(ref: ListingRef) -> tuple[str, str]:
    """What identifies a bound listing in a read-back: (item_id, SkuId or SellerSku)."""
    return (ref.item_id, ref.variant_id or f"sku:{ref.sku}")
