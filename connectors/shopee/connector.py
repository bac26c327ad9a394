"""`ShopeeConnector`: `sync.protocol.Connector` for one Shopee shop (Open Platform v2).

Batch methods report per-item results: a call that fails transiently (after the in-call
retries) or permanently turns into failed `ItemResult`s for the updates it carried and the
rest of the batch goes on. Two failures stop the whole method instead, because carrying on
cannot help: an `AuthError`, and a throttle whose Retry-After is longer than the in-call
retries wait (the job layer reschedules the whole push after it).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import ClassVar

import structlog
from lapak.connectors.credential_values import secret_text
from lapak.connectors.drafts import UpsertByGroup
from lapak.connectors.kit.calls import chunks
from lapak.connectors.kit.client import Wiring
from lapak.connectors.kit.connector import ConnectorBase, header_value
from lapak.connectors.kit.images import HostedImages, uploaded
from lapak.connectors.kit.paging import Query, first_seen, pages, time_windows, token_pages
from lapak.connectors.kit.updates import Plan, Results, Update
from lapak.connectors.shopee import mapping, order_mapping, signing, wire
from lapak.connectors.shopee.client import IMAGE_LIMIT, MAX_IMAGE_BYTES, ShopeeClient
from lapak.sync.parallel import in_parallel
from lapak.sync.protocol import (
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

LIMITS = ConnectorLimits(
    rate_per_second=10,  # Shopee publishes no rate limit: UNCONFIRMED, Lapak's own choice
    burst=10,
    stock_batch=50,  # update_stock: stock_list "Length should be between 1 to 50"
    price_batch=50,  # update_price: price_list 1..50
    order_detail_batch=50,  # get_order_detail: order_sn_list "limit [1,50]"
    order_page_size=100,  # get_order_list: page_size 1..100
    order_window_days=15,  # get_order_list: "maximum date range ... is 15 days"
    batch_per_item=True,  # update_stock/update_price: one item_id per call
)
ITEM_PAGE_SIZE = 100  # get_item_list: page_size [1,100]
ITEM_INFO_BATCH = 50  # get_item_base_info: item_id_list ≤ 50
ORDER_WINDOW_SECONDS = int(LIMITS.order_window_days * 86400) - 1
"""One second short of 15 days: whether Shopee accepts exactly 15 days is UNCONFIRMED."""
ORDER_DETAIL_FIELDS = "buyer_username,recipient_address,item_list,total_amount,pay_time"
# ship_order refusals that may mean "already arranged" (codes and messages of the
# v2.logistics.ship_order error table); then the order's tracking number decides.
ALREADY_ARRANGED = ("package_already_shipped", "ship_order_not_ready_to_ship", "order_finalized")
ALREADY_ARRANGED_WORDS = ("shipped", "ready to ship", "arranged", "finalized")

ITEM_LIST = "/api/v2/product/get_item_list"
BASE_INFO = "/api/v2/product/get_item_base_info"
MODEL_LIST = "/api/v2/product/get_model_list"
ADD_ITEM = "/api/v2/product/add_item"
INIT_TIER = "/api/v2/product/init_tier_variation"
TIERS_EXIST = "already has tier_variation"
"""init_tier_variation's refusal of an item whose tiers an earlier (answer-lost) try set."""
UPDATE_ITEM = "/api/v2/product/update_item"
UPDATE_STOCK = "/api/v2/product/update_stock"
UPDATE_PRICE = "/api/v2/product/update_price"
CHANNELS = "/api/v2/logistics/get_channel_list"
SHIP = "/api/v2/logistics/ship_order"
TRACKING = "/api/v2/logistics/get_tracking_number"
ORDER_LIST = "/api/v2/order/get_order_list"
ORDER_DETAIL = "/api/v2/order/get_order_detail"


class ShopeeCredentials(BaseModel):
    """A Shopee store's credentials: the app's partner id/key (from the config) and the
    shop's id and first refresh token, which `lapak connect` obtains (docs/connect.md); a
    config may still name them for a shop authorized by hand. Later refresh tokens live in
    the TokenVault (they are single-use)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    partner_id: int
    partner_key: SecretStr
    shop_id: int | None = None
    refresh_token: SecretStr | None = None

    @property
    def connected(self) -> bool:
        """Whether these credentials alone reach the store, without `lapak connect`:
        the shop's id and a refresh token are set (authorized by hand) (`sync.store_overview`)."""
        return self.shop_id is not None and self.refresh_token is not None


class ShopeeConnector(ConnectorBase[ShopeeCredentials], UpsertByGroup[mapping.DraftGroup]):
    """One Shopee shop. Build it through `connectors.shopee.plugin.create`."""

    group_type: ClassVar[type[mapping.DraftGroup]] = mapping.DraftGroup
    item_name: ClassVar[str] = "shopee item"

    platform: ClassVar[str] = "shopee"
    limits: ClassVar[ConnectorLimits] = LIMITS

    def _connect(self, credentials: ShopeeCredentials, wiring: Wiring) -> None:
        self._partner_key = credentials.partner_key.get_secret_value()
        self._shop_id = credentials.shop_id
        self._client = ShopeeClient(
            wiring,
            partner_id=credentials.partner_id,
            partner_key=self._partner_key,
            shop_id=credentials.shop_id,
            initial_refresh_token=secret_text(credentials.refresh_token),
        )
        self._image_id = HostedImages(
            uploaded(wiring, self._upload_image, max_bytes=MAX_IMAGE_BYTES, limit=IMAGE_LIMIT)
        )
        self._logistic_ids: list[int] | None = None

    # --- listings ------------------------------------------------------------------------

    def scan_listings(self) -> Iterator[RemoteListing]:
        first = {"offset": 0, "page_size": ITEM_PAGE_SIZE, "item_status": "NORMAL"}
        for page in pages(self._item_list, first, _next_items):
            for item, models in self._items([entry.item_id for entry in page.item]):
                if models is None:
                    yield mapping.item_listing(item)
                else:
                    yield from mapping.model_listings(item, models)

    def _item_list(self, params: Query) -> wire.ItemList:
        return self._client.get(ITEM_LIST, params, wire.ItemList)

    def read_stock(self, refs: Sequence[ListingRef]) -> list[RemoteListing]:
        item_ids = list(dict.fromkeys(mapping.parse_ref(ref)[0] for ref in refs))
        found: dict[tuple[str, str], RemoteListing] = {}
        for item, models in self._items(item_ids):
            listings = (
                [mapping.item_listing(item)]
                if models is None
                else mapping.model_listings(item, models)
            )
            found.update(((x.ref.item_id, x.ref.variant_id), x) for x in listings)
        return self._in_ref_order(refs, found)

    def _items(
        self, item_ids: Sequence[int]
    ) -> list[tuple[wire.BaseInfoItem, wire.ModelList | None]]:
        """Base info of these items (50 a call), each with its model list when it has
        models (a call per item); the calls of each kind side by side (`sync.parallel`)."""
        batches = chunks(item_ids, ITEM_INFO_BATCH)
        infos = in_parallel(self._base_info, batches, at_once=LIMITS.parallel_calls)
        items = [item for info in infos for item in info.item_list]
        with_models = [item for item in items if item.has_model]
        models = in_parallel(self._models, with_models, at_once=LIMITS.parallel_calls)
        by_item = {item.item_id: listed for item, listed in zip(with_models, models, strict=True)}
        return [(item, by_item.get(item.item_id)) for item in items]

    def _base_info(self, item_ids: Sequence[int]) -> wire.BaseInfo:
        return self._client.get(BASE_INFO, {"item_id_list": item_ids}, wire.BaseInfo)

    def _models(self, item: wire.BaseInfoItem) -> wire.ModelList:
        return self._client.get(MODEL_LIST, {"item_id": item.item_id}, wire.ModelList)

    def _create_group(self, group: mapping.DraftGroup) -> list[ItemResult]:
        if group.category_id is None:
            raise PermanentError("category_id missing for shopee")
        images = [self._image_id(url) for url in group.image_urls]
        body = mapping.add_item_body(group, images, self._logistics())
        item_id = self._client.post(ADD_ITEM, body, wire.AddedItem, idempotent=False).item_id
        if not group.has_variants:
            return mapping.created_results(group, item_id, None)
        tier_body = mapping.tier_variation_body(item_id, group)
        try:
            created = self._client.post(INIT_TIER, tier_body, wire.TierVariationResult)
        except (TransientError, PermanentError) as exc:
            if self._retry_policy.beyond_cap(exc):
                raise
            if isinstance(exc, PermanentError) and TIERS_EXIST in str(exc):
                # An earlier try did init the tiers and its answer was lost (a timeout, a
                # cut body): the models are there, read them instead of failing the group.
                return self._created_models(group, item_id)
            log.warning("shopee_variants_failed", store=self.store.name, item_id=item_id)
            error = f"item {item_id} created without its variants: {exc}"
            permanent = isinstance(exc, PermanentError)
            return [ItemResult.failure(d.sku, error, permanent=permanent) for d in group.drafts]
        return mapping.created_results(group, item_id, created)

    def _created_models(self, group: mapping.DraftGroup, item_id: int) -> list[ItemResult]:
        found = {
            listing.ref.sku: listing.ref
            for item, models in self._items([item_id])
            if models is not None
            for listing in mapping.model_listings(item, models)
        }
        return [
            ItemResult.success(d.sku, found[d.sku])
            if d.sku in found
            else ItemResult.failure(d.sku, f"item {item_id} has no model {d.sku}", permanent=True)
            for d in group.drafts
        ]

    def _update_group(self, group: mapping.DraftGroup) -> list[ItemResult]:
        images = [self._image_id(url) for url in group.image_urls]
        item_id = mapping.as_id(group.key, group.lead.sku, "item_id")
        body = mapping.update_item_body(item_id, group.drafts, images)
        self._client.post(UPDATE_ITEM, body, wire.AddedItem)
        return [ItemResult.success(d.sku, d.ref) for d in group.drafts]

    def _upload_image(self, name: str, content: bytes, content_type: str) -> str:
        """Shopee's image id for an image uploaded to its media space."""
        reply = self._client.upload_image(name, content, content_type, wire.UploadedImage)
        return reply.image_info.image_id

    def _logistics(self) -> list[int]:
        """Ids of the shop's enabled logistics channels (fetched once per connector)."""
        if self._logistic_ids is None:
            channels = self._client.get(CHANNELS, {}, wire.ChannelList)
            enabled = channels.logistics_channel_list
            self._logistic_ids = [c.logistics_channel_id for c in enabled if c.enabled]
        return self._logistic_ids

    # --- stock and prices ----------------------------------------------------------------

    def update_stock(self, updates: Sequence[StockUpdate]) -> list[ItemResult]:
        return self._push(UPDATE_STOCK, mapping.stock_plan(updates, LIMITS.stock_batch), updates)

    def update_prices(self, updates: Sequence[PriceUpdate]) -> list[ItemResult]:
        return self._push(UPDATE_PRICE, mapping.price_plan(updates, LIMITS.price_batch), updates)

    def _push(
        self, path: str, plan: Plan[mapping.Batch], updates: Sequence[Update]
    ) -> list[ItemResult]:
        """One call to `path` per batch of the plan (`kit.updates.push_plan`)."""

        def send(batch: mapping.Batch) -> Results:
            reply = self._client.post(path, batch.body, wire.BatchResult)
            return mapping.batch_results(batch, updates, reply)

        return self._push_plan(plan, updates, send)

    # --- orders --------------------------------------------------------------------------

    def list_order_ids(self, since: datetime, until: datetime) -> Iterator[str]:
        windows = time_windows(since, until, ORDER_WINDOW_SECONDS)
        yield from first_seen(
            sn for start, stop in windows for sn in self._order_pages(start, stop)
        )

    def _order_pages(self, time_from: int, time_to: int) -> Iterator[str]:
        """One window's order numbers. Consecutive windows share their boundary second: an
        order updated exactly then is listed by both and de-duplicated by the caller."""
        params = {
            "time_range_field": "update_time",
            "time_from": time_from,
            "time_to": time_to,
            "page_size": LIMITS.order_page_size,
        }
        for page in token_pages(
            lambda query: self._client.get(ORDER_LIST, query, wire.OrderList),
            params,
            "cursor",
            lambda page: page.next_cursor if page.more else None,
            stuck=f"{ORDER_LIST}: more=true without a new next_cursor",
        ):
            yield from (ref.order_sn for ref in page.order_list)

    def get_orders(self, external_ids: Sequence[str]) -> list[RemoteOrder]:
        orders: list[RemoteOrder] = []
        size = LIMITS.order_detail_batch
        for start in range(0, len(external_ids), size):
            params = {
                "order_sn_list": list(external_ids[start : start + size]),
                "response_optional_fields": ORDER_DETAIL_FIELDS,
            }
            detail = self._client.get(ORDER_DETAIL, params, wire.OrderDetail)
            orders.extend(order_mapping.parse_order(order) for order in detail.order_list)
        return orders

    def ship_order(self, external_id: str, tracking_number: str) -> str | None:
        """Arrange shipment with the reseller's own courier tracking number (non_integrated).

        Shipping twice with the same number succeeds (the first call may have been applied
        before its answer was lost); with another number Shopee's refusal is raised.
        """
        body = {"order_sn": external_id, "non_integrated": {"tracking_number": tracking_number}}
        try:
            self._client.post(SHIP, body, wire.Wire)
        except PermanentError as exc:
            if not _maybe_arranged(exc):
                raise
            current = self._client.get(TRACKING, {"order_sn": external_id}, wire.TrackingNumber)
            if current.tracking_number != tracking_number:
                raise
            log.info("shopee_order_already_shipped", store=self.store.name, order=external_id)
        return None

    # --- webhooks, tokens ----------------------------------------------------------------

    def verify_webhook(self, url: str, headers: Mapping[str, str], body: bytes) -> bool:
        authorization = header_value(headers, "Authorization")
        return signing.verify_webhook(self._partner_key, url, body, authorization)

    def parse_webhook(self, body: bytes, headers: Mapping[str, str] | None = None) -> WebhookEvent:
        if self._shop_id is None:
            raise PermanentError(f"shopee push for {self.store.name}, which is not connected")
        return order_mapping.webhook_event(body, self._shop_id)

    def refresh_token(self, current: TokenSet | None) -> TokenSet:
        return self._client.refresh(current)


def _maybe_arranged(exc: PermanentError) -> bool:
    message = str(exc).lower()
    return (exc.code or "").endswith(ALREADY_ARRANGED) or any(
        word in message for word in ALREADY_ARRANGED_WORDS
    )


def _next_items(page: wire.ItemList, query: Query) -> Query | None:
    """get_item_list's next query: at the `next_offset` it names while `has_next_page`."""
    if not page.has_next_page:
        return None
    if page.next_offset <= query["offset"]:
        raise TransientError(f"{ITEM_LIST}: has_next_page without a later next_offset")
    return {**query, "offset": page.next_offset}
