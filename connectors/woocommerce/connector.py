"""`WooCommerceConnector`: `sync.protocol.Connector` for one WooCommerce store (REST API v3).

HTTP and authentication live in client.py, listing creation and updates in listings.py,
pure transforms in mapping.py and order_mapping.py.

Batch methods report per-item results: a call that fails transiently (after the in-call
retries) or permanently turns into failed `ItemResult`s for the items it carried and the
rest goes on. An `AuthError` (the keys were refused) and a throttle longer than the in-call
retries wait stop the whole method instead.

The API keys are static: the connector never asks the `TokenVault` for anything, and a
refused key is an `AuthError` at once. `refresh_token` hands the vault a marker that never
expires (no HTTP), so Lapak's scheduled token check is a no-op for WooCommerce stores.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

import structlog
from lapak.connectors.credential_values import secret_text
from lapak.connectors.kit.calls import chunks
from lapak.connectors.kit.client import Wiring
from lapak.connectors.kit.connector import ConnectorBase, not_connected_yet
from lapak.connectors.kit.paging import numbered_pages
from lapak.connectors.kit.updates import Plan, Results, Update
from lapak.connectors.woocommerce import mapping, order_mapping, signing, wire
from lapak.connectors.woocommerce.client import WooClient
from lapak.connectors.woocommerce.listings import (
    PAGE_SIZE,
    STOCKED_TYPES,
    ListingWriter,
    included,
    sku_lists,
)
from lapak.connectors.woocommerce.mapping import BATCH_LIMIT
from lapak.sync.parallel import in_parallel
from lapak.sync.protocol import (
    ConnectorLimits,
    PermanentError,
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
    # WooCommerce itself has no REST rate limit; the host in front of it decides (shared
    # hosting and firewalls block bursts: docs/MARKETPLACES.md#woocommerce-rate-limits).
    # Lapak's own conservative choice.
    rate_per_second=5,
    burst=5,
    stock_batch=BATCH_LIMIT,  # /products/batch and /variations/batch: 100 objects per call
    price_batch=BATCH_LIMIT,
    order_detail_batch=100,  # GET /orders?include=…&per_page=100 (per_page 1..100)
    order_page_size=100,  # per_page maximum of every WP REST collection
    order_window_days=30,  # WooCommerce sets no window: Lapak slices long ranges itself
    # Variations are batched per parent only (/products/{id}/variations/batch;
    # /products/batch refuses a variation), so a call covers one item's variants. Simple
    # products still go 100 to a /products/batch call, whatever their items.
    batch_per_item=True,
    create_batch=BATCH_LIMIT,  # new simple and variable products: 100 per /products/batch
    singles_share_calls=True,
)
ORDER_WINDOW_SECONDS = int(LIMITS.order_window_days * 86400)
STATIC_TOKEN = TokenSet(
    access_token="woocommerce-static-api-keys",
    refresh_token="",
    expires_at=LASTING,
)


class WooCommerceCredentials(BaseModel):
    """A store's REST API keys (read/write) and the secret of its order webhooks (None:
    webhooks are not used). Connecting the store (`lapak connect`, authorization.py) makes
    the key pair; a config may still set one made by hand (WooCommerce > Settings >
    Advanced > REST API)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    consumer_key: str | None = Field(default=None, min_length=1)
    """`ck_…`: identifies the key (sent in clear in OAuth queries; not a secret alone)."""
    consumer_secret: SecretStr | None = None
    webhook_secret: SecretStr | None = None

    @property
    def connected(self) -> bool:
        """Whether these credentials alone reach the store, without `lapak connect`:
        a REST API key pair is set (made by hand) (`sync.store_overview`)."""
        return self.consumer_key is not None and self.consumer_secret is not None


class WooCommerceConnector(ConnectorBase[WooCommerceCredentials]):
    """One WooCommerce store. Build it through `connectors.woocommerce.plugin.create`."""

    platform: ClassVar[str] = "woocommerce"
    limits: ClassVar[ConnectorLimits] = LIMITS

    relative_paths: ClassVar[bool] = False

    def _connect(self, credentials: WooCommerceCredentials, wiring: Wiring) -> None:
        """`store.base_url` is the site's home URL. `tokens` is accepted for the protocol
        and unused: the keys never change."""
        if credentials.consumer_key is None or credentials.consumer_secret is None:
            raise not_connected_yet(self.store)
        self._webhook_secret = secret_text(credentials.webhook_secret)
        self._client = WooClient(
            http=wiring.http,
            retrier=wiring.retrier,
            pacer=wiring.pacer,
            site_url=self.store.base_url,
            consumer_key=credentials.consumer_key,
            consumer_secret=credentials.consumer_secret.get_secret_value(),
            clock=wiring.clock,
        )
        self._writer = ListingWriter(self._client, self._retry_policy, self.store.name)

    # --- listings ------------------------------------------------------------------------

    def scan_listings(self) -> Iterator[RemoteListing]:
        for product in self._pages("/products", wire.Product, {"orderby": "id", "order": "asc"}):
            if product.type == "variable":
                for variation in self._pages(
                    f"/products/{product.id}/variations",
                    wire.Variation,
                    {"orderby": "id", "order": "asc"},
                ):
                    yield mapping.variation_listing(product.id, product.name, variation)
            elif product.type in STOCKED_TYPES:
                yield mapping.product_listing(product)

    def _pages(self, path: str, model: Any, params: Mapping[str, Any]) -> Iterator[Any]:
        """Every item of a collection, page by page (`X-WP-TotalPages` says when to stop)."""
        for items in numbered_pages(
            lambda query: self._client.get_page(path, list[model], query),
            {**params, "per_page": PAGE_SIZE},
            PAGE_SIZE,
        ):
            yield from items

    def read_stock(self, refs: Sequence[ListingRef]) -> list[RemoteListing]:
        """By SKU first: `GET /products?sku=…` finds products and variations alike, up to
        100 SKUs a call, whatever their parents (docs/MARKETPLACES.md#woocommerce-listings).
        A listing its SKU does not find under the same ids (the SKU was changed on the
        store, or holds a comma, which the list cannot carry) is read by id: simple
        products 100 ids a call, each parent's variations 100 a call. The calls go side
        by side (`sync.parallel`)."""
        parsed: list[tuple[ListingRef, int, int]] = []
        for ref in refs:
            try:
                parsed.append((ref, *mapping.parse_ref(ref)))
            except PermanentError:
                continue
        listable = (ref.sku for ref, _, _ in parsed if ref.sku and "," not in ref.sku)
        skus = list(dict.fromkeys(listable))
        found: dict[tuple[str, str], RemoteListing] = {}
        for listings in in_parallel(self._by_sku, sku_lists(skus), at_once=LIMITS.parallel_calls):
            found.update(((x.ref.item_id, x.ref.variant_id), x) for x in listings)
        simple: list[int] = []
        variations: dict[int, list[int]] = {}
        for ref, product_id, variation_id in parsed:
            if (ref.item_id, ref.variant_id) in found:
                continue
            if variation_id:
                variations.setdefault(product_id, []).append(variation_id)
            else:
                simple.append(product_id)
        calls: list[tuple[int, Sequence[int]]] = [
            (0, chunk) for chunk in chunks(list(dict.fromkeys(simple)), PAGE_SIZE)
        ]
        calls += [
            (product_id, chunk)
            for product_id, ids in variations.items()
            for chunk in chunks(list(dict.fromkeys(ids)), PAGE_SIZE)
        ]
        for listings in in_parallel(self._listed, calls, at_once=LIMITS.parallel_calls):
            found.update(((x.ref.item_id, x.ref.variant_id), x) for x in listings)
        return self._in_ref_order(refs, found)

    def _by_sku(self, skus: Sequence[str]) -> list[RemoteListing]:
        """The products and variations holding these SKUs (a variation under its parent)."""
        params = {"sku": ",".join(skus), "per_page": PAGE_SIZE}
        return [
            mapping.sku_listing(product)
            for product in self._client.get("/products", list[wire.Product], params)
        ]

    def _listed(self, call: tuple[int, Sequence[int]]) -> list[RemoteListing]:
        """One call's listings: simple products by id (parent 0), or variations of one
        parent product (`include`, ≤ 100 ids)."""
        parent, ids = call
        if not parent:
            products = included(self._client, "/products", wire.Product, ids)
            return [mapping.product_listing(product) for product in products]
        path = f"/products/{parent}/variations"
        return [
            mapping.variation_listing(parent, "", variation)
            for variation in included(self._client, path, wire.Variation, ids)
        ]

    def upsert_listings(self, drafts: Sequence[ListingDraft]) -> list[ItemResult]:
        return self._writer.upsert(drafts)

    # --- stock and prices ----------------------------------------------------------------

    def update_stock(self, updates: Sequence[StockUpdate]) -> list[ItemResult]:
        return self._push(mapping.stock_plan(updates, LIMITS.stock_batch), updates)

    def update_prices(self, updates: Sequence[PriceUpdate]) -> list[ItemResult]:
        return self._push(mapping.price_plan(updates, LIMITS.price_batch), updates)

    def _push(self, plan: Plan[mapping.Batch], updates: Sequence[Update]) -> list[ItemResult]:
        """One call per batch of the plan, to the batch's path (`kit.updates.push_plan`)."""

        def send(batch: mapping.Batch) -> Results:
            reply = self._client.post(batch.path, batch.body, wire.BatchResult)
            return mapping.batch_results(batch, updates, reply.update)

        return self._push_plan(plan, updates, send)

    # --- orders --------------------------------------------------------------------------

    def list_order_ids(self, since: datetime, until: datetime) -> Iterator[str]:
        """Orders modified in [since, until], in windows of ≤ 30 days; trashed ones too
        (the default status "any" leaves them out, so they are asked for apart).

        `modified_after`/`modified_before`/`dates_are_gmt` exist since WooCommerce 5.8
        (UNCONFIRMED version; older stores ignore them and list every order, which costs
        calls but misses nothing). Paging is by id ascending: an order modified again
        during the scan leaves the window and is listed by the next pull instead."""
        seen: set[str] = set()
        for after, before in order_mapping.order_windows(since, until, ORDER_WINDOW_SECONDS):
            for status in ("any", "trash"):
                params = {
                    "modified_after": after,
                    "modified_before": before,
                    "dates_are_gmt": "true",
                    "status": status,
                    "orderby": "id",
                    "order": "asc",
                    "_fields": "id",
                }
                for ref in self._pages("/orders", wire.Ref, params):
                    order_id = str(ref.id)
                    if order_id not in seen:
                        seen.add(order_id)
                        yield order_id

    def get_orders(self, external_ids: Sequence[str]) -> list[RemoteOrder]:
        found: dict[str, RemoteOrder] = {}
        size = LIMITS.order_detail_batch
        wanted = [i for i in dict.fromkeys(external_ids) if i.isdigit()]
        for chunk in chunks(wanted, size):
            for status in ("any", "trash"):
                missing = [i for i in chunk if i not in found]
                if not missing:
                    break
                params = {"include": ",".join(missing), "per_page": size, "status": status}
                # Each order is read on its own: one malformed order must not hide the others.
                for raw in self._client.get("/orders", list[Any], params):
                    order = order_mapping.parse_order(raw)
                    found[order.external_id] = order
        return [found[i] for i in external_ids if i in found]

    def ship_order(self, external_id: str, tracking_number: str) -> str | None:
        """Mark the order completed (WooCommerce's "fulfilled") with the tracking number in
        `_wc_shipment_tracking_items`.

        WooCommerce itself accepts any status change, so the guards are Lapak's: an unpaid,
        cancelled, failed or refunded order is refused; a shipped one succeeds again with
        the same number and is refused with another.
        """
        if not external_id.isdigit():
            raise PermanentError(f"order {external_id!r} is not a WooCommerce order id")
        path = f"/orders/{external_id}"
        order = self._client.get(path, wire.Order)
        numbers = order_mapping.tracking_numbers(order)
        if order.status in order_mapping.NOT_SHIPPABLE:
            raise PermanentError(
                f"woocommerce order {external_id} is {order.status}: it cannot be shipped",
                code="lapak_order_not_shippable",
            )
        shipped = order.status in order_mapping.SHIPPED
        if shipped and tracking_number in numbers:
            log.info("woocommerce_order_already_shipped", store=self.store.name, order=external_id)
            return None
        if shipped and numbers:
            raise PermanentError(
                f"woocommerce order {external_id} was already shipped with tracking {numbers[-1]}",
                code="lapak_already_shipped",
            )
        body = order_mapping.ship_body(
            order, tracking_number, int(self._clock()), complete=not shipped
        )
        self._client.put(path, body, wire.Order)
        return None

    # --- webhooks, tokens ----------------------------------------------------------------

    def verify_webhook(self, url: str, headers: Mapping[str, str], body: bytes) -> bool:
        """`X-WC-Webhook-Signature` checked against the raw body (the URL is not signed).

        One unsigned body is let through: the ping WooCommerce sends when a seller saves a
        webhook (`webhook_id=N`, WC_Webhook::deliver_ping), which must get exactly 200 or
        the seller sees "Delivery URL returned response code: 401". It names no order, so
        nothing is fetched for it."""
        if order_mapping.is_ping(headers, body):
            return True
        if self._webhook_secret is None:
            return False
        given = order_mapping.header(headers, "X-WC-Webhook-Signature")
        return signing.verify_webhook(self._webhook_secret, body, given)

    def parse_webhook(self, body: bytes, headers: Mapping[str, str] | None = None) -> WebhookEvent:
        return order_mapping.webhook_event(body, headers)

    def refresh_token(self, current: TokenSet | None) -> TokenSet:
        """Nothing to renew: the marker the vault keeps for a store with static API keys."""
        return STATIC_TOKEN
