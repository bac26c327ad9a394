"""`TikTokConnector`: `sync.protocol.Connector` for one TikTok Shop (Partner API 202309, ID).

Batch methods report per-item results: a call that fails transiently (after the in-call
retries) or permanently turns into failed `ItemResult`s for the updates it carried and the
rest of the batch goes on. Two failures stop the whole method instead, because carrying on
cannot help: an `AuthError`, and a throttle whose Retry-After is longer than the in-call
retries wait (the job layer reschedules the whole push after it).

Shipping: Indonesian sellers who ship with their own courier use Ship Package
(`POST /fulfillment/202309/packages/{package_id}/ship`) with `self_shipment` {tracking_number,
shipping_provider_id} — the "Seller Shipping" option of ship-package.spec.json. Mark Package
As Shipped is for the seller-shipping markets (US, UK, EU, JP) only
(docs/MARKETPLACES.md#tiktok-shop-orders).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar, TypeVar

import structlog
from lapak.connectors.credential_values import secret_text
from lapak.connectors.drafts import UpsertByGroup
from lapak.connectors.kit.calls import chunks
from lapak.connectors.kit.client import Wiring
from lapak.connectors.kit.connector import ConnectorBase, header_value
from lapak.connectors.kit.failures import kept_failure
from lapak.connectors.kit.images import HostedImages, uploaded
from lapak.connectors.kit.paging import creation_windows, first_seen, time_windows, token_pages
from lapak.connectors.kit.updates import Results, batch_failed, update_failed
from lapak.connectors.tiktok import mapping, order_mapping, signing, wire
from lapak.connectors.tiktok.client import IMAGE_LIMIT, MAX_IMAGE_BYTES, TikTokClient, auth_base_url
from lapak.sync.parallel import in_parallel
from lapak.sync.protocol import (
    AuthError,
    ConnectorLimits,
    PermanentError,
    TransientError,
)
from lapak.sync.types import (
    ItemResult,
    ListingRef,
    PriceUpdate,
    RemoteListing,
    RemoteOrder,
    StockUpdate,
    TokenSet,
    WebhookEvent,
)
from pydantic import BaseModel, ConfigDict, SecretStr

log = structlog.get_logger(__name__)

Paged = TypeVar("Paged", bound=wire.SearchPage)

LIMITS = ConnectorLimits(
    # rate-limits.md: "a default rate limit of 50 QPS ... for each API", keyed on app + shop.
    # Lapak paces a store through one bucket for all APIs, so no API ever exceeds 50/s.
    rate_per_second=50,
    burst=50,
    # update-inventory / update-price: all SKUs of a call belong to one product, and "A
    # single product cannot have more than 100 different SKUs" (max SKUs outside
    # BR/EU/JP/MX/UK/US: 100, create-product.spec.json).
    stock_batch=100,
    price_batch=100,
    order_detail_batch=50,  # get-order-detail.spec.json ids: "Max count: 50"
    order_page_size=100,  # get-order-list.spec.json page_size: "Valid range: [1-100]"
    # TikTok publishes no maximum time range for Get Order List; Lapak asks 30 days per
    # search so one huge re-pull does not become one endless cursor (Lapak's choice).
    order_window_days=30,
    batch_per_item=True,
)
PRODUCT_PAGE_SIZE = 100  # search-products.spec.json page_size: "Valid range: [1-100]"
SEARCH_RESULTS_MAX = 10_000  # deeper pages refused: 12052180 (docs/MARKETPLACES.md)
SEARCH_FILTER_IDS = 10  # sku_ids per search: "exceeds the limit of 10" (12019087)
SHOP_LAUNCH = 1_609_459_200
"""2021-01-01, before TikTok Shop sold in Indonesia: no product was created earlier."""
RETURN_PAGE_SIZE = 50  # search-returns.spec.json page_size: "Valid range: [10-50]"
RETURN_ORDER_BATCH = 50  # order_ids per Search Returns call: no documented maximum (UNCONFIRMED)
ORDER_WINDOW_SECONDS = int(LIMITS.order_window_days * 86400)

WAREHOUSES = "/logistics/202309/warehouses"
SEARCH_PRODUCTS = "/product/202309/products/search"
CREATE_PRODUCT = "/product/202309/products"
PARTIAL_EDIT = "/product/202309/products/{}/partial_edit"
UPDATE_INVENTORY = "/product/202309/products/{}/inventory/update"
UPDATE_PRICE = "/product/202309/products/{}/prices/update"
SEARCH_ORDERS = "/order/202309/orders/search"
ORDER_DETAIL = "/order/202309/orders"
SEARCH_RETURNS = "/return_refund/202309/returns/search"
SHIPPING_PROVIDERS = "/logistics/202309/delivery_options/{}/shipping_providers"
SHIP_PACKAGE = "/fulfillment/202309/packages/{}/ship"

MISSING_SCOPE = "105005"
"""Access denied: the app or token lacks the API's access scope (common-errors.md)."""
SKU_LEVEL_CODES = frozenset({"12052557", "12052556", "12052553", "12019059"})
"""Whole-call price refusals caused by one SKU; the call is then split per SKU."""


class TikTokCredentials(BaseModel):
    """A TikTok Shop store's credentials: the app's key and secret and its `service_id` (the
    authorization link's, from Partner Center), from the config; the shop's cipher (from
    Get Authorized Shops) and the refresh token of the seller's authorization, which
    `lapak connect` obtains (docs/connect.md; a config may still name them for a shop
    authorized by hand). Later tokens live in the TokenVault.

    `auth_base_url` overrides where tokens are refreshed (default: TikTok's auth host for
    the production API host, else the store's base URL). `shipping_provider_id` is the
    seller's own courier for Ship Package (default: the first provider TikTok lists for the
    order's delivery option).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    app_key: str
    app_secret: SecretStr
    service_id: str | None = None
    shop_cipher: str | None = None
    refresh_token: SecretStr | None = None
    shop_id: str | None = None
    """The shop's id, kept from the authorization (Lapak signs with the cipher)."""
    auth_base_url: str | None = None
    shipping_provider_id: str | None = None

    @property
    def connected(self) -> bool:
        """Whether these credentials alone reach the store, without `lapak connect`:
        its shop cipher and a refresh token are set (authorized by hand) (`sync.store_overview`)."""
        return self.shop_cipher is not None and self.refresh_token is not None


class TikTokConnector(ConnectorBase[TikTokCredentials], UpsertByGroup[mapping.DraftGroup]):
    """One TikTok shop. Build it through `connectors.tiktok.plugin.create`."""

    group_type: ClassVar[type[mapping.DraftGroup]] = mapping.DraftGroup
    item_name: ClassVar[str] = "tiktok product"

    platform: ClassVar[str] = "tiktok"
    limits: ClassVar[ConnectorLimits] = LIMITS

    def _connect(self, credentials: TikTokCredentials, wiring: Wiring) -> None:
        self._app_key = credentials.app_key
        self._app_secret = credentials.app_secret.get_secret_value()
        self._provider_id = credentials.shipping_provider_id
        self._client = TikTokClient(
            wiring,
            app_key=credentials.app_key,
            app_secret=self._app_secret,
            shop_cipher=credentials.shop_cipher,
            initial_refresh_token=secret_text(credentials.refresh_token),
            auth_url=auth_base_url(self.store.base_url, credentials.auth_base_url),
        )
        self._image_uri = HostedImages(
            uploaded(wiring, self._upload_image, max_bytes=MAX_IMAGE_BYTES, limit=IMAGE_LIMIT)
        )
        self._warehouse_id: str | None = None
        self._providers: dict[str, str] = {}

    # --- listings ------------------------------------------------------------------------

    def scan_listings(self) -> Iterator[RemoteListing]:
        """Every product not deleted. Search Products pages no deeper than 10,000 results
        (docs/MARKETPLACES.md#tiktok-shop-batches), so a larger shop is searched in windows
        of creation time, halved until each fits."""
        pages = creation_windows(
            self._products_created,
            lambda page: page.total_count <= SEARCH_RESULTS_MAX,
            (SHOP_LAUNCH, int(self._clock()) + 86_400),
            shared_boundary=False,
            too_dense=f"{SEARCH_PRODUCTS}: more than {SEARCH_RESULTS_MAX} in 1 s",
        )
        for page in pages:
            for product in page.products:
                if product.status not in mapping.GONE_STATUSES:
                    yield from mapping.product_listings(product)

    def _products_created(self, window: tuple[int, int] | None) -> Iterator[wire.ProductPage]:
        """The pages of products created within `window` (inclusive unix seconds; None: all)."""
        body: dict[str, Any] = {"status": "ALL"}
        if window is not None:
            body.update(create_time_ge=window[0], create_time_le=window[1])
        return self._search(
            SEARCH_PRODUCTS, body, wire.ProductPage, {"page_size": PRODUCT_PAGE_SIZE}
        )

    def _search(
        self,
        path: str,
        body: Mapping[str, Any],
        model: type[Paged],
        params: Mapping[str, Any],
        *,
        repeat_ends: bool = False,
    ) -> Iterator[Paged]:
        """The pages of a search, each asked with the last one's `next_page_token`. The same
        token again is transient, or the end of the list with `repeat_ends`."""
        return token_pages(
            lambda query: self._client.post(path, body, model, params=query),
            params,
            "page_token",
            lambda page: page.next_page_token or None,
            stuck=None if repeat_ends else f"{path}: the same next_page_token again",
        )

    def read_stock(self, refs: Sequence[ListingRef]) -> list[RemoteListing]:
        """Search Products by SKU id, ten a call (the filter's most), the calls side by
        side (`sync.parallel`): a read of ten single-SKU products is one call, where Get
        Product took one a product. A product deleted or gone is not read back."""
        sku_ids = list(dict.fromkeys(ref.variant_id for ref in refs if ref.variant_id))
        batches = chunks(sku_ids, SEARCH_FILTER_IDS)
        found: dict[tuple[str, str], RemoteListing] = {}
        for products in in_parallel(self._by_sku_ids, batches, at_once=LIMITS.parallel_calls):
            for product in products:
                if product.status not in mapping.GONE_STATUSES:
                    found.update(
                        ((x.ref.item_id, x.ref.variant_id), x)
                        for x in mapping.product_listings(product)
                    )
        return self._in_ref_order(refs, found)

    def _by_sku_ids(self, sku_ids: Sequence[str]) -> list[wire.Product]:
        body = {"status": "ALL", "sku_ids": list(sku_ids)}
        params = {"page_size": PRODUCT_PAGE_SIZE}
        pages = self._search(SEARCH_PRODUCTS, body, wire.ProductPage, params)
        return [product for page in pages for product in page.products]

    def _create_group(self, group: mapping.DraftGroup) -> list[ItemResult]:
        missing = mapping.missing_for_create(group)
        if missing is not None:
            raise PermanentError(missing)
        uris = [self._image_uri(url) for url in group.image_urls]
        # The idempotency key makes a retried create (its answer lost) safe: TikTok answers
        # a repeated key with the product it already made (create-product.spec.json).
        key = f"lapak-{uuid.uuid4().hex}"
        body = mapping.create_body(group, uris, self._warehouse(), key)
        created = self._client.post(CREATE_PRODUCT, body, wire.CreatedProduct)
        return mapping.created_results(group, created)

    def _update_group(self, group: mapping.DraftGroup) -> list[ItemResult]:
        uris = [self._image_uri(url) for url in group.image_urls]
        body = mapping.partial_edit_body(group, uris)
        self._client.post(PARTIAL_EDIT.format(group.key), body, wire.Empty)
        return [ItemResult.success(d.sku, d.ref) for d in group.drafts]

    def _upload_image(self, name: str, content: bytes, content_type: str) -> str:
        """TikTok's URI for an image uploaded to it."""
        return self._client.upload_image(name, content, content_type, wire.UploadedImage).uri

    def _warehouse(self) -> str:
        """The shop's sales warehouse (the default one when several), fetched once."""
        if self._warehouse_id is None:
            listed = self._client.get(WAREHOUSES, {}, wire.Warehouses).warehouses
            usable = [
                w for w in listed if w.type == "SALES_WAREHOUSE" and w.effect_status == "ENABLED"
            ]
            if not usable:
                raise PermanentError("tiktok shop has no enabled sales warehouse")
            self._warehouse_id = next((w.id for w in usable if w.is_default), usable[0].id)
        return self._warehouse_id

    # --- stock and prices ----------------------------------------------------------------

    def update_stock(self, updates: Sequence[StockUpdate]) -> list[ItemResult]:
        """All warehouses of a SKU must be named (update-inventory.spec.json): Lapak keeps
        one stock per listing, held in the shop's sales warehouse."""
        try:
            warehouse = self._warehouse()
        except (TransientError, PermanentError) as exc:
            permanent = kept_failure(exc, self._retry_policy)
            return [update_failed(u, str(exc), permanent=permanent) for u in updates]
        plan = mapping.stock_plan(updates, LIMITS.stock_batch, warehouse)

        def send(batch: mapping.Batch) -> Results:
            path = UPDATE_INVENTORY.format(batch.item_id)
            reply = self._client.post(path, batch.body, wire.InventoryResult)
            return mapping.inventory_results(batch, updates, reply)

        return self._push_plan(plan, updates, send)

    def update_prices(self, updates: Sequence[PriceUpdate]) -> list[ItemResult]:
        """Update Price answers for the whole call; when it refuses because of one SKU, the
        call is split per SKU so the others still get their price."""
        plan = mapping.price_plan(updates, LIMITS.price_batch)
        results = dict(plan.rejected)
        pending = list(plan.batches)
        while pending:
            batch = pending.pop(0)
            try:
                self._client.post(UPDATE_PRICE.format(batch.item_id), batch.body, wire.Empty)
            except (TransientError, PermanentError) as exc:
                if self._retry_policy.beyond_cap(exc):
                    raise
                sku_level = isinstance(exc, PermanentError) and exc.code in SKU_LEVEL_CODES
                if sku_level and len(batch.indices) > 1:
                    pending[:0] = mapping.single_batches(batch)
                    continue
                permanent = isinstance(exc, PermanentError)
                results.update(batch_failed(batch, updates, str(exc), permanent=permanent))
            else:
                results.update(mapping.batch_ok(batch, updates))
        return [results[i] for i in range(len(updates))]

    # --- orders --------------------------------------------------------------------------

    def list_order_ids(self, since: datetime, until: datetime) -> Iterator[str]:
        """The order search filters are `update_time_ge` inclusive and `update_time_lt`
        exclusive: half-open windows that end after until's second."""
        windows = time_windows(since, until, ORDER_WINDOW_SECONDS, half_open=True)
        yield from first_seen(order for ge, lt in windows for order in self._order_pages(ge, lt))

    def _order_pages(self, ge: int, lt: int) -> Iterator[str]:
        params = {
            "page_size": LIMITS.order_page_size,
            "sort_field": "update_time",
            "sort_order": "ASC",
        }
        body = {"update_time_ge": ge, "update_time_lt": lt}
        for page in self._search(SEARCH_ORDERS, body, wire.OrderPage, params):
            yield from (order.id for order in page.orders)

    def get_orders(self, external_ids: Sequence[str]) -> list[RemoteOrder]:
        wanted = list(dict.fromkeys(external_ids))
        found: dict[str, Any] = {}
        size = LIMITS.order_detail_batch
        for start in range(0, len(wanted), size):
            chunk = wanted[start : start + size]
            detail = self._client.get(ORDER_DETAIL, {"ids": chunk}, wire.RawOrders)
            for raw in detail.orders:  # each read on its own: a malformed one raises alone
                found[order_mapping.parse_order(raw).external_id] = raw
        shipped = [i for i, o in found.items() if o.get("status") in order_mapping.SHIPPED_STATUSES]
        returned = self._returned(shipped)
        return [
            order_mapping.parse_order(found[i], returned=i in returned)
            for i in wanted
            if i in found
        ]

    def _returned(self, order_ids: Sequence[str]) -> set[str]:
        """Of these shipped orders, those whose goods came back (Search Returns).

        An app without the Return & Refund scope (105005) sees no returns rather than no
        orders: the orders still come, and a warning names the missing scope.
        """
        try:
            return self._search_returns(order_ids)
        except AuthError as exc:
            if exc.code != MISSING_SCOPE:
                raise
            log.warning("tiktok_returns_not_readable", store=self.store.name, code=exc.code)
            return set()

    def _search_returns(self, order_ids: Sequence[str]) -> set[str]:
        returned: set[str] = set()
        for start in range(0, len(order_ids), RETURN_ORDER_BATCH):
            body = {"order_ids": list(order_ids[start : start + RETURN_ORDER_BATCH])}
            params = {"page_size": RETURN_PAGE_SIZE}
            for page in self._search(
                SEARCH_RETURNS, body, wire.ReturnPage, params, repeat_ends=True
            ):
                returned |= order_mapping.returned_orders(page.return_orders)
        return returned

    def ship_order(self, external_id: str, tracking_number: str) -> str | None:
        """Ship the order's package with the reseller's own courier and tracking number.

        Shipping twice with the same number succeeds (the first call may have been applied
        before its answer was lost); another number, or an unpaid or cancelled order, gets
        TikTok's refusal raised as a `PermanentError`.
        """
        detail = self._client.get(ORDER_DETAIL, {"ids": [external_id]}, wire.Orders)
        order = next((o for o in detail.orders if o.id == external_id), None)
        if order is None:
            raise PermanentError(f"{ORDER_DETAIL}: no tiktok order {external_id}")
        if (
            order.status in order_mapping.SHIPPED_STATUSES
            and order.tracking_number == tracking_number
        ):
            log.info("tiktok_order_already_shipped", store=self.store.name, order=external_id)
            return None
        if not order.packages:
            raise PermanentError(f"tiktok order {external_id} ({order.status}) has no package")
        body = {
            "self_shipment": {
                "tracking_number": tracking_number,
                "shipping_provider_id": self._shipping_provider(order),
            }
        }
        self._client.post(SHIP_PACKAGE.format(order.packages[0].id), body, wire.Empty)
        return None

    def _shipping_provider(self, order: wire.Order) -> str:
        """The configured courier, else the first one listed for the order's delivery option
        (fetched once per delivery option)."""
        if self._provider_id:
            return self._provider_id
        option = order.delivery_option_id
        if not option:
            raise PermanentError(f"tiktok order {order.id} names no delivery option")
        if option not in self._providers:
            path = SHIPPING_PROVIDERS.format(option)
            listed = self._client.get(path, {}, wire.ShippingProviders).shipping_providers
            if not listed:
                raise PermanentError(f"{path}: no shipping provider for delivery option {option}")
            self._providers[option] = listed[0].id
        return self._providers[option]

    # --- webhooks, tokens ----------------------------------------------------------------

    def verify_webhook(self, url: str, headers: Mapping[str, str], body: bytes) -> bool:
        authorization = header_value(headers, "Authorization")
        return signing.verify_webhook(self._app_secret, self._app_key, body, authorization)

    def parse_webhook(self, body: bytes, headers: Mapping[str, str] | None = None) -> WebhookEvent:
        return order_mapping.webhook_event(body)

    def refresh_token(self, current: TokenSet | None) -> TokenSet:
        return self._client.refresh(current)
