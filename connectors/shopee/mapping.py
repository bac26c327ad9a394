"""Pure transforms between Shopee v2 payloads and `sync.types` (no I/O).

Listings: SKUs that share a `ListingDraft.group` become one Shopee item. A group of one draft
whose sku equals the group is an item without models (`item_sku` = sku); any other group is
one item with a single tier named "Variant" whose options are the drafts' variant names and
whose models carry the SKUs (`model_sku`). Prices are whole rupiah (Indonesia takes integer
prices only, v2.product.update_price); weights go out in kilograms.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from lapak.connectors import drafts
from lapak.connectors.intake import MAX_COUNT
from lapak.connectors.kit.ids import id_reader
from lapak.connectors.kit.rupiah import whole_rupiah
from lapak.connectors.kit.updates import ItemBatch, Plan, Results, Update, item_plan, update_failed
from lapak.connectors.shopee import wire
from lapak.sync.protocol import PermanentError
from lapak.sync.types import (
    ItemResult,
    ListingDraft,
    ListingRef,
    PriceUpdate,
    RemoteListing,
    StockUpdate,
)

VARIANT_TIER = "Variant"
NO_BRAND = {"brand_id": 0, "original_brand_name": "NoBrand"}

# The failed_reason texts of update_stock/update_price are not documented (the example is
# "-"/"fail"): UNCONFIRMED. A reason naming a missing or invalid item/model cannot succeed
# when retried; anything else is treated as transient and pushed again.
_PERMANENT_REASON = re.compile(
    r"not found|not exist|invalid|wrong|deleted|not belong|banned|uneditable", re.IGNORECASE
)


# --- scalars -------------------------------------------------------------------------------


price_to_wire = whole_rupiah


def grams_to_kg(grams: int) -> float:
    return grams / 1000


def timestamp_to_datetime(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


as_id = id_reader("Shopee")
"""A Shopee numeric id from its text: `as_id(value, sku, what)`."""


def parse_ref(ref: ListingRef) -> tuple[int, int]:
    """(item_id, model_id) of a bound listing; model 0 is an item without models."""
    try:
        return int(ref.item_id), int(ref.variant_id or 0)
    except ValueError:
        raise PermanentError(f"{ref.sku}: {ref!r} is not a Shopee item/model id") from None


# --- drafts → items ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DraftGroup(drafts.DraftGroup):
    """Drafts that become (or are) one Shopee item."""

    @property
    def weight_kg(self) -> float:
        return grams_to_kg(self.weight_grams)


def add_item_body(
    group: DraftGroup, image_ids: Sequence[str], logistic_ids: Sequence[int]
) -> dict[str, Any]:
    """v2.product.add_item. An item with variants gets its stock from its models (0 here)."""
    lead = group.lead
    category = group.category_id
    if category is None:
        raise PermanentError(f"{lead.sku}: category_id missing for shopee")
    return {
        "item_name": lead.name,
        "description": lead.description,
        "original_price": price_to_wire(min(d.price for d in group.drafts)),
        "seller_stock": [{"stock": 0 if group.has_variants else lead.stock}],
        "category_id": as_id(category, lead.sku, "category_id"),
        "image": {"image_id_list": list(image_ids)},
        "weight": group.weight_kg,
        "logistic_info": [{"logistic_id": i, "enabled": True} for i in logistic_ids],
        "brand": dict(NO_BRAND),
        "item_sku": group.key if group.has_variants else lead.sku,
    }


def variant_option(draft: ListingDraft) -> str:
    return draft.variant_name or draft.sku


def tier_variation_body(item_id: int, group: DraftGroup) -> dict[str, Any]:
    """v2.product.init_tier_variation: one tier "Variant", one model per draft."""
    return {
        "item_id": item_id,
        "tier_variation": [
            {
                "name": VARIANT_TIER,
                "option_list": [{"option": variant_option(d)} for d in group.drafts],
            }
        ],
        "model": [
            {
                "tier_index": [position],
                "original_price": price_to_wire(draft.price),
                "model_sku": draft.sku,
                "seller_stock": [{"stock": draft.stock}],
            }
            for position, draft in enumerate(group.drafts)
        ],
    }


def created_results(
    group: DraftGroup, item_id: int, created: wire.TierVariationResult | None
) -> list[ItemResult]:
    """One result per draft of a newly created item (`created` None: no models)."""
    if created is None:
        return [ItemResult.success(group.lead.sku, ListingRef(group.lead.sku, str(item_id)))]
    by_sku = {m.model_sku: m.model_id for m in created.model if m.model_sku}
    by_tier = {tuple(m.tier_index): m.model_id for m in created.model}

    def variant_of(position: int, draft: ListingDraft) -> str | None:
        model_id = by_sku.get(draft.sku, by_tier.get((position,)))
        return None if model_id is None else str(model_id)

    missing = f"item {item_id}: init_tier_variation returned no model for"
    return drafts.created_results(group, str(item_id), variant_of, missing)


def update_item_body(
    item_id: int, drafts: Sequence[ListingDraft], image_ids: Sequence[str]
) -> dict[str, Any]:
    """v2.product.update_item for the content of a bound item (stock and price go apart)."""
    lead = drafts[0]
    body: dict[str, Any] = {
        "item_id": item_id,
        "item_name": lead.name,
        "description": lead.description,
        "weight": grams_to_kg(max(d.weight_grams for d in drafts)),
    }
    if image_ids:
        body["image"] = {"image_id_list": list(image_ids)}
    if len(drafts) == 1 and lead.ref is not None and not lead.ref.variant_id:
        body["item_sku"] = lead.sku
    return body


# --- stock and price batches ---------------------------------------------------------------


Batch = ItemBatch[int]
"""One update_stock/update_price call: one item, ≤ batch size distinct models."""


def stock_plan(updates: Sequence[StockUpdate], size: int) -> Plan[Batch]:
    return _plan(
        updates,
        size,
        "stock_list",
        lambda u, model_id: {"model_id": model_id, "seller_stock": [{"stock": u.stock}]},
    )


def price_plan(updates: Sequence[PriceUpdate], size: int) -> Plan[Batch]:
    return _plan(
        updates,
        size,
        "price_list",
        lambda u, model_id: {"model_id": model_id, "original_price": price_to_wire(u.price)},
    )


def _plan(updates: Sequence[Any], size: int, field: str, entry: Callable[..., dict]) -> Plan[Batch]:
    """Updates grouped by item, split so no call exceeds `size` models or repeats a model
    (Shopee refuses "Repeat model_id."; a repeated model goes to a later call, in order)."""

    def body(item_id: int, call: list[tuple[int, int]]) -> dict[str, Any]:
        return {"item_id": item_id, field: [entry(updates[i], model_id) for i, model_id in call]}

    return item_plan(updates, size, lambda update: parse_ref(update.ref), body)


def is_permanent_reason(reason: str) -> bool:
    return bool(_PERMANENT_REASON.search(reason))


def batch_results(batch: Batch, updates: Sequence[Update], reply: wire.BatchResult) -> Results:
    """Per-update results of one call from its failure_list/success_list."""
    failed = {f.model_id: f.failed_reason or "refused" for f in reply.failure_list}
    succeeded = {s.model_id for s in reply.success_list}
    results = []
    for index in batch.indices:
        update = updates[index]
        model_id = int(update.ref.variant_id or 0)
        if model_id in failed:
            reason = failed[model_id]
            error = f"shopee item {batch.item_id} model {model_id}: {reason}"
            result = update_failed(update, error, permanent=is_permanent_reason(reason))
        elif model_id in succeeded:
            result = ItemResult.success(update.ref.sku, update.ref)
        else:
            error = f"shopee item {batch.item_id} model {model_id}: not in success_list"
            result = update_failed(update, error, permanent=False)
        results.append((index, result))
    return results


# --- listings read back --------------------------------------------------------------------


def sellable_stock(info: wire.StockInfo | None) -> int:
    """The seller stock (what update_stock sets), summed over locations.

    Falls back to summary_info.total_available_stock when no seller_stock is given. Whether
    Shopee lowers seller_stock itself when an order reserves stock is UNCONFIRMED.
    """
    if info is None:
        return 0
    if info.seller_stock:
        return min(sum(entry.stock for entry in info.seller_stock), MAX_COUNT)
    return info.summary_info.total_available_stock if info.summary_info else 0


def listed_price(prices: Sequence[wire.PriceInfo]) -> Decimal | None:
    """The original price (what update_price sets; current_price includes promotions)."""
    return prices[0].original_price if prices else None


def item_listing(item: wire.BaseInfoItem) -> RemoteListing:
    return RemoteListing(
        ref=ListingRef(item.item_sku, str(item.item_id)),
        stock=sellable_stock(item.stock_info_v2),
        price=listed_price(item.price_info),
        name=item.item_name,
    )


def model_listings(item: wire.BaseInfoItem, models: wire.ModelList) -> list[RemoteListing]:
    return [
        RemoteListing(
            ref=ListingRef(model.model_sku, str(item.item_id), str(model.model_id)),
            stock=sellable_stock(model.stock_info_v2),
            price=listed_price(model.price_info),
            name=_model_name(item.item_name, models.tier_variation, model.tier_index),
        )
        for model in models.model
    ]


def _model_name(item_name: str, tiers: Sequence[wire.TierVariation], index: Sequence[int]) -> str:
    options = [
        tiers[t].option_list[i].option
        for t, i in enumerate(index)
        if t < len(tiers) and i < len(tiers[t].option_list)
    ]
    return f"{item_name} - {', '.join(options)}" if options else item_name
