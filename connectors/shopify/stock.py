"""Absolute stock through GraphQL `inventorySetQuantities`, up to 250 items per call.

Input (InventorySetQuantitiesInput, Admin GraphQL 2025-01): name "available", reason
"correction", `ignoreCompareQuantity: true` (Lapak is the source of truth and pushes
absolute values, docs/rules.md, rule 3) and `quantities` of {inventoryItemId, locationId, quantity}
GIDs at the managed location. Input arrays hold at most 250 entries (shopify.dev API
limits). An item whose input is refused comes back as a userError whose `field` is
["input", "quantities", "<index>", ...]; when the payload's `inventoryAdjustmentGroup` is
null nothing was applied (whether Shopify applies the valid rest is UNCONFIRMED), so the
other items are sent again without the refused ones, until each is applied or refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lapak.connectors.http import RetryPolicy
from lapak.connectors.shopify import mapping, wire
from lapak.connectors.shopify.client import ShopifyClient
from lapak.sync.protocol import PermanentError, TransientError
from lapak.sync.types import ListingRef

SET_QUANTITIES = """
mutation inventorySetQuantities($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { createdAt reason changes { name delta } }
    userErrors { code field message }
  }
}
""".strip()
FIELD = "inventorySetQuantities"
COST = 10
"""Requested cost of the mutation in points: "mutations cost 10 points" (GraphQL cost guide,
docs/MARKETPLACES.md#shopify-rate-limits)."""
STOCK_BATCH = 250
"""Quantities per call: "Input arguments that accept an array have a maximum size of 250"."""
REASON = "correction"

Failure = tuple[int, str, bool]
"""(input index, error, permanent)."""


class StockWriter:
    def __init__(
        self, client: ShopifyClient, policy: RetryPolicy, location_id: Callable[[], int]
    ) -> None:
        self._client = client
        self._policy = policy
        self._location_id = location_id

    def set(self, entries: Sequence[tuple[int, int, int]]) -> list[Failure]:
        """Set (index, inventory item, stock) entries; the failures, by index."""
        if not entries:
            return []
        stock = {index: value for index, _, value in entries}
        try:
            location = self._location_id()
        except (TransientError, PermanentError) as exc:
            return self._all_failed([index for index, _, _ in entries], exc)
        failures: list[Failure] = []
        pairs = [(index, item) for index, item, _ in entries]
        for chunk in mapping.chunk_distinct(pairs, STOCK_BATCH):
            failures += self._set_chunk(chunk, stock, location)
        return failures

    def initial(self, todo: Sequence[tuple[int, ListingRef, int, int]]) -> list[Failure]:
        """Stock of newly created variants: (index, ref, inventory item, stock) entries."""
        return self.set([(index, item, stock) for index, _, item, stock in todo])

    def _set_chunk(
        self, chunk: Sequence[tuple[int, int]], stock: dict[int, int], location: int
    ) -> list[Failure]:
        pending = list(chunk)
        failures: list[Failure] = []
        while pending:
            variables = {
                "input": {
                    "name": "available",
                    "reason": REASON,
                    "ignoreCompareQuantity": True,
                    "quantities": mapping.quantities(pending, stock.__getitem__, location),
                }
            }
            try:
                data = self._client.graphql(SET_QUANTITIES, variables, FIELD, cost=COST)
            except (TransientError, PermanentError) as exc:
                return failures + self._all_failed([index for index, _ in pending], exc)
            payload = wire.validate(wire.InventorySetPayload, data, FIELD)
            if not payload.userErrors:
                return failures
            positions = mapping.failed_positions(payload.userErrors)
            if positions is None or any(p >= len(pending) for p in positions):
                text = "; ".join(mapping.user_error_text(e) for e in payload.userErrors)
                permanent = all(e.code in mapping.PERMANENT_CODES for e in payload.userErrors)
                return failures + [(index, text, permanent) for index, _ in pending]
            for position, error in positions.items():
                index, item = pending[position]
                text = f"inventory item {item}: {mapping.user_error_text(error)}"
                failures.append((index, text, error.code in mapping.PERMANENT_CODES))
            if payload.inventoryAdjustmentGroup is not None:
                return failures  # the rest was applied
            pending = [entry for p, entry in enumerate(pending) if p not in positions]
        return failures

    def _all_failed(self, indices: Sequence[int], exc: Exception) -> list[Failure]:
        if self._policy.beyond_cap(exc):
            raise exc
        permanent = isinstance(exc, PermanentError)
        return [(index, str(exc), permanent) for index in indices]
