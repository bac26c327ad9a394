"""The values that cross the connector protocol: what Lapak asks a store, what it says back.

Plain frozen dataclasses: connectors parse the wire into these (after validating it with
their own pydantic models), and `sync/` never sees a wire payload except as `raw`.
Money is `Decimal` in the store's currency; times are timezone-aware UTC `datetime`s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class ListingRef:
    """Where one SKU lives on one store: the marketplace's item id and, for a variant, its id.

    `variant_id` is "" for an item without variants (Shopee's `model_id` 0).
    """

    sku: str
    item_id: str
    variant_id: str = ""


@dataclass(frozen=True, slots=True)
class ListingDraft:
    """One SKU as it should appear on a store.

    SKUs with the same `group` are variants of one marketplace item (Shopee: models of one
    item); `group == sku` for a product without variants. `ref` is set when the listing is
    already bound, so the connector updates instead of creating.
    """

    sku: str
    group: str
    name: str
    description: str
    price: Decimal
    stock: int
    weight_grams: int
    image_urls: tuple[str, ...] = ()
    category_id: str | None = None
    variant_name: str | None = None
    ref: ListingRef | None = None


@dataclass(frozen=True, slots=True)
class StockUpdate:
    """Set the sellable stock of a bound listing to an absolute value (never a delta)."""

    ref: ListingRef
    stock: int


@dataclass(frozen=True, slots=True)
class PriceUpdate:
    """Set the price of a bound listing."""

    ref: ListingRef
    price: Decimal


@dataclass(frozen=True, slots=True)
class ItemResult:
    """The outcome of one item of a batch call.

    `permanent` tells a failure that retrying cannot fix (invalid SKU, item removed) from a
    transient one (throttled row, server hiccup) that stays dirty and is pushed again.
    `exists` marks a create the store refused because the listing is already there (Lazada's
    "outerId already exists", Tokopedia's "already used"): Lapak adopts it by SKU instead.
    """

    sku: str
    ok: bool
    ref: ListingRef | None = None
    error: str | None = None
    permanent: bool = False
    exists: bool = False

    @classmethod
    def success(cls, sku: str, ref: ListingRef | None = None) -> ItemResult:
        return cls(sku=sku, ok=True, ref=ref)

    @classmethod
    def failure(
        cls,
        sku: str,
        error: str,
        *,
        permanent: bool,
        ref: ListingRef | None = None,
        exists: bool = False,
    ) -> ItemResult:
        return cls(sku=sku, ok=False, ref=ref, error=error, permanent=permanent, exists=exists)


@dataclass(frozen=True, slots=True)
class RemoteListing:
    """A listing as the store reports it (for adoption by SKU and for stock read-back)."""

    ref: ListingRef
    stock: int
    price: Decimal | None = None
    name: str | None = None


class OrderStatus(StrEnum):
    """Lapak's normalized order status; each connector maps its platform's statuses here."""

    UNPAID = "unpaid"
    READY_TO_SHIP = "ready_to_ship"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    """Sent, then came back (a return or refund after shipping): its units are on hand again."""


@dataclass(frozen=True, slots=True)
class RemoteOrderLine:
    """One line of a marketplace order. `line_key` is unique within the order."""

    line_key: str
    sku: str
    quantity: int
    unit_price: Decimal
    name: str = ""


@dataclass(frozen=True, slots=True)
class RemoteOrder:
    """A marketplace order normalized. Only the buyer's name and city are kept (no PII beyond)."""

    external_id: str
    status: OrderStatus
    created_at: datetime
    updated_at: datetime
    lines: tuple[RemoteOrderLine, ...]
    total: Decimal
    currency: str
    buyer_name: str = ""
    buyer_city: str = ""
    ship_by: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A verified push from a marketplace, reduced to what Lapak acts on.

    `order_ids` are the orders to fetch again (never trusted as state: docs/rules.md, rule 1).
    `delivery_id` is the platform's id of this delivery when it gives one (a retried delivery
    repeats it: a replay is told by it); `sent_at` is when the platform says it sent the
    event, when the signed payload or headers carry it (a stale one can be refused).
    """

    topic: str
    order_ids: tuple[str, ...] = ()
    delivery_id: str | None = None
    sent_at: datetime | None = None
    ping: bool = False
    """A platform's "is this URL alive" check (WooCommerce's unsigned ping): answered,
    never stored, since anybody can send one."""
    shop: str | None = None
    """The shop or seller the push is for, as the platform names it in the verified body
    (Shopee `shop_id`, Lazada `seller_id`, TikTok Shop `shop_id`, Tokopedia `shop_id`):
    where one push URL serves every shop of an app, the store is found by it
    (`sync.app_webhooks`). None when the platform's body names none."""
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


LASTING = datetime(2100, 1, 1, tzinfo=UTC)
"""The `expires_at` of a key that does not expire (Shopify's offline token, WooCommerce's
API keys): the vault holds it like a token; operators are shown no expiry for it."""


@dataclass(frozen=True, slots=True)
class TokenSet:
    """An access token and what renews it. `expires_at` is when the access token dies
    (`LASTING` or later: never)."""

    access_token: str
    refresh_token: str
    expires_at: datetime
    refresh_expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Grant:
    """What a seller's authorization gave Lapak for one store (see `sync.connections`).

    `token`: the access/refresh pair, for platforms whose tokens are renewed (Shopee, Lazada,
    TikTok Shop, Tokopedia's client credentials); None where the grant is a lasting key.
    `identity`: the store's ids the platform named in the authorization (`shop_id`,
    `seller_id`, `shop_cipher`, `shop_domain`…), credential fields the config no longer holds.
    `secrets`: lasting secrets the authorization handed over (Shopify's offline
    `access_token`, WooCommerce's `consumer_key`/`consumer_secret`); sealed at rest.
    """

    identity: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict, repr=False)
    token: TokenSet | None = field(default=None, repr=False)
