"""In-memory state of the WooCommerce sandbox: stores (one WordPress site each),
their products, variations, orders, webhooks and used OAuth nonces.

Plain mutable dataclasses, guarded by the `WooSandbox` lock. A store is an Indonesian shop:
currency IDR with no decimals, site time zone Asia/Jakarta (UTC+7, no DST), weights in kg.
Products, variations, orders and media share one id sequence per site, as WordPress posts
do (HPOS keeps order ids in that sequence too). Times are unix seconds of the sandbox clock.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from decimal import Decimal
from typing import Any

from lapak.sandboxes.kit.orders import Order

SITE_TZ = timezone(timedelta(hours=7), "WIB")
CURRENCY = "IDR"
CURRENCY_SYMBOL = "Rp"
WC_VERSION = "9.8.5"
WP_VERSION = "6.8.1"
UNCATEGORIZED = 15
CATEGORIES: dict[int, str] = {
    UNCATEGORIZED: "Uncategorized",
    16: "Pakaian",
    17: "Makanan & Minuman",
    18: "Kerajinan",
}
"""Product categories of every sandbox site (WordPress's default term is "Uncategorized")."""

ORDER_STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
    "delivered",
)
"""Core statuses (`wc_get_order_statuses`) plus "delivered", registered on these sites by a
shipment-tracking plugin (Advanced Shipment Tracking / TrackShip register `wc-delivered`)."""
STOCK_HELD = frozenset({"processing", "on-hold", "completed", "delivered"})
"""Statuses whose entry reduces stock (`wc_maybe_reduce_stock_levels` on payment/processing/
completed/on-hold); cancelled and pending give reduced stock back."""
SHIPPED = frozenset({"completed", "delivered"})
PRODUCT_STATUSES = ("publish", "draft", "pending", "private", "future", "trash")


@dataclass(slots=True)
class Meta:
    id: int
    key: str
    value: Any


@dataclass(slots=True)
class Product:
    """A product post: "simple", "variable" or "variation" (then `parent_id` is set)."""

    id: int
    type: str
    name: str
    created: float
    updated: float
    parent_id: int = 0
    sku: str = ""
    status: str = "publish"
    description: str = ""
    regular_price: str = ""
    manage_stock: bool = False
    stock_quantity: int | None = None
    weight: str = ""
    image_ids: list[int] = field(default_factory=list)
    category_ids: list[int] = field(default_factory=list)
    attributes: list[dict[str, Any]] = field(default_factory=list)
    """Parent: [{id, name, options, position, visible, variation}]; variation: {slug: option}."""
    variation_attributes: dict[str, str] = field(default_factory=dict)
    variations: list[int] = field(default_factory=list)
    meta: list[Meta] = field(default_factory=list)

    @property
    def stock_status(self) -> str:
        if self.manage_stock and self.stock_quantity is not None:
            return "instock" if self.stock_quantity > 0 else "outofstock"
        return "instock"

    @property
    def price(self) -> Decimal:
        return Decimal(self.regular_price or 0)


@dataclass(slots=True)
class Attachment:
    id: int
    src: str
    name: str
    created: float


@dataclass(slots=True)
class WooOrder(Order):
    """The kit's order (`shipped_at` is `date_completed`, `updated` is `date_modified`,
    the billing and shipping address are the buyer's) and what WooCommerce keeps besides."""

    id: int
    status: str
    payment: tuple[str, str] = ("bacs", "Transfer Bank")
    """(payment_method, payment_method_title)."""
    stock_reduced: bool = False
    meta: list[Meta] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)

    def meta_value(self, key: str) -> Any:
        return next((m.value for m in self.meta if m.key == key), None)


@dataclass(slots=True)
class Webhook:
    """A `wc_webhooks` row: one topic pushed to one URL, signed with the store's secret."""

    id: int
    topic: str
    delivery_url: str
    secret: str
    status: str = "active"
    failure_count: int = 0

    @property
    def resource(self) -> str:
        return self.topic.split(".", 1)[0]

    @property
    def event(self) -> str:
        return self.topic.split(".", 1)[1]


@dataclass(slots=True)
class Shop:
    """One WooCommerce site: the read/write API key its config names ("" when none), and
    the keys made since by approving an app (`/wc-auth/v1/authorize`)."""

    name: str
    consumer_key: str
    consumer_secret: str
    webhook_secret: str
    granted_keys: dict[str, str] = field(default_factory=dict)
    """consumer_key → consumer_secret of the keys apps were granted."""
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(101))
    products: dict[int, Product] = field(default_factory=dict)
    attachments: dict[int, Attachment] = field(default_factory=dict)
    orders: dict[int, WooOrder] = field(default_factory=dict)
    nonces: dict[int, str] = field(default_factory=dict)
    """`nonces` column of the API key: timestamp → nonce (one per second, as WooCommerce
    stores them: `$used_nonces[ $timestamp ] = $nonce`)."""
    webhooks: list[Webhook] = field(default_factory=list)
    site_url: str = "http://127.0.0.1"
    meta_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))
    line_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def new_id(self) -> int:
        return next(self.ids)

    def secret_of(self, consumer_key: str) -> str:
        """The secret of one of the shop's keys."""
        if consumer_key == self.consumer_key:
            return self.consumer_secret
        return self.granted_keys[consumer_key]

    def live(self, product: Product) -> bool:
        return product.status != "trash"

    def sku_holder(self, sku: str, *, besides: int = 0) -> Product | None:
        """The non-trashed product or variation holding `sku` (`wc_product_has_unique_sku`)."""
        for product in self.products.values():
            if product.id != besides and product.sku == sku and self.live(product):
                return product
        return None

    def sellable(self) -> list[Product]:
        """Simple products and variations of live variable products, in id order."""
        rows = []
        for product in self.products.values():
            if not self.live(product):
                continue
            if product.type == "simple":
                rows.append(product)
            elif product.type == "variable":
                rows.extend(self.products[v] for v in product.variations if v in self.products)
        return sorted(rows, key=lambda p: p.id)

    def update_meta(self, meta: list[Meta], entries: Any) -> None:
        """`WC_Data::update_meta_data` for each {id?, key, value} of a body's `meta_data`:
        replace the entry by id or key, else add one."""
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict) or not entry.get("key"):
                continue
            meta_id = entry.get("id") if isinstance(entry.get("id"), int) else None
            key, value = str(entry["key"]), entry.get("value")
            found = (m for m in meta if (m.id == meta_id if meta_id else m.key == key))
            held = next(found, None)
            if held is None:
                meta.append(Meta(next(self.meta_ids), key, value))
            else:
                held.key, held.value = key, value
