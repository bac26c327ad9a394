"""`TokopediaConnector`: `sync.protocol.Connector` for one Tokopedia shop (FS Open API).

Batch methods report per-item results: a call that fails transiently (after the in-call
retries) or permanently turns into failed `ItemResult`s for the rows it carried and the
rest goes on. Two failures stop the whole method instead, because carrying on cannot help:
an `AuthError`, and a throttle whose wait is longer than the in-call retries allow (the job
layer reschedules the whole push after it).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar, Unpack

import structlog
from lapak.connectors.drafts import UpsertByGroup
from lapak.connectors.kit.allowance import StatedPace
from lapak.connectors.kit.calls import chunks
from lapak.connectors.kit.client import Wiring
from lapak.connectors.kit.connector import ConnectorBase, Plumbing, not_connected_yet
from lapak.connectors.kit.failures import kept_failure
from lapak.connectors.kit.paging import Query, numbered_pages, time_windows
from lapak.connectors.kit.updates import update_failed
from lapak.connectors.kit.validation import M
from lapak.connectors.tokopedia import auth, mapping, order_mapping, wire
from lapak.connectors.tokopedia.client import TokopediaClient
from lapak.sync.parallel import in_parallel
from lapak.sync.protocol import (
    AlreadyExistsError,
    ConnectorLimits,
    PermanentError,
    StoreSpec,
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
from pydantic import BaseModel, ConfigDict, Field, SecretStr

log = structlog.get_logger(__name__)

LIMITS = ConnectorLimits(
    # guides/rate-limit: limits are per endpoint and shown in X-Ratelimit-Limit; its one
    # example is "5 req/s (burst 5)". The store-wide pace keeps to that example (UNCONFIRMED
    # as every endpoint's number). Bulk endpoints count each row as one request on
    # Tokopedia's side (bulk-request-rate-adjustment, "compensated" by higher limits whose
    # numbers are not published): rows refused that way come back as ERR_TOO_MANY_REQUEST
    # and are sent again.
    rate_per_second=5,
    burst=5,
    stock_batch=100,  # update-stock-only: "update up to 100 products or SKUs in a single request"
    price_batch=100,  # update-price-only: up to 100 per request
    order_detail_batch=1,  # get-single-order: one order_id (or invoice_num) per call
    order_page_size=100,  # get-all-order: per_page "Max Value is 100" (TokoCabang page)
    order_window_days=3,  # ORD_DLV_013 "Date Range must be less than 3 days"
    batch_per_item=False,  # a stock/price call mixes rows of any products
    # each bulk call waits until its rows fit what the last answer left (`_push`, `rows`)
    sequential_stock_writes=True,
)
ORDER_WINDOW_SECONDS = int(LIMITS.order_window_days * 86400) - 1
"""One second short of 3 days: the range "must be less than 3 days"."""
PRODUCT_PAGE_SIZE = 50  # product/info by shop: per_page "Maximun items are 50 for 1 page"
PRODUCT_INFO_BATCH = 50  # product/info by ids: how many ids one call takes is UNCONFIRMED
UPDATE_LOOKBACK = timedelta(days=14)
"""How far before `since` list_order_ids looks for orders whose status changed.

Get All Orders filters by the order's time, not by its last update (the doc: "orders for
your shop between given timestamps", only orders that reached 220), so an order created
before the pulled range but shipped, cancelled or returned within it would be missed.
The connector therefore lists [since − 14 days, until] and yields an order created before
`since` only when the status in the list differs from the status it last fetched with
`get_orders` (or it never fetched it in this process). Tokopedia's own deadlines (accept
within 2 days, ship within 2–4 days, auto-finish a few days after delivery) end most
orders' lives within 14 days; changes later than that arrive by the order_status webhook.
"""
KNOWN_STATUS_LIMIT = 100_000
ORDER_NOT_FOUND = "ORD_API_008"  # get-single-order-fail fixture: "Data Not Found"

TOKEN_PATH = "/token"


def _paths(fs_id: int) -> dict[str, str]:
    base = f"/inventory/v1/fs/{fs_id}"
    return {
        "product_info": f"{base}/product/info",
        "category_variant": f"{base}/category/get_variant",
        "stock": f"{base}/stock/update",
        "price": f"{base}/price/update",
        "create": f"/v3/products/fs/{fs_id}/create",
        "edit": f"/v3/products/fs/{fs_id}/edit",
        "order_list": "/v2/order/list",
        "order": f"/v2/fs/{fs_id}/order",
    }


class TokopediaCredentials(BaseModel):
    """A Tokopedia store: the app's fs_id and client credentials, the linked shop, and the
    webhook secret registered for the app.

    `token_url` is where tokens come from. Unset, it is Tokopedia's
    https://accounts.tokopedia.com/token when the store's base_url is Tokopedia's API host
    (https://fs.tokopedia.net), else `{base_url}/token` — a sandbox serves both.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    fs_id: int = Field(gt=0)
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    shop_id: int | None = Field(default=None, gt=0)
    """Connecting the store (`lapak connect`, authorization.py) checks the shop is linked
    to the app and fills it in (and `shop_name`) when the config leaves it out."""
    webhook_secret: SecretStr
    token_url: str | None = None
    shop_name: str | None = None


class TokopediaConnector(ConnectorBase[TokopediaCredentials], UpsertByGroup[mapping.DraftGroup]):
    """One Tokopedia shop. Build it through `connectors.tokopedia.plugin.create`."""

    group_type: ClassVar[type[mapping.DraftGroup]] = mapping.DraftGroup
    item_name: ClassVar[str] = "tokopedia product"

    platform: ClassVar[str] = "tokopedia"
    limits: ClassVar[ConnectorLimits] = LIMITS

    def __init__(
        self,
        store: StoreSpec,
        credentials: TokopediaCredentials,
        *,
        update_lookback: timedelta = UPDATE_LOOKBACK,
        sleep: Callable[[float], None] = time.sleep,
        **plumbing: Unpack[Plumbing],
    ):
        """`sleep` waits before a bulk call whose rows the last answer's allowance cannot
        hold yet, and before rows refused with ERR_TOO_MANY_REQUEST are sent again."""
        self._update_lookback = update_lookback
        self._sleep = sleep
        self._row_paces = {endpoint: StatedPace(time.monotonic) for endpoint in ("stock", "price")}
        super().__init__(store, credentials, **plumbing)

    def _connect(self, credentials: TokopediaCredentials, wiring: Wiring) -> None:
        if credentials.shop_id is None:
            raise not_connected_yet(self.store)
        self._fs_id = credentials.fs_id
        self._shop_id = credentials.shop_id
        self._webhook_secret = credentials.webhook_secret.get_secret_value()
        self._client = TokopediaClient(
            wiring,
            client_id=credentials.client_id,
            client_secret=credentials.client_secret.get_secret_value(),
            token_url=auth.token_url_for(self.store.base_url, credentials.token_url),
        )
        self._paths = _paths(self._fs_id)
        self._variant_choices: dict[str, mapping.VariantChoice | None] = {}
        self._known_status: OrderedDict[str, int] = OrderedDict()

    @property
    def _shop(self) -> dict[str, Any]:
        return {"shop_id": self._shop_id}

    # --- listings ------------------------------------------------------------------------

    def scan_listings(self) -> Iterator[RemoteListing]:
        """Every product of the shop; a product with variants as its children (each with
        its own sku). Pages of 50 until a short page (`last_sort`, needed past 10,000
        products per the sirclo spec, is not used: UNCONFIRMED). The children of a page's
        parents (their `childrenID`) are read by id, 50 a call, not one product/variant
        call per parent: a shop of 80 sized shirts costs 2 calls for them, not 80."""
        params = {**self._shop, "per_page": PRODUCT_PAGE_SIZE}
        for products in numbered_pages(
            self._lister(self._paths["product_info"], wire.ProductInfo), params, PRODUCT_PAGE_SIZE
        ):
            parent_of: dict[int, int] = {}
            for product in products:
                if product.variant.is_parent:
                    parent = product.basic.product_id
                    parent_of |= dict.fromkeys(product.variant.children_id, parent)
                elif not product.variant.is_variant:
                    yield mapping.product_listing(product)
                # a child listed on its own is reported with its parent
            yield from self._child_listings(parent_of)

    def _child_listings(self, parent_of: Mapping[int, int]) -> Iterator[RemoteListing]:
        """Variant children by product id (product/info by ids; that it answers children
        as products of their own, with their sku, is UNCONFIRMED beyond the fixtures)."""
        ids = list(parent_of)
        for start in range(0, len(ids), PRODUCT_INFO_BATCH):
            params = {"product": ids[start : start + PRODUCT_INFO_BATCH]}
            children = self._client.get_list(self._paths["product_info"], params, wire.ProductInfo)
            for child in children:
                yield mapping.variant_listing(child, parent_of[child.basic.product_id])

    def _children(self, parent_id: int) -> wire.VariantProduct:
        path = f"/inventory/v1/fs/{self._fs_id}/product/variant/{parent_id}"
        return self._client.get(path, {}, wire.VariantProduct)

    def read_stock(self, refs: Sequence[ListingRef]) -> list[RemoteListing]:
        """Stock and price by product_id (a variant's own child id), 50 ids a call, the
        calls side by side (`sync.parallel`); a listing Tokopedia no longer has is left
        out."""
        ids: dict[ListingRef, int] = {}
        for ref in refs:
            try:
                ids[ref] = mapping.product_id(ref)
            except PermanentError:
                log.warning("tokopedia_bad_ref", store=self.store.name, sku=ref.sku)
        unique = list(dict.fromkeys(ids.values()))
        found: dict[int, wire.ProductInfo] = {}
        batches = chunks(unique, PRODUCT_INFO_BATCH)
        for products in in_parallel(self._infos, batches, at_once=LIMITS.parallel_calls):
            found.update((p.basic.product_id, p) for p in products)
        results = []
        for ref in refs:
            product = found.get(ids[ref]) if ref in ids else None
            if product is None:
                log.warning("tokopedia_listing_missing", store=self.store.name, sku=ref.sku)
                continue
            results.append(
                RemoteListing(ref, product.stock.value, product.price.value, product.basic.name)
            )
        return results

    def _infos(self, product_ids: Sequence[int]) -> list[wire.ProductInfo]:
        """product/info of these ids (≤ `PRODUCT_INFO_BATCH`)."""
        return self._client.get_list(
            self._paths["product_info"], {"product": list(product_ids)}, wire.ProductInfo
        )

    def _create_group(self, group: mapping.DraftGroup) -> list[ItemResult]:
        """One product per create call: the reply names created products by product_id
        only, so one product per call keeps every answer unambiguous.

        Create Product V3 answers synchronously with `success_rows_data[{product_id}]` (PyPI
        tokopedia `create_product_v3.py` and its tests; nda666/tokopedia-php's example; the
        sirclo spec's CreateProductV3200ResponseData). The `upload_id` + status poll
        (`GET /v2/products/fs/:fs_id/status/:upload_id`) belongs to Create Products V2
        (plvhx `Product::createProducts` posts to /v2/products/fs/:fs_id/create), whose
        status reply carries counts but no product ids, so V2 is not used. A variant
        product's children (ids and skus) come from GET product/variant/:product_id."""
        missing = mapping.missing_for_create(group)
        if missing is not None:
            raise PermanentError(missing)
        choice = self._variant_choice(group) if group.has_variants else None
        body = mapping.create_body(group, choice)
        reply = self._client.post(
            self._paths["create"], self._shop, body, wire.UpsertResult, idempotent=False
        )
        refused = mapping.row_errors(reply)
        if refused is not None and mapping.is_taken(refused):
            raise AlreadyExistsError(f"tokopedia refused the product: {refused}")
        if refused is not None or not reply.success_rows_data:
            raise PermanentError(f"tokopedia refused the product: {refused or 'no product_id'}")
        product = reply.success_rows_data[0].product_id
        if not group.has_variants:
            return mapping.created_results(group, product, None)
        return mapping.created_results(group, product, self._children(product))

    def _variant_choice(self, group: mapping.DraftGroup) -> mapping.VariantChoice:
        category = group.category_id or ""
        if category not in self._variant_choices:
            types = self._client.get_list(
                self._paths["category_variant"],
                {"cat_id": mapping.as_id(category, group.lead.sku, "category_id")},
                wire.CategoryVariant,
            )
            self._variant_choices[category] = mapping.VariantChoice.from_category(types)
        choice = self._variant_choices[category]
        if choice is None:
            raise PermanentError(f"tokopedia category {category} has no variant type")
        return choice

    def _update_group(self, group: mapping.DraftGroup) -> list[ItemResult]:
        item_id = mapping.as_id(group.key, group.lead.sku, "product_id")
        body = mapping.edit_body(item_id, group)
        reply = self._client.patch(self._paths["edit"], self._shop, body, wire.UpsertResult)
        refused = mapping.row_errors(reply)
        if refused is not None:
            raise PermanentError(f"tokopedia refused the edit of product {item_id}: {refused}")
        return [ItemResult.success(d.sku, d.ref) for d in group.drafts]

    # --- stock and prices ----------------------------------------------------------------

    def update_stock(self, updates: Sequence[StockUpdate]) -> list[ItemResult]:
        rows, rejected = mapping.stock_rows(updates)
        return self._push("stock", "new_stock", LIMITS.stock_batch, rows, rejected, updates)

    def update_prices(self, updates: Sequence[PriceUpdate]) -> list[ItemResult]:
        rows, rejected = mapping.price_rows(updates)
        return self._push("price", "new_price", LIMITS.price_batch, rows, rejected, updates)

    def _push(
        self,
        endpoint: str,
        field: str,
        size: int,
        rows: list[mapping.Row],
        rejected: list[tuple[int, ItemResult]],
        updates: Sequence[StockUpdate | PriceUpdate],
    ) -> list[ItemResult]:
        """One call per batch, each waiting until its rows fit the endpoint's allowance
        (`rows`, kit `StatedPace`); rows refused with ERR_TOO_MANY_REQUEST all the same are
        sent again (only them) after the wait Tokopedia's rate-limit headers give
        (X-Ratelimit-Full-Reset-After), within the retry policy's attempts and longest
        wait."""
        results = dict(rejected)
        path = self._paths[endpoint]
        pace = self._row_paces[endpoint]
        for batch in mapping.batches(rows, size):
            pending = batch
            for attempt in range(1, self._retry_policy.attempts + 1):
                try:
                    body = mapping.bulk_body(pending, field)
                    fits_in = pace.wait(len(pending))
                    if fits_in:
                        self._sleep(fits_in)
                    reply = self._client.post_bulk(path, self._shop, body, wire.BulkResult)
                    pace.note(reply.allowance)
                except (TransientError, PermanentError) as exc:
                    permanent = kept_failure(exc, self._retry_policy)
                    for row in pending:
                        results[row.index] = update_failed(
                            updates[row.index], str(exc), permanent=permanent
                        )
                    break
                failures = mapping.row_failures(pending, reply.data)
                throttled = [r for r in pending if failures.get(r.index) == mapping.THROTTLED_ROW]
                for row in pending:
                    update = updates[row.index]
                    message = failures.get(row.index)
                    if message is None:
                        results[row.index] = ItemResult.success(update.ref.sku, update.ref)
                    elif message != mapping.THROTTLED_ROW:
                        error = f"tokopedia product {row.product_id}: {message}"
                        permanent = mapping.is_permanent_message(message)
                        results[row.index] = update_failed(update, error, permanent=permanent)
                if not throttled:
                    break
                # every throttled row needs a token again: wait for the whole burst
                wait = reply.full_reset_after or reply.reset_after or self._retry_policy.base_delay
                last = attempt == self._retry_policy.attempts
                if last or wait > self._retry_policy.max_retry_after:
                    for row in throttled:
                        error = f"tokopedia product {row.product_id}: {mapping.THROTTLED_ROW}"
                        results[row.index] = update_failed(
                            updates[row.index], error, permanent=False
                        )
                    break
                log.info("tokopedia_rows_throttled", store=self.store.name, rows=len(throttled))
                self._sleep(wait)
                pending = throttled
        return [results[i] for i in range(len(updates))]

    # --- orders --------------------------------------------------------------------------

    def list_order_ids(self, since: datetime, until: datetime) -> Iterator[str]:
        """Orders created in [since, until], and those created up to `UPDATE_LOOKBACK` before
        `since` whose listed status differs from the one last fetched (see there)."""
        seen: set[str] = set()
        since_s = since.timestamp()
        horizon = since - self._update_lookback
        for from_date, to_date in time_windows(horizon, until, ORDER_WINDOW_SECONDS):
            for entry in self._order_pages(from_date, to_date):
                order_id = str(entry.order_id)
                if order_id in seen:
                    continue
                seen.add(order_id)
                if entry.create_time >= since_s or self._changed(order_id, entry.order_status):
                    yield order_id

    def _order_pages(self, from_date: int, to_date: int) -> Iterator[wire.OrderEntry]:
        """One window's orders. Consecutive windows share their boundary second: an order
        created exactly then is listed by both and de-duplicated by the caller."""
        params = {
            "fs_id": self._fs_id,
            "shop_id": self._shop_id,
            "from_date": from_date,
            "to_date": to_date,
            "per_page": LIMITS.order_page_size,
        }
        lister = self._lister(self._paths["order_list"], wire.OrderEntry)
        for entries in numbered_pages(lister, params, LIMITS.order_page_size):
            yield from entries

    def _lister(self, path: str, model: type[M]) -> Callable[[Query], tuple[list[M], int | None]]:
        """One numbered page of a list (its last page is never told: a short page is)."""
        return lambda query: (self._client.get_list(path, query, model), None)

    def _changed(self, order_id: str, status: int) -> bool:
        return self._known_status.get(order_id) != status

    def _remember(self, order_id: str, status: int) -> None:
        self._known_status[order_id] = status
        self._known_status.move_to_end(order_id)
        while len(self._known_status) > KNOWN_STATUS_LIMIT:
            self._known_status.popitem(last=False)

    def get_orders(self, external_ids: Sequence[str]) -> list[RemoteOrder]:
        """One call per order (order_detail_batch 1); an order Tokopedia does not know
        (ORD_API_008 "Data Not Found") is left out."""
        orders = []
        for external_id in external_ids:
            order = self._order(external_id)
            if order is None:
                log.warning("tokopedia_order_missing", store=self.store.name, order=external_id)
                continue
            self._remember(str(order.order_id), order.order_status)
            orders.append(order_mapping.remote_order(order))
        return orders

    def _order(self, external_id: str) -> wire.SingleOrder | None:
        try:
            order_id = int(external_id)
        except ValueError:
            return None
        try:
            return self._client.get(self._paths["order"], {"order_id": order_id}, wire.SingleOrder)
        except PermanentError as exc:
            if exc.code == ORDER_NOT_FOUND:
                return None
            raise

    def ship_order(self, external_id: str, tracking_number: str) -> str | None:
        """Accept the order if it is still at 220, then confirm shipping (order_status 500)
        with the reseller's courier tracking number (the doc's "shipping_ref_num").

        Shipping twice with the same number succeeds (the first call may have been applied
        before its answer was lost). Any other case — another number after shipping, an
        unpaid or cancelled order — is sent as is, and Tokopedia's refusal is raised.
        """
        order = self._order(external_id)
        if order is None:
            raise PermanentError(f"tokopedia order {external_id}: {ORDER_NOT_FOUND} Data Not Found")
        if self._shipped_with(order, tracking_number):
            log.info("tokopedia_order_already_shipped", store=self.store.name, order=external_id)
            return None
        base = f"/v1/order/{order.order_id}/fs/{self._fs_id}"
        if order.order_status in order_mapping.TO_ACCEPT:
            try:
                self._client.post_text(f"{base}/ack")
            except PermanentError:
                # an ack applied before its answer was lost is refused when retried
                again = self._order(external_id)
                if again is None or again.order_status in order_mapping.TO_ACCEPT:
                    raise
        body = {"order_status": order_mapping.SHIPPED, "shipping_ref_num": tracking_number}
        try:
            self._client.post_text(f"{base}/status", body)
        except PermanentError:
            again = self._order(external_id)
            if again is None or not self._shipped_with(again, tracking_number):
                raise
        return None

    @staticmethod
    def _shipped_with(order: wire.SingleOrder, tracking_number: str) -> bool:
        status = order_mapping.order_status(order.order_status, order.order_id)
        return (
            status in order_mapping.SENT and order.order_info.shipping_info.awb == tracking_number
        )

    # --- webhooks, tokens ----------------------------------------------------------------

    def verify_webhook(self, url: str, headers: Mapping[str, str], body: bytes) -> bool:
        """`Authorization-Hmac` must sign the raw body (the URL is not part of it)."""
        header = auth.WEBHOOK_HEADER.lower()
        signature = next((v for k, v in headers.items() if k.lower() == header), None)
        return auth.verify_webhook(self._webhook_secret, body, signature)

    def parse_webhook(self, body: bytes, headers: Mapping[str, str] | None = None) -> WebhookEvent:
        return order_mapping.webhook_event(body, self._fs_id, self._shop_id)

    def refresh_token(self, current: TokenSet | None) -> TokenSet:
        return self._client.refresh(current)
