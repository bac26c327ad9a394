"""`WarungConnector`: `lapak.sync.protocol.Connector` for one Warung Online shop.

Warung Online (a fictional marketplace) speaks JSON over REST; `lapak_warung.sandbox` fakes it:

    POST  /v1/auth/token          {"api_key", "api_secret"} → {"access_token", "expires_in"}
    GET   /v1/items               ?page=&page_size= (≤ 100): items with their variants
    POST  /v1/items               a new item with its variants (≤ 50)
    PATCH /v1/items/{id}          name, description, variant names; new variants
    GET   /v1/variants            ?ids= (≤ 100): stock and price
    POST  /v1/stock, /v1/prices   {"updates": [...]} (≤ 100 rows), one result per row
    GET   /v1/orders              ?updated_from=&updated_to= (≤ 7 days apart, unix s)
                                  &cursor=&limit= (≤ 50): order ids, next_cursor
    GET   /v1/orders/batch        ?ids= (≤ 50): full orders
    POST  /v1/orders/{id}/ship    {"tracking_number"}; repeating the same number is fine

Every call but the first carries `Authorization: Bearer <token>` (tokens live 2 hours). An
error is `{"error": {"code", "message"}}` with its HTTP status; 429 comes with Retry-After.
Every item has at least one variant: a single-SKU item is one variant with no name.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeVar
from urllib.parse import quote

import httpx
from lapak.connectors.http import Retrier, RetryPolicy, make_client, parse_retry_after, send
from lapak.sync.protocol import (
    AuthError,
    ConnectorError,
    ConnectorLimits,
    Pacer,
    PermanentError,
    StoreSpec,
    ThrottledError,
    TokenVault,
    TransientError,
)
from lapak.sync.types import (
    ItemResult,
    ListingDraft,
    ListingRef,
    OrderStatus,
    PriceUpdate,
    RemoteListing,
    RemoteOrder,
    RemoteOrderLine,
    StockUpdate,
    TokenSet,
    WebhookEvent,
)
from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

log = logging.getLogger(__name__)

LIMITS = ConnectorLimits(
    rate_per_second=10,  # Warung Online allows 10 calls a second per shop, bursts of 20
    burst=20,
    stock_batch=100,  # POST /v1/stock: ≤ 100 rows, any items mixed
    price_batch=100,  # POST /v1/prices: ≤ 100 rows
    order_detail_batch=50,  # GET /v1/orders/batch: ≤ 50 ids
    order_page_size=50,  # GET /v1/orders: limit ≤ 50
    order_window_days=7,  # GET /v1/orders: updated_to - updated_from ≤ 7 days
)
PAGE_SIZE = 100  # GET /v1/items page_size, GET /v1/variants ids
WINDOW_SECONDS = int(LIMITS.order_window_days * 86400)
SIGNATURE_HEADER = "X-Warung-Signature"
STATUSES = {
    "awaiting_payment": OrderStatus.UNPAID,
    "paid": OrderStatus.READY_TO_SHIP,
    "shipped": OrderStatus.SHIPPED,
    "delivered": OrderStatus.COMPLETED,
    "cancelled": OrderStatus.CANCELLED,
    "returned": OrderStatus.RETURNED,
}

W = TypeVar("W", bound=BaseModel)


class WarungCredentials(BaseModel):
    """A shop's API key pair, from Warung Online's seller centre."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_key: str
    api_secret: SecretStr


# --- the wire: every answer is validated before it is used ----------------------------------


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Token(_Wire):
    access_token: str
    expires_in: int


class Variant(_Wire):
    id: str
    sku: str
    name: str | None = None
    price: Decimal
    stock: int


class Item(_Wire):
    id: str
    name: str
    variants: list[Variant]


class ItemPage(_Wire):
    items: list[Item]
    has_more: bool


class VariantRow(Variant):
    item_id: str


class Variants(_Wire):
    variants: list[VariantRow]


class Error(_Wire):
    code: str
    message: str


class ErrorBody(_Wire):
    error: Error


class RowResult(_Wire):
    variant_id: str
    ok: bool
    error: Error | None = None


class BatchResult(_Wire):
    results: list[RowResult]


class OrderId(_Wire):
    id: str


class OrderPage(_Wire):
    orders: list[OrderId]
    next_cursor: str | None = None


class Line(_Wire):
    line_id: str
    sku: str
    name: str
    quantity: int
    unit_price: Decimal


class Buyer(_Wire):
    name: str
    city: str


class Order(_Wire):
    id: str
    status: str
    created_at: float
    updated_at: float
    ship_by: float | None = None
    currency: str
    total: Decimal
    buyer: Buyer
    lines: list[Line]
    tracking_number: str | None = None


class Orders(_Wire):
    orders: list[Order]


class Hook(_Wire):
    event: str
    order_id: str
    delivery_id: str
    sent_at: float


# --- the connector ---------------------------------------------------------------------------


class WarungConnector:
    """One Warung Online shop. Build it through `lapak_warung.plugin.create`."""

    platform: ClassVar[str] = "warung"
    limits: ClassVar[ConnectorLimits] = LIMITS

    def __init__(
        self,
        store: StoreSpec,
        credentials: WarungCredentials,
        *,
        pacer: Pacer,
        tokens: TokenVault,
        transport: httpx.BaseTransport | None = None,
        retry_policy: RetryPolicy | None = None,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ):
        """`timeout` is per HTTP call (seconds); `clock` (unix seconds) dates token expiry."""
        self.store = store
        self._api_key = credentials.api_key
        self._secret = credentials.api_secret.get_secret_value()
        self._pacer = pacer
        self._tokens = tokens
        self._clock = clock
        self._policy = retry_policy or RetryPolicy()
        self._retrier = Retrier(self._policy)
        self._http = make_client(base_url=store.base_url, timeout=timeout, transport=transport)

    # --- HTTP: pace, authorize, retry, classify, validate --------------------------------

    def _call(
        self, wire: type[W], method: str, path: str, idempotent: bool = True, **request: Any
    ) -> W:
        """One API call; `request` holds `params` (the query) and/or `json` (the body)."""
        token = self._tokens.token(self.refresh_token).access_token
        try:
            return self._retrier.call(
                self._send, wire, method, path, request, token, idempotent=idempotent
            )
        except AuthError:  # the token was refused: renew it once and try once more
            token = self._tokens.token(self.refresh_token, stale=token).access_token
            return self._retrier.call(
                self._send, wire, method, path, request, token, idempotent=idempotent
            )

    def _send(
        self, wire: type[W], method: str, path: str, parts: dict[str, Any], token: str | None
    ) -> W:
        self._pacer.acquire()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        request = self._http.build_request(method, path, headers=headers, **parts)
        response = send(self._http, request)
        if response.status_code >= 400:
            raise _failure(path, response)
        try:
            return wire.model_validate_json(response.content)
        except ValidationError as exc:  # a cut or unexpected body: worth another try
            raise TransientError(f"{path}: unexpected answer, {exc.error_count()} errors") from None

    def refresh_token(self, current: TokenSet | None) -> TokenSet:
        """Client credentials: the key pair buys a new token (there is no refresh token)."""
        body = {"api_key": self._api_key, "api_secret": self._secret}
        token = self._retrier.call(
            self._send, Token, "POST", "/v1/auth/token", {"json": body}, None
        )
        expires_at = datetime.fromtimestamp(self._clock() + token.expires_in, UTC)
        return TokenSet(access_token=token.access_token, refresh_token="", expires_at=expires_at)

    # --- listings ------------------------------------------------------------------------

    def scan_listings(self) -> Iterator[RemoteListing]:
        page = 1
        while True:
            params = {"page": page, "page_size": PAGE_SIZE}
            reply = self._call(ItemPage, "GET", "/v1/items", params=params)
            for item in reply.items:
                for v in item.variants:
                    yield RemoteListing(
                        ListingRef(v.sku, item.id, v.id), v.stock, v.price, item.name
                    )
            if not reply.has_more:
                return
            page += 1

    def read_stock(self, refs: Sequence[ListingRef]) -> list[RemoteListing]:
        found: dict[str, Variant] = {}
        for ids in _chunks(list(dict.fromkeys(ref.variant_id for ref in refs)), PAGE_SIZE):
            reply = self._call(Variants, "GET", "/v1/variants", params={"ids": ",".join(ids)})
            found.update((v.id, v) for v in reply.variants)
        return [  # a listing the seller deleted is simply not there
            RemoteListing(ref, found[ref.variant_id].stock, found[ref.variant_id].price)
            for ref in refs
            if ref.variant_id in found
        ]

    def upsert_listings(self, drafts: Sequence[ListingDraft]) -> list[ItemResult]:
        """One call per group: a new item with its variants, or a patch of a bound one."""
        groups: dict[str, list[int]] = {}
        for index, draft in enumerate(drafts):
            groups.setdefault(draft.group, []).append(index)
        results: dict[int, ItemResult] = {}
        for indices in groups.values():
            group = [drafts[i] for i in indices]
            try:
                outcome = self._upsert_group(group)
            except (TransientError, PermanentError) as exc:
                if self._policy.beyond_cap(exc):
                    raise  # a long throttle: the job layer reschedules the whole push
                permanent = isinstance(exc, PermanentError)
                outcome = [ItemResult.failure(d.sku, str(exc), permanent=permanent) for d in group]
            results.update(zip(indices, outcome, strict=True))
        return [results[i] for i in range(len(drafts))]

    def _upsert_group(self, group: list[ListingDraft]) -> list[ItemResult]:
        lead, bound = group[0], next((d.ref for d in group if d.ref), None)
        new_variants = [
            {"sku": d.sku, "name": d.variant_name, "price": str(d.price), "stock": d.stock}
            for d in group
            if d.ref is None
        ]
        if bound is None:
            missing = [name for name in ("category_id", "image_urls") if not getattr(lead, name)]
            if missing:
                raise PermanentError(f"a new Warung Online item needs {' and '.join(missing)}")
            body: dict[str, Any] = {
                "name": lead.name,
                "description": lead.description,
                "category_id": lead.category_id,
                "weight_grams": max(d.weight_grams for d in group),
                "images": list(lead.image_urls),
                "variants": new_variants,
            }
            item = self._call(Item, "POST", "/v1/items", json=body, idempotent=False)
        else:  # content only: stock and prices of bound variants go through their batches
            known = [{"id": d.ref.variant_id, "name": d.variant_name} for d in group if d.ref]
            body = {
                "name": lead.name,
                "description": lead.description,
                "variants": known + new_variants,
            }
            item = self._call(Item, "PATCH", f"/v1/items/{quote(bound.item_id)}", json=body)
        ids = {v.sku: v.id for v in item.variants}
        return [
            ItemResult.success(d.sku, ListingRef(d.sku, item.id, ids[d.sku]))
            if d.sku in ids
            else ItemResult.failure(d.sku, f"item {item.id} came back without it", permanent=True)
            for d in group
        ]

    # --- stock and prices ----------------------------------------------------------------

    def update_stock(self, updates: Sequence[StockUpdate]) -> list[ItemResult]:
        rows = [(u.ref, {"variant_id": u.ref.variant_id, "stock": u.stock}) for u in updates]
        return self._batches("/v1/stock", rows, LIMITS.stock_batch)

    def update_prices(self, updates: Sequence[PriceUpdate]) -> list[ItemResult]:
        rows = [(u.ref, {"variant_id": u.ref.variant_id, "price": str(u.price)}) for u in updates]
        return self._batches("/v1/prices", rows, LIMITS.price_batch)

    def _batches(
        self, path: str, rows: list[tuple[ListingRef, dict]], size: int
    ) -> list[ItemResult]:
        """One call per `size` rows; a failed call fails its rows only, the rest go on."""
        results: list[ItemResult] = []
        for chunk in _chunks(rows, size):
            try:
                reply = self._call(
                    BatchResult, "POST", path, json={"updates": [b for _, b in chunk]}
                )
            except (TransientError, PermanentError) as exc:
                if self._policy.beyond_cap(exc):
                    raise
                permanent = isinstance(exc, PermanentError)
                results += [
                    ItemResult.failure(r.sku, str(exc), permanent=permanent, ref=r)
                    for r, _ in chunk
                ]
                continue
            by_id = {row.variant_id: row for row in reply.results}
            for ref, _ in chunk:
                row = by_id.get(ref.variant_id)
                if row is not None and row.ok:
                    results.append(ItemResult.success(ref.sku, ref))
                elif row is None or row.error is None:
                    results.append(
                        ItemResult.failure(ref.sku, f"{path}: no result", permanent=False)
                    )
                else:  # a row error is about the row itself (unknown variant, bad value)
                    error = f"{row.error.code}: {row.error.message}"
                    results.append(ItemResult.failure(ref.sku, error, permanent=True, ref=ref))
        return results

    # --- orders --------------------------------------------------------------------------

    def list_order_ids(self, since: datetime, until: datetime) -> Iterator[str]:
        """Window by window (≤ 7 days, ends inclusive), page by page; each id once."""
        seen: set[str] = set()
        start, end = math.floor(since.timestamp()), math.ceil(until.timestamp())
        while True:
            stop = min(start + WINDOW_SECONDS, end)
            params: dict[str, Any] = {
                "updated_from": start,
                "updated_to": stop,
                "limit": LIMITS.order_page_size,
            }
            while True:
                page = self._call(OrderPage, "GET", "/v1/orders", params=params)
                for order in page.orders:
                    if order.id not in seen:
                        seen.add(order.id)
                        yield order.id
                if not page.next_cursor:
                    break
                params["cursor"] = page.next_cursor
            if stop >= end:
                return
            start = stop

    def get_orders(self, external_ids: Sequence[str]) -> list[RemoteOrder]:
        orders: list[RemoteOrder] = []
        for ids in _chunks(list(external_ids), LIMITS.order_detail_batch):
            reply = self._call(Orders, "GET", "/v1/orders/batch", params={"ids": ",".join(ids)})
            orders += [_remote_order(order) for order in reply.orders]
        return orders

    def ship_order(self, external_id: str, tracking_number: str) -> str | None:
        """Warung Online accepts the same number again and refuses (409) another one, or an
        unpaid or cancelled order: that refusal is the `PermanentError` raised."""
        body = {"tracking_number": tracking_number}
        self._call(Order, "POST", f"/v1/orders/{quote(external_id, safe='')}/ship", json=body)

    # --- webhooks ------------------------------------------------------------------------

    def verify_webhook(self, url: str, headers: Mapping[str, str], body: bytes) -> bool:
        """`X-Warung-Signature` = hex HMAC-SHA256 of the raw body, keyed by the API secret."""
        wanted = SIGNATURE_HEADER.lower()
        given = next((v for k, v in headers.items() if k.lower() == wanted), "")
        expected = hmac.new(self._secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(given.encode(), expected.encode())

    def parse_webhook(self, body: bytes, headers: Mapping[str, str] | None = None) -> WebhookEvent:
        try:
            hook = Hook.model_validate_json(body)
        except ValidationError as exc:
            raise PermanentError(f"webhook body: {exc.error_count()} errors") from None
        return WebhookEvent(
            topic=hook.event,
            order_ids=(hook.order_id,),
            delivery_id=hook.delivery_id,
            sent_at=datetime.fromtimestamp(hook.sent_at, UTC),
            raw=hook.model_dump(),
        )

    def close(self) -> None:
        self._http.close()


def _failure(path: str, response: httpx.Response) -> ConnectorError:
    """A refusal as the exception type that tells the caller what to do about it."""
    try:
        error = ErrorBody.model_validate_json(response.content).error
        code, message = error.code, f"{path}: {error.message} ({error.code})"
    except ValidationError:
        code, message = None, f"{path}: HTTP {response.status_code}"
    status = response.status_code
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return ThrottledError(message, code=code, status=status, retry_after=retry_after)
    if status >= 500:
        return TransientError(message, code=code, status=status)
    if status == 401:
        return AuthError(message, code=code, status=status)
    return PermanentError(message, code=code, status=status)


def _remote_order(order: Order) -> RemoteOrder:
    status = STATUSES.get(order.status)
    if status is None:  # a status this connector does not know: hold its units, ship nothing
        log.warning(
            "warung: order %s has unknown status %r, taken as unpaid", order.id, order.status
        )
        status = OrderStatus.UNPAID
    return RemoteOrder(
        external_id=order.id,
        status=status,
        created_at=datetime.fromtimestamp(order.created_at, UTC),
        updated_at=datetime.fromtimestamp(order.updated_at, UTC),
        lines=tuple(
            RemoteOrderLine(line.line_id, line.sku, line.quantity, line.unit_price, line.name)
            for line in order.lines
        ),
        total=order.total,
        currency=order.currency,
        buyer_name=order.buyer.name,
        buyer_city=order.buyer.city,
        ship_by=datetime.fromtimestamp(order.ship_by, UTC) if order.ship_by else None,
        raw=order.model_dump(mode="json"),
    )


T = TypeVar("T")


def _chunks(values: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
