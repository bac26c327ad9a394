"""The seams between the sync engine and the world: the connector protocol and its helpers.

`sync/` is written against these protocols only. A connector (see `connectors/`) implements
`Connector`; it is made by a `ConnectorPlugin` found through the `lapak.connectors`
entry-point group. The engine hands every connector a `Pacer` (the per-store rate limit,
shared by every process) and a `TokenVault` (stored tokens, renewed once under a lock).

Failures are classified by exception type (docs/rules.md, rule 7); a batch call reports per-item
failures as `ItemResult`s instead of raising.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol, runtime_checkable

from lapak.sync.types import (
    Grant,
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
from pydantic import BaseModel

# --- failures, by what the caller should do about them -------------------------------------
#
#   ConnectorError
#    ├── TransientError        retry later (timeouts, 5xx, malformed body); retry_after in s
#    │    └── ThrottledError   the marketplace said slow down (429, error_too_many_request)
#    ├── AuthError             credentials refused even after one token refresh
#    └── PermanentError        retrying the same request cannot succeed
#         ├── AlreadyExistsError   a create refused: the listing is already on the store
#         └── OtherShopError       a verified push names another shop of the same app


class ConnectorError(Exception):
    """A marketplace call failed. `code` is the marketplace's own error code, when it gave one;
    `raw` is the payload that could not be read (one order, one item), kept for operators."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        raw: Any = None,
    ):
        super().__init__(message)
        self.code = code
        self.status = status
        self.raw = raw


class TransientError(ConnectorError):
    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
        raw: Any = None,
    ):
        super().__init__(message, code=code, status=status, raw=raw)
        self.retry_after = retry_after


class ThrottledError(TransientError):
    pass


class AuthError(ConnectorError):
    pass


class PermanentError(ConnectorError):
    pass


def not_connected(store: str) -> AuthError:
    """The refusal of a store that has neither a token of its own nor a grant: nothing to
    call its marketplace with until a seller authorizes Lapak (docs/connect.md)."""
    return AuthError(f"{store}: not connected: run lapak connect {store}", code="not_connected")


class OtherShopError(PermanentError):
    """A verified push for another shop of the same app (Shopee, Lazada and Tokopedia sign
    every shop's pushes with the app's key): `shop` is the shop it names, so an app-level
    push URL can hand it to that shop's store (`sync.app_webhooks`)."""

    def __init__(self, message: str, *, shop: str):
        super().__init__(message)
        self.shop = shop


class AlreadyExistsError(PermanentError):
    """The store refused to create a listing because one with its SKU (or, where the
    platform says so, its name) is already there: adopt it by SKU, do not mark it failed."""


# --- what a connector is handed ------------------------------------------------------------


class Pacer(Protocol):
    """Paces calls to one store account: blocks until one more call is allowed."""

    def acquire(self, weight: int = 1) -> None: ...


Refresh = Callable[[TokenSet | None], TokenSet]
"""Exchanges the current token set (None: none stored yet) for a fresh one at the marketplace."""


class TokenVault(Protocol):
    """Stored tokens of one store account.

    `token()` returns the stored token set, first renewing it through `refresh` when none is
    stored, when it expires within the vault's margin, or when its access token equals
    `stale` (the one the marketplace just refused). Renewal happens once across all workers,
    under a lock: a caller that waited on the lock gets the token the winner stored.
    """

    def token(self, refresh: Refresh, *, stale: str | None = None) -> TokenSet: ...


@dataclass(frozen=True, slots=True)
class ConnectorLimits:
    """A platform's published limits, which batching and pacing follow.

    `stock_batch`/`price_batch` count SKUs per call as the platform allows them; the
    connector itself groups. `batch_per_item` says one call covers the variants of a single
    item only (Shopee: one item, up to 50 models); otherwise a call mixes SKUs of any items.
    `singles_share_calls` qualifies it: items without variants still go many to a call
    (WooCommerce: 100 simple products per /products/batch, variations per parent).
    """

    rate_per_second: float
    burst: int
    stock_batch: int
    price_batch: int
    order_detail_batch: int
    order_page_size: int
    order_window_days: float
    batch_per_item: bool = False
    singles_share_calls: bool = False
    create_batch: int = 1
    """Items one create call carries (WooCommerce: 100 per /products/batch; most platforms
    create one item per call). A push hands creates over this many items at a time and
    checks its time budget between them."""
    parallel_calls: int = 4
    """Calls of one push a connector may have in flight at once where a push is many calls
    (one per item, or per batch); the pacer still spaces them (docs/push.md, "Calls side by
    side"). 1: one call after another."""
    sequential_stock_writes: bool = False
    """The connector sends a push's stock write calls one after another, each waiting for
    what the platform's last answer left of a limit of its own (Tokopedia's rows, Shopify's
    GraphQL cost points), instead of `parallel_calls` at once. A push then reads one write
    call ahead of its writes, not a round of them (docs/push.md, "Reading while writing")."""

    def fewest_calls(self, refs: Sequence[ListingRef], batch: int) -> int:
        """The fewest calls these batching rules allow for updates of `refs`, `batch` SKUs
        per call (`stock_batch` or `price_batch`); what benchmarks and the conformance
        suite hold a connector to."""
        if not self.batch_per_item:
            return math.ceil(len(refs) / batch)
        singles = [r for r in refs if not r.variant_id] if self.singles_share_calls else []
        per_item = Counter(r.item_id for r in refs if r.variant_id or not self.singles_share_calls)
        return math.ceil(len(singles) / batch) + sum(
            math.ceil(count / batch) for count in per_item.values()
        )


@dataclass(frozen=True, slots=True)
class StoreSpec:
    """What a connector needs to know about the store it talks to (no secrets)."""

    name: str
    platform: str
    base_url: str
    webhook_url: str | None = None


@runtime_checkable
class Connector(Protocol):
    """One store account on one marketplace. Every method may raise a `ConnectorError`."""

    platform: ClassVar[str]
    limits: ClassVar[ConnectorLimits]

    def scan_listings(self) -> Iterator[RemoteListing]:
        """Every listing (item, or each variant of an item) on the store, with its seller SKU."""
        ...

    def read_stock(self, refs: Sequence[ListingRef]) -> list[RemoteListing]:
        """Stock the store holds now for these bound listings (and the price, where the
        read carries it); a listing gone from the store is left out. A push reads its next
        slice while it writes this one (docs/push.md, "Reading while writing"): this runs
        beside `update_stock` of other listings, so what the two share is kept locked."""
        ...

    def upsert_listings(self, drafts: Sequence[ListingDraft]) -> list[ItemResult]:
        """Create unbound drafts (grouped into items with variants), update bound ones.

        A successful result carries the `ref` the store assigned.
        """
        ...

    def update_stock(self, updates: Sequence[StockUpdate]) -> list[ItemResult]:
        """Set absolute stock, at the platform's batch size; one result per update."""
        ...

    def update_prices(self, updates: Sequence[PriceUpdate]) -> list[ItemResult]:
        """Set prices, at the platform's batch size; one result per update."""
        ...

    def list_order_ids(self, since: datetime, until: datetime) -> Iterator[str]:
        """Ids of orders created or updated in [since, until], across the platform's window
        and page limits."""
        ...

    def get_orders(self, external_ids: Sequence[str]) -> list[RemoteOrder]:
        """Full orders, fetched in batches of `limits.order_detail_batch`."""
        ...

    def ship_order(self, external_id: str, tracking_number: str) -> str | None:
        """Tell the store the order is shipped with this tracking number.

        Returns None when the marketplace recorded `tracking_number`; where it assigns its
        own (Lazada's fulfilment API: "generated by Lazada, is not customizable"), returns
        the one it recorded, which is then the order's tracking number."""
        ...

    def verify_webhook(self, url: str, headers: Mapping[str, str], body: bytes) -> bool:
        """True when `body` carries the marketplace's valid signature for this store."""
        ...

    def parse_webhook(self, body: bytes, headers: Mapping[str, str] | None = None) -> WebhookEvent:
        """A verified webhook body as a `WebhookEvent` (raises `PermanentError` if malformed).

        `headers` are the delivery's HTTP headers when the caller has them (the web process
        does; a job re-reading a stored body does not): a platform that puts the delivery id
        or send time in headers (Shopify, WooCommerce) reads them there."""
        ...

    def refresh_token(self, current: TokenSet | None) -> TokenSet:
        """Obtain a new token set from the marketplace (a `Refresh` for the vault)."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class Authorization(Protocol):
    """How a seller grants Lapak access to one store: the platform's own authorization flow.

    A plugin that has one exposes it as `plugin.authorization` (docs/connect.md). `begin`
    gives the link the seller opens (None when there is no seller step, e.g. Tokopedia's
    client credentials: `complete` is then called with no parameters). After the seller
    authorizes, the platform sends the browser (or, for WooCommerce, POSTs the keys) to
    `redirect_uri`; `complete` turns those parameters into a `Grant`, exchanging a code with
    the platform where there is one. `credentials` are the app's own keys from the config;
    fields only an authorization gives may be missing from them. Raises `AuthError` when the
    platform refuses the code, `PermanentError` for parameters that cannot be right.
    """

    app_keys: tuple[str, ...]
    """The credential fields that are the app's own (what the marketplace gave the app when
    it was registered): all a config needs before the store is connected. Every other
    field of the plugin's credentials is what an authorization gives (docs/connect.md)."""

    def begin(
        self, store: StoreSpec, credentials: Mapping[str, Any], *, redirect_uri: str, state: str
    ) -> str | None: ...

    def complete(
        self,
        store: StoreSpec,
        credentials: Mapping[str, Any],
        params: Mapping[str, str],
        *,
        redirect_uri: str,
        transport: Any = None,
    ) -> Grant: ...


class ConnectorPlugin(Protocol):
    """What the `lapak.connectors` entry point names: a platform's connector factory.

    A platform's fake marketplace, if it ships one, registers apart (`lapak.sandboxes`,
    `sandboxes/registry.py`)."""

    platform: str
    limits: ConnectorLimits
    credentials_model: type[BaseModel]
    """Validates a store's resolved credentials (values, after env lookup)."""

    def create(
        self,
        store: StoreSpec,
        credentials: BaseModel,
        *,
        pacer: Pacer,
        tokens: TokenVault,
        transport: Any = None,
        **tuning: Any,
    ) -> Connector:
        """A connector for one store. `transport` overrides the HTTP transport (tests).

        `tuning` (tests and benchmarks): `clock` (unix seconds for signatures; a sandbox's
        clock), `retry_policy` (`connectors.http.RetryPolicy`), `timeout` (seconds per call).
        """
        ...
