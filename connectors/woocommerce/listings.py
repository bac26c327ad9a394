"""`ListingWriter`: how the WooCommerce connector creates and updates listings.

Unbound drafts: simple products and variable parents go in one `/products/batch` create,
then each parent's variations through its `/variations/batch`. A SKU WooCommerce already
holds (`product_invalid_sku`, naming the holder in `resource_id`) is adopted and made to
match the draft, so a create repeated after a lost answer, or a seller's own listing with
the same SKU, binds instead of duplicating; a variable parent found by its group SKU gets
the new options and variations (a variant added to an item Lapak made before).

Bound drafts: the content (name, description, categories, weight; images when their URLs
changed) of their products in one `/products/batch` update, then the weight of each
variable product's variations. Stock and price go through their own calls.

Creates are not retried in-call (no blind retry of a non-idempotent create:
docs/push.md#the-create-intent); a
create that failed is made again by the next push and then adopted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import structlog
from lapak.connectors.http import RetryPolicy
from lapak.connectors.kit.calls import chunks
from lapak.connectors.kit.failures import kept_failure
from lapak.connectors.woocommerce import mapping, wire
from lapak.connectors.woocommerce.client import WooClient
from lapak.connectors.woocommerce.mapping import BATCH_LIMIT, DUPLICATE_SKU, DraftGroup
from lapak.sync.protocol import PermanentError, TransientError
from lapak.sync.types import ItemResult, ListingDraft, ListingRef

log = structlog.get_logger(__name__)

PAGE_SIZE = 100
STOCKED_TYPES = frozenset({"simple"})
"""Product types whose own row holds stock (grouped and external products hold none)."""


class ListingWriter:
    """Creates and updates the listings of one store through `client`."""

    def __init__(self, client: WooClient, retry_policy: RetryPolicy, store_name: str) -> None:
        self._client = client
        self._retry_policy = retry_policy
        self._store = store_name

    def upsert(self, drafts: Sequence[ListingDraft]) -> list[ItemResult]:
        """`Connector.upsert_listings`: one result per draft, in input order."""
        results: dict[int, ItemResult] = {}
        bound = [(i, d) for i, d in enumerate(drafts) if d.ref is not None]
        unbound = [(i, d) for i, d in enumerate(drafts) if d.ref is None]
        groups = mapping.DraftGroup.grouped(bound, key=lambda d: d.ref.item_id if d.ref else "")
        for chunk in chunks(groups, BATCH_LIMIT):
            results.update(self._guarded(chunk, self._update_groups))
        groups = mapping.DraftGroup.grouped(unbound, key=lambda d: d.group)
        for chunk in chunks(groups, BATCH_LIMIT):
            results.update(self._guarded(chunk, self._create_groups))
        return [results[i] for i in range(len(drafts))]

    def _guarded(
        self,
        groups: Sequence[DraftGroup],
        action: Callable[[Sequence[DraftGroup]], dict[int, ItemResult]],
    ) -> dict[int, ItemResult]:
        """`action(groups)`, or every draft of them failed with the error it raised."""
        try:
            return action(groups)
        except (TransientError, PermanentError) as exc:
            if self._retry_policy.beyond_cap(exc):
                raise
            return _all_failed(groups, str(exc), permanent=isinstance(exc, PermanentError))

    # creating

    def _create_groups(self, groups: Sequence[DraftGroup]) -> dict[int, ItemResult]:
        """One `/products/batch` create for simple products and variable parents, then each
        parent's variations."""
        results: dict[int, ItemResult] = {}
        bodies: list[dict[str, Any]] = []
        sent: list[DraftGroup] = []
        for group in groups:
            try:
                build = mapping.parent_body if group.has_variants else mapping.simple_body
                bodies.append(build(group))
                sent.append(group)
            except PermanentError as exc:
                results.update(_all_failed([group], str(exc), permanent=True))
        if not bodies:
            return results
        reply = self._client.post(
            "/products/batch", {"create": bodies}, wire.BatchResult, idempotent=False
        )
        for position, group in enumerate(sent):
            entry = reply.create[position] if position < len(reply.create) else None
            outcome = (
                self._guarded([group], partial(self._created, entry))
                if entry is not None
                else _all_failed([group], "no answer for this product", permanent=False)
            )
            results.update(outcome)
        return results

    def _created(
        self, entry: wire.BatchEntry, groups: Sequence[DraftGroup]
    ) -> dict[int, ItemResult]:
        """Results of one group (the only one in `groups`) from its entry of the create answer."""
        (group,) = groups
        error = entry.error
        if error is not None and not (error.code == DUPLICATE_SKU and error.resource_id):
            text = f"woocommerce: {mapping.item_error_text(error)}"
            return _all_failed([group], text, permanent=mapping.is_permanent(error))
        if not group.has_variants:
            index, draft = group.indices[0], group.lead
            if error is not None and error.resource_id:
                return {index: self._adopt(draft, error.resource_id, group)}
            return {index: ItemResult.success(draft.sku, ListingRef(draft.sku, str(entry.id)))}
        if error is not None and error.resource_id:
            parent_id = self._adopt_parent(group, error.resource_id)
        else:
            parent_id = entry.id
        return self._create_variations(group, parent_id)

    def _adopt(self, draft: ListingDraft, found_id: int, group: DraftGroup) -> ItemResult:
        """The listing WooCommerce says already holds the draft's SKU, made to match it."""
        found = self._client.get(f"/products/{found_id}", wire.Product)
        if found.type == "variation":
            ref = ListingRef(draft.sku, str(found.parent_id), str(found.id))
            path = f"/products/{found.parent_id}/variations/{found.id}"
            body = mapping.adopted_body(draft, variation=True)
        elif found.type in STOCKED_TYPES:
            ref, path = ListingRef(draft.sku, str(found.id)), f"/products/{found.id}"
            body = mapping.adopted_body(draft, variation=False) | mapping.content_fields(group)
            if mapping.images_changed(found, group.image_urls):
                body |= mapping.image_fields(group.image_urls)
        else:
            raise PermanentError(f"{draft.sku}: the SKU is held by {found.type} product {found.id}")
        self._client.put(path, body, wire.Stocked)
        log.info("woocommerce_listing_adopted", store=self._store, sku=draft.sku, ref=ref)
        return ItemResult.success(draft.sku, ref)

    def _adopt_parent(self, group: DraftGroup, found_id: int) -> int:
        """The variable product already holding the group's SKU, given our options."""
        found = self._client.get(f"/products/{found_id}", wire.Product)
        if found.type != "variable":
            raise PermanentError(
                f"{group.key}: the SKU is held by {found.type} product {found.id}, not a "
                "variable product"
            )
        body: dict[str, Any] = mapping.content_fields(group) | {
            "attributes": mapping.merged_attributes(found, mapping.variant_options(group))
        }
        if mapping.images_changed(found, group.image_urls):
            body |= mapping.image_fields(group.image_urls)
        self._client.put(f"/products/{found.id}", body, wire.Product)
        log.info("woocommerce_parent_adopted", store=self._store, group=group.key)
        return found.id

    def _create_variations(self, group: DraftGroup, parent_id: int) -> dict[int, ItemResult]:
        results: dict[int, ItemResult] = {}
        options = mapping.variant_options(group)
        members = list(zip(group.indices, group.drafts, options, strict=True))
        for chunk in chunks(members, BATCH_LIMIT):
            body = {"create": [mapping.variation_body(draft, option) for _, draft, option in chunk]}
            path = f"/products/{parent_id}/variations/batch"
            try:
                reply = self._client.post(path, body, wire.BatchResult, idempotent=False)
            except (TransientError, PermanentError) as exc:
                if self._retry_policy.beyond_cap(exc):
                    raise
                text = f"product {parent_id} created without this variation: {exc}"
                permanent = isinstance(exc, PermanentError)
                results.update(
                    (i, ItemResult.failure(d.sku, text, permanent=permanent)) for i, d, _ in chunk
                )
                continue
            for position, (index, draft, _) in enumerate(chunk):
                entry = reply.create[position] if position < len(reply.create) else None
                results[index] = self._variation_created(draft, parent_id, entry, group)
        return results

    def _variation_created(
        self, draft: ListingDraft, parent_id: int, entry: wire.BatchEntry | None, group: DraftGroup
    ) -> ItemResult:
        if entry is None:
            return ItemResult.failure(draft.sku, "no answer for this variation", permanent=False)
        error = entry.error
        if error is None:
            ref = ListingRef(draft.sku, str(parent_id), str(entry.id))
            return ItemResult.success(draft.sku, ref)
        if error.code == DUPLICATE_SKU and error.resource_id:
            try:
                return self._adopt(draft, error.resource_id, group)
            except (TransientError, PermanentError) as exc:
                permanent = kept_failure(exc, self._retry_policy)
                return ItemResult.failure(draft.sku, str(exc), permanent=permanent)
        text = f"woocommerce variation: {mapping.item_error_text(error)}"
        return ItemResult.failure(draft.sku, text, permanent=mapping.is_permanent(error))

    # updating bound listings

    def _update_groups(self, groups: Sequence[DraftGroup]) -> dict[int, ItemResult]:
        """Content of bound products in one `/products/batch` update, then the weight of
        each variable product's variations (stock and price go through their own calls)."""
        results: dict[int, ItemResult] = {}
        ids: dict[str, int] = {}
        for group in groups:
            try:
                ids[group.key] = mapping.as_id(group.key, "product id", group.lead.sku)
                mapping.category_ids(group.category_id, group.lead.sku)
            except PermanentError as exc:
                results.update(_all_failed([group], str(exc), permanent=True))
        live = [g for g in groups if g.key in ids]
        if not live:
            return results
        current = {
            p.id: p for p in included(self._client, "/products", wire.Product, list(ids.values()))
        }
        entries: list[dict[str, Any]] = []
        sent: list[DraftGroup] = []
        for group in live:
            product = current.get(ids[group.key])
            if product is None:
                text = f"woocommerce product {group.key} not found (deleted on the store?)"
                results.update(_all_failed([group], text, permanent=True))
                continue
            entries.append(_content_entry(group, product))
            sent.append(group)
        if not entries:
            return results
        reply = self._client.post("/products/batch", {"update": entries}, wire.BatchResult)
        for position, group in enumerate(sent):
            entry = reply.update[position] if position < len(reply.update) else None
            if entry is None or entry.error is not None:
                error = entry.error if entry else None
                text = mapping.item_error_text(error) if error else "no answer for this product"
                permanent = mapping.is_permanent(error) if error else False
                results.update(_all_failed([group], f"woocommerce: {text}", permanent=permanent))
            elif group.has_variants:
                results.update(self._guarded([group], self._update_variations))
            else:
                results[group.indices[0]] = ItemResult.success(group.lead.sku, group.lead.ref)
        return results

    def _update_variations(self, groups: Sequence[DraftGroup]) -> dict[int, ItemResult]:
        group = groups[0]
        entries = [
            {
                "id": mapping.parse_ref(draft.ref)[1],
                "weight": mapping.grams_to_kg(draft.weight_grams),
            }
            for draft in group.drafts
            if draft.ref is not None
        ]
        path = f"/products/{group.key}/variations/batch"
        reply = self._client.post(path, {"update": entries}, wire.BatchResult)
        results: dict[int, ItemResult] = {}
        for position, (index, draft) in enumerate(zip(group.indices, group.drafts, strict=True)):
            entry = reply.update[position] if position < len(reply.update) else None
            if entry is not None and entry.error is None:
                results[index] = ItemResult.success(draft.sku, draft.ref)
            else:
                error = entry.error if entry else None
                text = mapping.item_error_text(error) if error else "no answer for this variation"
                permanent = mapping.is_permanent(error) if error else False
                results[index] = ItemResult.failure(
                    draft.sku, f"woocommerce: {text}", permanent=permanent, ref=draft.ref
                )
        return results


def _content_entry(group: DraftGroup, product: wire.Product) -> dict[str, Any]:
    """A `/products/batch` update entry with the group's content."""
    entry: dict[str, Any] = {"id": product.id, **mapping.content_fields(group)}
    if not group.has_variants:
        entry["weight"] = mapping.grams_to_kg(group.lead.weight_grams)
    if mapping.images_changed(product, group.image_urls):
        entry |= mapping.image_fields(group.image_urls)
    return entry


def _all_failed(
    groups: Sequence[DraftGroup], error: str, *, permanent: bool
) -> dict[int, ItemResult]:
    return {
        index: ItemResult.failure(draft.sku, error, permanent=permanent, ref=draft.ref)
        for group in groups
        for index, draft in zip(group.indices, group.drafts, strict=True)
    }


SKU_QUERY_CHARS = 4_000
"""At most this many characters of SKUs (and their separators) in one `sku=` query: a
hundred SKUs of up to 64 characters would make a request line past the 8 KB many web
servers in front of WordPress accept."""


def sku_lists(skus: Sequence[str]) -> list[list[str]]:
    """The SKUs in lists for `GET /products?sku=…`: at most a page (100) and
    `SKU_QUERY_CHARS` a list (a comma is sent as `%2C`)."""
    lists: list[list[str]] = []
    size = 0
    for sku in skus:
        cost = len(sku) + 3
        if not lists or len(lists[-1]) == PAGE_SIZE or size + cost > SKU_QUERY_CHARS:
            lists.append([])
            size = 0
        lists[-1].append(sku)
        size += cost
    return lists


def included(client: WooClient, path: str, model: Any, ids: Sequence[int]) -> list[Any]:
    """The rows of a collection with these ids (≤ 100); a vanished parent has none."""
    params = {"include": ",".join(map(str, ids)), "per_page": PAGE_SIZE}
    try:
        return client.get(path, list[model], params)
    except PermanentError as exc:
        if exc.code in mapping.INVALID_ID_CODES:
            return []
        raise
