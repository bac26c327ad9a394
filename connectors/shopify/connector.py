"""`ShopifyConnector`: `sync.protocol.Connector` for one Shopify shop (Admin API 2025-01).

Reads and content writes use the REST Admin API; stock goes through the GraphQL mutation
`inventorySetQuantities` (up to 250 inventory items at the shop's location per call);
prices through REST `PUT /variants/{id}.json` (one variant per call).

Batch methods report per-item results: a call that fails transiently (after the in-call
retries) or permanently turns into failed `ItemResult`s for what it carried, and the rest
goes on. Two failures stop the whole method instead, because carrying on cannot help: an
`AuthError`, and a throttle whose wait is longer than the in-call retries allow.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, ClassVar, Unpack

import structlog
from lapak.connectors.drafts import guarded
from lapak.connectors.kit.client import Wiring
from lapak.connectors.kit.connector import ConnectorBase, Plumbing, not_connected_yet
from lapak.connectors.kit.failures import kept_failure
from lapak.connectors.kit.paging import first_seen
from lapak.connectors.shopify import mapping, order_mapping, signing, wire
from lapak.connectors.shopify.catalog import Catalog
from lapak.connectors.shopify.client import ShopifyClient
from lapak.connectors.shopify.stock import STOCK_BATCH, StockWriter
from lapak.sync.protocol import (
    ConnectorError,
    ConnectorLimits,
    PermanentError,
    StoreSpec,
    TransientError,
)
from lapak.sync.types import (
    LASTING,
    ItemResult,
    ListingDraft,
    ListingRef,
    PriceUpdate,
    RemoteListing,
    RemoteOrder,
    StockUpdate,
    TokenSet,
    WebhookEvent,
)
from pydantic import BaseModel, ConfigDict, Field, SecretStr

log = structlog.get_logger(__name__)

LIMITS = ConnectorLimits(
    rate_per_second=2,  # REST Admin API rate limits: standard plan "2 requests/second"
    burst=40,  # the REST leaky bucket holds 40 requests
    stock_batch=STOCK_BATCH,  # inventorySetQuantities: input arrays hold ≤ 250 (API limits)
    price_batch=1,  # PUT /variants/{id}.json sets one variant's price per call
    order_detail_batch=250,  # GET orders.json?ids=…&limit=250 (limit max 250)
    order_page_size=250,  # GET orders.json: limit max 250, cursor pages by Link header
    order_window_days=3650,  # orders.json has no date window (read_all_orders scope needed
    # past 60 days: UNCONFIRMED); one pull may span any range
    batch_per_item=False,  # one stock call mixes variants of any products; price is 1/call
    # inventorySetQuantities calls go one after another, each waiting for its cost points
    sequential_stock_writes=True,
    # A product is created one per call, but the new products' stock is set in one
    # inventorySetQuantities call per upsert: ten products per upsert make that 1.1 calls a
    # product instead of 2, and ten calls take 5 s at 2 calls/s, inside a push's budget.
    create_batch=10,
)
OPEN_FULFILLMENT = frozenset({"open", "in_progress"})
UNPAID_STATUSES = frozenset({"pending", "voided"})
OFFLINE_TOKEN_EXPIRES = LASTING
"""Offline access tokens do not expire (docs/MARKETPLACES.md#shopify-tokens)."""


class ShopifyCredentials(BaseModel):
    """A Shopify store's credentials: the app's client secret (API secret key: signs
    webhooks and OAuth callbacks) and Client ID (API key: names the app in the install
    link), the offline Admin API access token, the shop's myshopify domain (webhooks for
    another shop are refused), API version and, optionally, the location whose stock Lapak
    manages (default: the shop's primary location).

    `access_token` and `shop_domain` are what connecting the store (`lapak connect`,
    authorization.py) grants; a config may still set them for a custom app's token."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    access_token: SecretStr | None = None
    client_secret: SecretStr
    client_id: str | None = None
    shop_domain: str | None = None
    api_version: str = Field(default="2025-01", pattern=r"^(\d{4}-\d{2}|unstable)$")
    location_id: int | None = None

    @property
    def connected(self) -> bool:
        """Whether these credentials alone reach the store, without `lapak connect`:
        an offline access token is set (installed by hand) (`sync.store_overview`)."""
        return self.access_token is not None


class ShopifyConnector(ConnectorBase[ShopifyCredentials]):
    """One Shopify shop. Build it through `connectors.shopify.plugin.create`."""

    platform: ClassVar[str] = "shopify"
    limits: ClassVar[ConnectorLimits] = LIMITS

    def __init__(
        self,
        store: StoreSpec,
        credentials: ShopifyCredentials,
        *,
        sleep: Callable[[float], None] = time.sleep,
        **plumbing: Unpack[Plumbing],
    ):
        """`sleep` waits before a GraphQL call whose cost the points the last answer stated
        cannot cover yet."""
        self._sleep = sleep
        super().__init__(store, credentials, **plumbing)

    def _connect(self, credentials: ShopifyCredentials, wiring: Wiring) -> None:
        """`tokens` is not consulted: the offline token never changes; the clock judges the
        age of OAuth callbacks."""
        if credentials.access_token is None:
            raise not_connected_yet(self.store)
        self._token = credentials.access_token.get_secret_value()
        self._secret = credentials.client_secret.get_secret_value()
        self._domain = credentials.shop_domain
        self._client = ShopifyClient(
            http=wiring.http,
            retrier=wiring.retrier,
            pacer=wiring.pacer,
            access_token=self._token,
            api_version=credentials.api_version,
            sleep=self._sleep,
        )
        self._catalog = Catalog(
            self._client, self.store.name, credentials.location_id, at_once=LIMITS.parallel_calls
        )
        self._stock = StockWriter(self._client, self._retry_policy, self._catalog.location_id)

    # --- listings ------------------------------------------------------------------------

    def scan_listings(self) -> Iterator[RemoteListing]:
        return self._catalog.scan()

    def read_stock(self, refs: Sequence[ListingRef]) -> list[RemoteListing]:
        return self._catalog.read(refs)

    # --- listings: create and update -----------------------------------------------------

    def upsert_listings(self, drafts: Sequence[ListingDraft]) -> list[ItemResult]:
        results: dict[int, ItemResult] = {}
        bound = [(i, d) for i, d in enumerate(drafts) if d.ref is not None]
        unbound = [(i, d) for i, d in enumerate(drafts) if d.ref is None]
        bound_products = {d.group: d.ref.item_id for _, d in bound if d.ref is not None}
        todo: list[tuple[int, ListingRef, int, int]] = []  # index, ref, inventory item, stock
        for group in mapping.DraftGroup.grouped(
            bound, key=lambda d: d.ref.item_id if d.ref else ""
        ):
            results.update(guarded(group, self._update_group, self._retry_policy))
        for group in mapping.DraftGroup.grouped(unbound, key=lambda d: d.group):
            product_id = bound_products.get(group.key)
            if product_id is None:
                create = partial(self._create_group, todo=todo)
                results.update(guarded(group, create, self._retry_policy))
            else:
                results.update(self._add_variants(group, product_id, todo))
        if todo:
            for index, error, permanent in self._stock.initial(todo):
                draft = drafts[index]
                ref = results[index].ref
                message = f"listed on shopify, but its stock was not set: {error}"
                results[index] = mapping.failed(draft.sku, message, permanent=False, ref=ref)
                if permanent:
                    log.warning("shopify_initial_stock_refused", sku=draft.sku, error=error)
        return [results[i] for i in range(len(drafts))]

    def _create_group(
        self, group: mapping.DraftGroup, todo: list[tuple[int, ListingRef, int, int]]
    ) -> list[ItemResult]:
        body = mapping.product_body(group)
        product = self._client.post("products.json", body, wire.ProductReply, idempotent=False)
        self._catalog.remember([product.product])
        results = []
        for index, (draft, ref, variant) in zip(
            group.indices, mapping.created_refs(group, product.product), strict=True
        ):
            if ref is None or variant is None:
                error = f"product {product.product.id} was created without a variant {draft.sku}"
                results.append(mapping.failed(draft.sku, error, permanent=True))
                continue
            todo.append((index, ref, variant.inventory_item_id, draft.stock))
            results.append(ItemResult.success(draft.sku, ref))
        return results

    def _add_variants(
        self,
        group: mapping.DraftGroup,
        product_id: str,
        todo: list[tuple[int, ListingRef, int, int]],
    ) -> list[tuple[int, ItemResult]]:
        """New SKUs of a bound group: variants added to its product, one call each."""
        results = []
        for index, draft in zip(group.indices, group.drafts, strict=True):
            resource = f"products/{mapping.as_id(product_id, draft.sku, 'item_id')}/variants.json"
            body = {"variant": mapping.variant_body(draft, with_option=True)}
            try:
                made = self._client.post(resource, body, wire.VariantReply, idempotent=False)
            except (TransientError, PermanentError) as exc:
                permanent = kept_failure(exc, self._retry_policy)
                results.append((index, mapping.failed(draft.sku, str(exc), permanent=permanent)))
                continue
            variant = made.variant
            ref = ListingRef(draft.sku, product_id, str(variant.id))
            self._catalog.remember_variant(ref, variant)
            todo.append((index, ref, variant.inventory_item_id, draft.stock))
            results.append((index, ItemResult.success(draft.sku, ref)))
        return results

    def _update_group(self, group: mapping.DraftGroup) -> list[ItemResult]:
        product_id = mapping.as_id(group.key, group.lead.sku, "item_id")
        current = self._client.get(f"products/{product_id}.json", {}, wire.ProductReply).product
        body = mapping.update_body(group, current)
        self._client.put(f"products/{product_id}.json", body, wire.ProductReply)
        results = []
        for draft in group.drafts:
            ref = draft.ref
            if ref is None or mapping.find_variant(current, ref) is None:
                error = (
                    f"variant {ref.variant_id if ref else '?'} is gone from product {product_id}"
                )
                results.append(mapping.failed(draft.sku, error, permanent=True, ref=ref))
            else:
                results.append(ItemResult.success(draft.sku, ref))
        return results

    # --- stock and prices ----------------------------------------------------------------

    def update_stock(self, updates: Sequence[StockUpdate]) -> list[ItemResult]:
        refs = [u.ref for u in updates]
        results: dict[int, ItemResult] = {}
        try:
            resolved = self._catalog.variant_ids(refs)
        except (TransientError, PermanentError) as exc:
            permanent = kept_failure(exc, self._retry_policy)
            return [mapping.failed(r.sku, str(exc), permanent=permanent, ref=r) for r in refs]
        for index, ref in enumerate(refs):
            if index not in resolved:
                error = f"shopify product {ref.item_id} variant {ref.variant_id or '-'} not found"
                results[index] = mapping.failed(ref.sku, error, permanent=True, ref=ref)
        entries = [(index, ids[1], updates[index].stock) for index, ids in resolved.items()]
        for index, error, permanent in self._stock.set(entries):
            if permanent:
                self._catalog.forget(refs[index])
            results[index] = mapping.failed(
                refs[index].sku, error, permanent=permanent, ref=refs[index]
            )
        for index in resolved:
            results.setdefault(index, ItemResult.success(refs[index].sku, refs[index]))
        return [results[i] for i in range(len(updates))]

    def update_prices(self, updates: Sequence[PriceUpdate]) -> list[ItemResult]:
        """One `PUT /variants/{id}.json` per update; a single-SKU ref (variant_id "") is
        first resolved to its product's one variant."""
        unnamed = [u.ref for u in updates if not u.ref.variant_id]
        resolved: dict[int, tuple[int, int]] = {}
        unresolved: ConnectorError | None = None
        if unnamed:
            try:
                resolved = self._catalog.variant_ids(unnamed)
            except (TransientError, PermanentError) as exc:
                if self._retry_policy.beyond_cap(exc):
                    raise
                unresolved = exc
        by_ref = {(unnamed[i].item_id, unnamed[i].sku): ids[0] for i, ids in resolved.items()}
        return [
            self._set_price(u, by_ref.get((u.ref.item_id, u.ref.sku)), unresolved) for u in updates
        ]

    def _set_price(
        self, update: PriceUpdate, default_variant: int | None, unresolved: ConnectorError | None
    ) -> ItemResult:
        ref = update.ref
        variant_id = int(ref.variant_id) if ref.variant_id.isdigit() else default_variant
        if variant_id is None and unresolved is not None and not ref.variant_id:
            permanent = isinstance(unresolved, PermanentError)
            return mapping.failed(ref.sku, str(unresolved), permanent=permanent, ref=ref)
        if variant_id is None:
            error = f"shopify product {ref.item_id} variant {ref.variant_id or '-'} not found"
            return mapping.failed(ref.sku, error, permanent=True, ref=ref)
        body = {"variant": {"id": variant_id, "price": mapping.money(update.price)}}
        try:
            self._client.put(f"variants/{variant_id}.json", body, wire.VariantReply)
        except (TransientError, PermanentError) as exc:
            permanent = kept_failure(exc, self._retry_policy)
            return mapping.failed(ref.sku, str(exc), permanent=permanent, ref=ref)
        return ItemResult.success(ref.sku, ref)

    # --- orders --------------------------------------------------------------------------

    def list_order_ids(self, since: datetime, until: datetime) -> Iterator[str]:
        """Orders updated in [since, until] (a creation is an update), every status."""
        params = {
            "status": "any",
            "updated_at_min": _iso(math.floor(since.timestamp())),
            "updated_at_max": _iso(math.ceil(until.timestamp())),
            "limit": LIMITS.order_page_size,
            "fields": "id,updated_at",
        }
        listed = self._client.pages("orders.json", params, wire.OrderIdList)
        orders = (order for page in listed for order in page.orders)
        for order in first_seen(orders, key=lambda order: order.id):
            yield str(order.id)

    def get_orders(self, external_ids: Sequence[str]) -> list[RemoteOrder]:
        wanted = [i for i in dict.fromkeys(external_ids) if i.isdigit()]
        found: dict[str, RemoteOrder] = {}
        size = LIMITS.order_detail_batch
        for start in range(0, len(wanted), size):
            chunk = wanted[start : start + size]
            params = {"ids": ",".join(chunk), "status": "any", "limit": size}
            page = self._client.get("orders.json", params, RawOrderList)
            for raw in page.orders:
                order = order_mapping.parse_order(raw)
                found[order.external_id] = order
        return [found[i] for i in external_ids if i in found]

    def ship_order(self, external_id: str, tracking_number: str) -> str | None:
        """Fulfil every open line with this tracking number (FulfillmentOrder API).

        Shopify would fulfil an unpaid order; Lapak ships paid orders only, so a pending or
        voided one is refused here. Shipping again with the same number succeeds (the first
        call may have landed before its answer was lost); another number is refused.
        """
        order_id = mapping.as_id(external_id, external_id, "order id")
        fields = {"fields": "id,financial_status,cancelled_at"}
        order = self._client.get(f"orders/{order_id}.json", fields, wire.OrderStatusReply).order
        financial = (order.financial_status or "").lower()
        if order.cancelled_at is None and financial in UNPAID_STATUSES:
            raise PermanentError(
                f"order {order_id}: financial_status {financial}: unpaid orders are not shipped",
                code="unpaid",
            )
        resource = f"orders/{order_id}/fulfillment_orders.json"
        orders = self._client.get(resource, {}, wire.FulfillmentOrderList).fulfillment_orders
        targets = [fo for fo in orders if fo.status in OPEN_FULFILLMENT]
        if not targets and self._already_shipped(order_id, tracking_number):
            return None
        body = {
            "fulfillment": {
                "line_items_by_fulfillment_order": [
                    {"fulfillment_order_id": fo.id} for fo in (targets or orders)
                ],
                "tracking_info": {"number": tracking_number},
                "notify_customer": False,
            }
        }
        if not body["fulfillment"]["line_items_by_fulfillment_order"]:
            raise PermanentError(f"order {order_id}: no fulfillment orders to ship")
        try:
            self._client.post("fulfillments.json", body, wire.FulfillmentReply, idempotent=False)
        except PermanentError:
            if targets and self._already_shipped(order_id, tracking_number):
                return None
            raise
        return None

    def _already_shipped(self, order_id: int, tracking_number: str) -> bool:
        resource = f"orders/{order_id}/fulfillments.json"
        shipped = self._client.get(resource, {}, wire.FulfillmentList).fulfillments
        same = any(
            f.status == "success" and tracking_number in (f.tracking_number, *f.tracking_numbers)
            for f in shipped
        )
        if same:
            log.info("shopify_order_already_shipped", store=self.store.name, order=order_id)
        return same

    # --- webhooks, tokens ----------------------------------------------------------------

    def verify_webhook(self, url: str, headers: Mapping[str, str], body: bytes) -> bool:
        lowered = {key.lower(): value for key, value in headers.items()}
        domain = lowered.get("x-shopify-shop-domain")
        if self._domain and domain and domain.strip().lower() != self._domain.lower():
            return False
        return signing.verify_webhook(self._secret, body, lowered.get("x-shopify-hmac-sha256"))

    def parse_webhook(self, body: bytes, headers: Mapping[str, str] | None = None) -> WebhookEvent:
        return order_mapping.webhook_event(body, headers)

    def verify_oauth_callback(self, params: Mapping[str, Any]) -> bool:
        """True for an OAuth redirect signed with this app's client secret, under 24 h old."""
        return signing.verify_oauth_callback(self._secret, params, self._clock())

    def refresh_token(self, current: TokenSet | None) -> TokenSet:
        """The offline token as a token set that never needs renewing (nothing is called)."""
        return TokenSet(
            access_token=self._token, refresh_token="", expires_at=OFFLINE_TOKEN_EXPIRES
        )


class RawOrderList(BaseModel):
    """orders.json kept as raw objects (each validated as `wire.Order`, and kept as `raw`)."""

    model_config = ConfigDict(extra="ignore")

    orders: list[dict[str, Any]]


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()
