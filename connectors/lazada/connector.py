"""`LazadaConnector`: `sync.protocol.Connector` for one Lazada seller (LazOP, Indonesia).

Batch methods report per-item results: a call that fails transiently (after the in-call
retries) or permanently turns into failed `ItemResult`s for the updates it carried, a
refusal whose `detail` names SKUs fails only those, and the rest of the batch goes on. Two
failures stop the whole method instead, because carrying on cannot help: an `AuthError`,
and a throttle whose wait is longer than the in-call retries wait (the job layer
reschedules the whole push after it).

API paths (LazOP API reference, docs/MARKETPLACES.md#lazada-orders):

    /products/get                   scan (filter=all, limit ≤ 50, offset ≤ 10000) and
                                    read back (sku_seller_list, ≤ 100 SellerSkus)
    /image/migrate                  a catalog image URL → a Lazada image URL (once per URL)
    /product/create, /product/update    one product per call (JSON payload)
    /product/stock/sellable/update  absolute sellable stock, ≤ 50 SKUs of any products (XML)
    /product/price_quantity/update  price, ≤ 50 SKUs of any products (XML)
    /orders/get                     order headers by update time (limit ≤ 100, offset ≤ 5000)
    /orders/items/get               items of ≤ 50 orders; /order/get for a header not cached
    /order/items/get, /order/fulfill/pack, /order/package/rts    ship (Lazada's tracking)

Stock goes through UpdateSellableQuantity, not UpdatePriceQuantity's `Quantity`: Lazada's
quantity there is the total including units held by open orders (withhold + occupy +
sellable, inventory-calculation-logic guide), while Lapak pushes what buyers may still buy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, Unpack

import structlog
from lapak.connectors.credential_values import secret_text
from lapak.connectors.drafts import UpsertByGroup
from lapak.connectors.kit.calls import chunks
from lapak.connectors.kit.client import Wiring
from lapak.connectors.kit.connector import ConnectorBase, Plumbing, header_value
from lapak.connectors.kit.images import HostedImages
from lapak.connectors.kit.paging import Query, creation_windows, first_seen, offset_pages, pages
from lapak.connectors.kit.updates import Plan, Results, Update
from lapak.connectors.lazada import mapping, order_mapping, signing, wire
from lapak.connectors.lazada.client import LazadaClient, LazadaError, auth_url_for
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
from pydantic import BaseModel, ConfigDict, SecretStr

log = structlog.get_logger(__name__)

LIMITS = ConnectorLimits(
    # Lazada publishes per-API limits only as the ApiCallLimit refusal, plus "Each seller can
    # only call the inventory API 50 times per second" (doc 121234): 20/s is Lapak's choice.
    rate_per_second=20,
    burst=20,
    stock_batch=50,  # UpdateSellableQuantity: "maximum ... is 50, but 20 is recommended"
    price_batch=50,  # UpdatePriceQuantity: same; E4171 above 50
    order_detail_batch=50,  # GetMultipleOrderItems: "No more than 50 at a time"
    order_page_size=100,  # GetOrders limit: "The supported maximum number is 100"
    order_window_days=3650,  # GetOrders documents no maximum window
    batch_per_item=False,  # one call mixes SKUs of any products
)
PRODUCT_PAGE_SIZE = 50  # GetProducts limit: "The maximum is 50"
PRODUCT_MAX_OFFSET = 10_000  # GetProducts offset: "The maximum offset is 10000"
SKU_LIST_SIZE = 50  # sku_seller_list ≤ 100 SKUs; 50 keeps the answer on one page of 50
ORDER_MAX_OFFSET = 4_500
"""GetOrders offset: "Max Length: 4500" on the API page, "Maximum value: 5000" in the
order guide (doc 121327); the lower is kept. Paging moves the update_after cursor instead
of the offset, so the offset only grows within one second's orders."""
HEADER_CACHE_SIZE = 10_000
LAUNCH = datetime(2012, 1, 1, tzinfo=UTC).timestamp()
"""Lazada opened in 2012: no product was created before (the scan splits from here)."""
DROPSHIP = "dropship"  # Pack delivery_type: "The field value must be dropship"

PRODUCTS = "/products/get"
MIGRATE_IMAGE = "/image/migrate"
CREATE = "/product/create"
SELLER_SKU_TAKEN = ("4135", "outerId already exists")
"""/product/create refusing a SellerSku the seller already has (a create whose answer was
lost, made again): its message "Insert sku outer id relation failed, outerId already
exists"; the code 4135 beside it is the sandbox's (UNCONFIRMED), so the message decides too."""
UPDATE = "/product/update"
UPDATE_SELLABLE = "/product/stock/sellable/update"
UPDATE_PRICE = "/product/price_quantity/update"
ORDERS = "/orders/get"
ORDER = "/order/get"
ORDERS_ITEMS = "/orders/items/get"
ORDER_ITEMS = "/order/items/get"
PACK = "/order/fulfill/pack"
RTS = "/order/package/rts"
PACKAGE_BATCH = 20  # ReadyToShip packages "≤ 20" (docs/MARKETPLACES.md#lazada-batches)
SHIPPING_ALLOCATE_TYPE = "TFS"
"""Pack's shipping_allocate_type: "the local store is always of type TFS and the
cross-border store is always of type NTFS" (Fulfillment orders guide); Lapak serves local
Indonesian sellers (NTFS would also need a shipment_provider_code)."""
NO_ORDERS_FOUND = "39"  # GetMultipleOrderItems E039: No orders were found


class LazadaCredentials(BaseModel):
    """A Lazada store's credentials: the app's key and secret (from the config), and the
    seller's first refresh token and `seller_id`, which `lapak connect` obtains
    (docs/connect.md; a config may still name them for a seller authorized by hand). Later
    refresh tokens live in the TokenVault: Lazada hands a new one with every refresh.
    `seller_id`, when known, makes pushes for other sellers of the same app refused (all of
    an app's sellers push to one callback URL)."""

    model_config = ConfigDict(frozen=True, extra="forbid", coerce_numbers_to_str=True)

    app_key: str
    app_secret: SecretStr
    refresh_token: SecretStr | None = None
    seller_id: str | None = None

    @property
    def connected(self) -> bool:
        """Whether these credentials alone reach the store, without `lapak connect`:
        a refresh token is set (authorized by hand) (`sync.store_overview`)."""
        return self.refresh_token is not None


class LazadaConnector(ConnectorBase[LazadaCredentials], UpsertByGroup[mapping.DraftGroup]):
    """One Lazada seller. Build it through `connectors.lazada.plugin.create`."""

    group_type: ClassVar[type[mapping.DraftGroup]] = mapping.DraftGroup
    item_name: ClassVar[str] = "lazada product"

    platform: ClassVar[str] = "lazada"
    limits: ClassVar[ConnectorLimits] = LIMITS

    relative_paths: ClassVar[bool] = False

    def __init__(
        self,
        store: StoreSpec,
        credentials: LazadaCredentials,
        *,
        auth_url: str | None = None,
        package_cm: tuple[float, float, float] = mapping.DEFAULT_PACKAGE_CM,
        **plumbing: Unpack[Plumbing],
    ):
        """`auth_url` overrides where the token APIs live (default:
        `client.auth_url_for(store.base_url)`); `package_cm` is the parcel (length, width,
        height in cm) declared for new products."""
        self._auth_url = auth_url or auth_url_for(store.base_url)
        self._package_cm = package_cm
        super().__init__(store, credentials, **plumbing)

    def _connect(self, credentials: LazadaCredentials, wiring: Wiring) -> None:
        self._app_key = credentials.app_key
        self._app_secret = credentials.app_secret.get_secret_value()
        self._seller_id = credentials.seller_id
        self._client = LazadaClient(
            wiring,
            api_url=self.store.base_url,
            auth_url=self._auth_url,
            app_key=credentials.app_key,
            app_secret=self._app_secret,
            initial_refresh_token=secret_text(credentials.refresh_token),
        )
        self._image = HostedImages(self._migrated_image)
        self._headers: dict[str, wire.OrderHeader] = {}

    # --- listings ------------------------------------------------------------------------

    def scan_listings(self) -> Iterator[RemoteListing]:
        for product in first_seen(self._products(), key=lambda product: product.item_id):
            yield from mapping.listings(product)

    def _products(self) -> Iterator[wire.Product]:
        """Every product but the deleted ones. Offset paging stops at 10,000, so a bigger
        shop is read in creation-time windows, halved until each fits."""
        pages = creation_windows(
            self._products_created,
            lambda page: page.total_products <= PRODUCT_MAX_OFFSET + PRODUCT_PAGE_SIZE,
            (int(LAUNCH), int(self._clock()) + 86_400),
            shared_boundary=True,  # second-grain ISO bounds, both inclusive
            too_dense=f"{PRODUCTS}: more than {PRODUCT_MAX_OFFSET} products in 1 s",
        )
        for page in pages:
            yield from page.products

    def _products_created(self, window: tuple[int, int] | None) -> Iterator[wire.ProductPage]:
        """GetProducts of everything (None) or of the products created within `window`."""
        params = {"filter": "all"}
        if window is not None:
            params.update(
                create_after=order_mapping.iso(window[0]),
                create_before=order_mapping.iso(window[1], up=True),
            )
        return self._product_pages(params)

    def _product_pages(self, params: Mapping[str, Any]) -> Iterator[wire.ProductPage]:
        """The pages of GetProducts at offsets 0, 50, … (nothing is asked until the first
        is wanted)."""
        return offset_pages(
            lambda query: self._client.get(PRODUCTS, query, wire.ProductPage),
            {**params, "limit": PRODUCT_PAGE_SIZE},
            lambda page: page.products,
            lambda page: page.total_products,
        )

    def read_stock(self, refs: Sequence[ListingRef]) -> list[RemoteListing]:
        """GetProducts by lists of SKUs, side by side (`sync.parallel`)."""
        skus = list(dict.fromkeys(ref.sku for ref in refs))
        found: dict[tuple[str, str], RemoteListing] = {}
        calls = chunks(skus, SKU_LIST_SIZE)
        for listings in in_parallel(self._listed, calls, at_once=LIMITS.parallel_calls):
            found.update((mapping.ref_key(x.ref), x) for x in listings)
        return self._in_ref_order(refs, found, mapping.ref_key)

    def _listed(self, skus: Sequence[str]) -> list[RemoteListing]:
        """The listings of the products that hold these SKUs (≤ `SKU_LIST_SIZE`)."""
        params = {"filter": "all", "sku_seller_list": json.dumps(skus, ensure_ascii=False)}
        return [
            listing
            for page in self._product_pages(params)
            for product in page.products
            for listing in mapping.listings(product)
        ]

    def _create_group(self, group: mapping.DraftGroup) -> list[ItemResult]:
        missing = mapping.missing_for_create(group)
        if missing is not None:
            raise PermanentError(missing)
        images = [self._image(url) for url in group.image_urls]
        payload = mapping.create_payload(group, images, self._package_cm)
        try:
            created = self._client.post(
                CREATE, {"payload": payload}, wire.CreatedProduct, idempotent=False
            )
        except LazadaError as refused:
            code, words = SELLER_SKU_TAKEN
            if refused.code == code or words in str(refused):
                raise AlreadyExistsError(str(refused), code=refused.code) from None
            raise
        return mapping.created_results(group, created)

    def _update_group(self, group: mapping.DraftGroup) -> list[ItemResult]:
        images = [self._image(url) for url in group.image_urls]
        if not mapping.is_id(group.key):
            raise PermanentError(f"{group.lead.sku}: item_id {group.key!r} is not a Lazada id")
        payload = mapping.update_payload(group.key, group.drafts, images, self._package_cm)
        self._client.post(UPDATE, {"payload": payload}, wire.Nothing)
        return [ItemResult.success(d.sku, d.ref) for d in group.drafts]

    def _migrated_image(self, url: str) -> str:
        """The Lazada image URL for a catalog image URL ("Only Lazada image Urls can be used
        when products are created or updated")."""
        payload = mapping.image_xml(url)
        migrated = self._client.post(MIGRATE_IMAGE, {"payload": payload}, wire.MigratedImage)
        return migrated.image.url

    # --- stock and prices ----------------------------------------------------------------

    def update_stock(self, updates: Sequence[StockUpdate]) -> list[ItemResult]:
        plan = mapping.stock_plan(updates, LIMITS.stock_batch)
        return self._push(UPDATE_SELLABLE, plan, updates)

    def update_prices(self, updates: Sequence[PriceUpdate]) -> list[ItemResult]:
        plan = mapping.price_plan(updates, LIMITS.price_batch)
        return self._push(UPDATE_PRICE, plan, updates)

    def _push(
        self, path: str, plan: Plan[mapping.Batch], updates: Sequence[Update]
    ) -> list[ItemResult]:
        """One call to `path` per batch of the plan (`kit.updates.push_plan`); a refusal
        whose detail names SKUs fails only those (`mapping.batch_results`)."""

        def send(batch: mapping.Batch) -> Results:
            try:
                self._client.post(path, {"payload": batch.payload}, wire.Nothing)
            except LazadaError as refusal:
                return mapping.batch_results(batch, updates, refusal, path)
            return mapping.batch_results(batch, updates, None, path)

        return self._push_plan(plan, updates, send)

    # --- orders --------------------------------------------------------------------------

    def list_order_ids(self, since: datetime, until: datetime) -> Iterator[str]:
        """Orders updated in [since, until], oldest update first. Each page moves the
        update_after cursor to the last update time it saw (orders of that second come
        again and are skipped), so the offset stays 0 unless one second holds a full page."""
        self._headers.clear()
        first = {
            "update_after": order_mapping.iso(order_mapping.epoch(since)),
            "update_before": order_mapping.iso(until.timestamp(), up=True),
            "sort_by": "updated_at",
            "sort_direction": "ASC",
            "offset": 0,
            "limit": LIMITS.order_page_size,
        }
        orders = pages(
            lambda query: self._client.get(ORDERS, query, wire.OrderPage), first, _next_orders
        )
        headers = (header for page in orders for header in page.orders)
        for header in first_seen(headers, key=lambda header: header.order_id):
            self._remember(header)
            yield header.order_id

    def _remember(self, header: wire.OrderHeader) -> None:
        if len(self._headers) >= HEADER_CACHE_SIZE:
            self._headers.pop(next(iter(self._headers)))
        self._headers[header.order_id] = header

    def get_orders(self, external_ids: Sequence[str]) -> list[RemoteOrder]:
        ids = [i for i in dict.fromkeys(external_ids) if i.isdigit()]
        if len(ids) < len(set(external_ids)):
            log.warning("lazada_order_ids_skipped", store=self.store.name, reason="not numeric")
        orders: list[RemoteOrder] = []
        size = LIMITS.order_detail_batch
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            order_ids = json.dumps([int(i) for i in chunk], separators=(",", ":"))
            try:
                found = self._client.get(
                    ORDERS_ITEMS, {"order_ids": order_ids}, wire.OrderItemsList
                )
            except LazadaError as exc:
                if exc.code == NO_ORDERS_FOUND:
                    continue
                raise
            items = {entry.order_id: entry.order_items for entry in found.root}
            for order_id in chunk:
                header = self._header(order_id) if order_id in items else None
                if header is not None:
                    orders.append(order_mapping.remote_order(header, items[order_id]))
        return orders

    def _header(self, order_id: str) -> wire.OrderHeader | None:
        """The order's header: from the last listing, else /order/get."""
        cached = self._headers.get(order_id)
        if cached is not None:
            return cached
        try:
            return self._client.get(ORDER, {"order_id": order_id}, wire.OrderHeader)
        except LazadaError as exc:
            log.warning(
                "lazada_order_missing", store=self.store.name, order=order_id, code=exc.code
            )
            return None

    def ship_order(self, external_id: str, tracking_number: str) -> str | None:
        """Pack the order's units and set its packages ready to ship (the fulfilment flow of
        the "Fulfillment orders" guide: GetOrderItems, Pack, ReadyToShip; only pending or
        repacked items may be packed, only packed ones set ready to ship).

        Lazada assigns the tracking number when packing ("generated by Lazada, is not
        customizable"; the old /order/rts that took the seller's own went offline on
        30 April 2023), so `tracking_number` cannot be recorded on Lazada: the one Lazada
        gave is returned (several packages: joined by ", ") and becomes the order's. An
        order already set ready to ship (or later) is left as it is, so a repeated call
        succeeds; an unpaid or cancelled order gets Lazada's refusal as a `PermanentError`.
        """
        items = self._client.get(ORDER_ITEMS, {"order_id": external_id}, wire.OrderItemList).root
        if not items:
            raise PermanentError(f"{ORDER_ITEMS}: order {external_id} has no items")
        active = [i for i in items if i.status not in ("canceled", "cancelled")] or items
        if all(i.status in order_mapping.RTS_OR_LATER for i in active):
            log.info(
                "lazada_order_already_shipped",
                store=self.store.name,
                order=external_id,
                lazada_tracking=sorted({i.tracking_code for i in active}),
            )
            return _joined({i.tracking_code for i in active})
        packed = {i.package_id for i in active if i.status == "packed" and i.package_id}
        tracking = {i.tracking_code for i in active if i.status == "packed" and i.tracking_code}
        to_pack = [i for i in active if i.status not in order_mapping.RTS_OR_LATER | {"packed"}]
        if to_pack:
            for item in self._pack(external_id, to_pack):
                packed.add(item.package_id)
                tracking.add(item.tracking_number)
        self._ready_to_ship(sorted(p for p in packed if p))
        if tracking_number not in tracking:
            log.info(
                "lazada_tracking_assigned",
                store=self.store.name,
                order=external_id,
                lazada_tracking=sorted(tracking),
            )
        return _joined(tracking)

    def _pack(self, order_id: str, items: Sequence[wire.OrderItem]) -> list[wire.PackedItem]:
        request = {
            "pack_order_list": [
                {
                    "order_id": int(order_id),
                    "order_item_list": [int(i.order_item_id) for i in items],
                }
            ],
            "delivery_type": DROPSHIP,
            "shipping_allocate_type": SHIPPING_ALLOCATE_TYPE,
        }
        params = {"packReq": json.dumps(request, separators=(",", ":"))}
        result = self._client.post(PACK, params, wire.PackResult, idempotent=False, key="result")
        packed = [item for order in result.data.pack_order_list for item in order.order_item_list]
        if not packed:
            raise _refused(PACK, result.error_code, result.error_msg or "nothing was packed")
        for item in packed:
            if item.item_err_code != "0":
                what = f"order item {item.order_item_id}: {item.msg or 'refused'}"
                raise _refused(PACK, item.item_err_code, what, retry=item.retry)
        return packed

    def _ready_to_ship(self, package_ids: Sequence[str]) -> None:
        if not package_ids:
            raise PermanentError(f"{RTS}: no package to set ready to ship")
        for start in range(0, len(package_ids), PACKAGE_BATCH):
            chunk = package_ids[start : start + PACKAGE_BATCH]
            request = {"packages": [{"package_id": p} for p in chunk]}
            params = {"readyToShipReq": json.dumps(request, separators=(",", ":"))}
            result = self._client.post(
                RTS, params, wire.ReadyResult, idempotent=False, key="result"
            )
            if not result.data.packages and not result.success:
                raise _refused(RTS, result.error_code, result.error_msg or "refused")
            for package in result.data.packages:
                if package.item_err_code != "0":
                    what = f"package {package.package_id}: {package.msg or 'refused'}"
                    raise _refused(RTS, package.item_err_code, what, retry=package.retry)

    # --- webhooks, tokens ----------------------------------------------------------------

    def verify_webhook(self, url: str, headers: Mapping[str, str], body: bytes) -> bool:
        """Lazada signs the body only (not the URL): Authorization = HMAC(app_key + body)."""
        authorization = header_value(headers, "Authorization")
        return signing.verify_webhook(self._app_key, self._app_secret, body, authorization)

    def parse_webhook(self, body: bytes, headers: Mapping[str, str] | None = None) -> WebhookEvent:
        return order_mapping.webhook_event(body, self._seller_id)

    def refresh_token(self, current: TokenSet | None) -> TokenSet:
        return self._client.refresh(current)


def _refused(
    path: str, code: str | None, message: str, *, retry: bool = False
) -> PermanentError | TransientError:
    """A fulfilment refusal (its code inside `result`); `retry` true is worth retrying."""
    text = f"{path}: {code}: {message}" if code else f"{path}: {message}"
    if retry:
        return TransientError(text, code=code)
    return PermanentError(text, code=code)


def _joined(tracking: set[str]) -> str | None:
    """Lazada's tracking numbers of an order's packages, as one string (None: none yet)."""
    return ", ".join(sorted(t for t in tracking if t)) or None


def _next_orders(page: wire.OrderPage, query: Query) -> Query | None:
    """GetOrders' next query: `update_after` moved to the page's last update time, or, when
    the whole page was updated within the cursor's second, the offset moved past it."""
    offset = query["offset"] + len(page.orders)
    if not page.orders or offset >= page.countTotal:
        return None
    last = order_mapping.epoch(page.orders[-1].updated_at)
    if last > order_mapping.epoch(datetime.fromisoformat(query["update_after"])):
        return {**query, "update_after": order_mapping.iso(last), "offset": 0}
    if offset > ORDER_MAX_OFFSET:
        raise TransientError(f"{ORDERS}: more than {ORDER_MAX_OFFSET} orders updated in one second")
    return {**query, "offset": offset}
