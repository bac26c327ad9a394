"""In-memory state of the WooCommerce sandbox: stores (one WordPress site each),
their products, variations, orders, webhooks and used OAuth nonces.

Plain mutable dataclasses, guarded by the `WooSandbox` lock. A store is an Indonesian shop:
currency IDR with no decimals, site time zone Asia/Jakarta (UTC+7, no DST), weights in kg.
Products, variations, orders and media share one id sequence per site, as WordPress posts
do (HPOS keeps order ids in that sequence too). Times are unix seconds of the sandbox clock.

A site's products live in a kit `Catalog` (kit/catalog.py): a `Product` is a `Listing`, a
variable one's variations its `Variation`s (the kit's variants); a simple product sells
itself, a variable one its variations, a grouped or external one nothing. A product or
variation with stock management off ("unmanaged stock", `stock_quantity` null) is a unit
whose stock the kit does not count. WooCommerce keeps a price as the text it was sent
(`regular_price`); the kit's `price` is its amount. A site's orders are a kit `OrderBook`
over that catalog, moved by WooCommerce's `RULES`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, cast

from lapak.sandboxes.kit.catalog import Catalog, Id, Listing, Unit, Variant
from lapak.sandboxes.kit.orders import Order, OrderBook, OrderRules
from lapak.sandboxes.kit.stores import Store

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
RULES = OrderRules(
    statuses=ORDER_STATUSES,
    unpaid="pending",
    paid="processing",
    paid_statuses=frozenset({"processing", "completed"}),
    cancelled=frozenset({"cancelled"}),
    gives_back=dict.fromkeys(("cancelled", "pending"), frozenset((*ORDER_STATUSES, "trash"))),
    shipped_statuses=frozenset({"completed"}),
    takes_stock=STOCK_HELD,
)
"""WooCommerce's stock rules (`wc-stock-functions.php`), which are not the other platforms':
an order's units leave stock when it is paid or put on hold, once, marked by
`_order_stock_reduced` (the kit's lines holding their units); they come back when a
reduced order is cancelled or set back to pending (`wc_maybe_increase_stock_levels`), or
when a refund restocks them. An unpaid (pending) order holds no stock: WooCommerce only
keeps it out of other carts for "Hold stock" minutes, which the REST API does not show.
Paying stamps `date_paid`, completing `date_completed`; any other status change moves
nothing (WooCommerce itself accepts every change)."""
TRACKING_META = "_wc_shipment_tracking_items"
"""The order meta data of shipment-tracking plugins (Advanced Shipment Tracking)."""
PRODUCT_STATUSES = ("publish", "draft", "pending", "private", "future", "trash")


@dataclass(slots=True)
class Meta:
    id: int
    key: str
    value: Any


@dataclass(kw_only=True)
class PostFields:
    """What products and variations keep alike (posts sharing the site's ids and SKUs),
    over the kit's listing or variant fields: WooCommerce's defaults for them, the price
    as WooCommerce keeps it (`regular_price`, text) and its stock management."""

    created: int
    updated: int
    sku: str = ""
    price: Decimal = Decimal(0)
    """The amount of `regular_price` (set with it by `set_regular_price`)."""
    stock: int = 0
    status: str = "publish"
    manage_stock: bool = False
    regular_price: str = ""
    description: str = ""
    weight: str = ""
    image_ids: list[int] = field(default_factory=list)
    meta: list[Meta] = field(default_factory=list)

    def set_regular_price(self, text: str) -> None:
        """The price as it was sent, and its amount (0 when it is none)."""
        self.regular_price = text
        try:
            self.price = Decimal(text or 0)
        except InvalidOperation:
            self.price = Decimal(0)

    @property
    def stock_quantity(self) -> int | None:
        """`stock_quantity`: null unless the stock is managed."""
        return self.stock if self.manage_stock else None


@dataclass(kw_only=True)
class Product(PostFields, Listing):
    """A product post: "simple", "variable", "grouped" or "external"; a variable one's
    variations are its `variants`, in the order they were made."""

    id: int
    price: Decimal = Decimal(0)
    status: str = "publish"
    type: str
    category_ids: list[int] = field(default_factory=list)
    attributes: list[dict[str, Any]] = field(default_factory=list)
    """[{id, name, slug, options, position, visible, variation}]."""

    parent_id = 0
    """A product has no parent (a variation has)."""

    @property
    def variations(self) -> list[int]:
        """Its variations' ids (the wire's `variations`)."""
        return [int(variation_id) for variation_id in self.variants]

    def children(self) -> list[Variation]:
        return cast("list[Variation]", list(self.variants.values()))

    def variation(self, variation_id: int) -> Variation | None:
        return cast("Variation | None", self.variants.get(variation_id))

    def units(self) -> list[Unit]:
        """What a buyer can order: a simple product itself, a variable one's variations."""
        if self.type == "variable":
            return [Unit(self, variation) for variation in self.variants.values()]
        return [Unit(self, None)] if self.type == "simple" else []


@dataclass(kw_only=True)
class Variation(PostFields, Variant):
    """A variation post of product `parent_id`: its attribute values by attribute slug,
    whose values are the kit's `options`. Its `name` is the parent's when it was made."""

    id: int
    price: Decimal = Decimal(0)
    parent_id: int
    name: str
    variation_attributes: dict[str, str] = field(default_factory=dict)

    type = "variation"
    attributes: ClassVar[list[dict[str, Any]]] = []
    """A variation has no attributes of its own (its values are `variation_attributes`),
    categories or variations."""
    category_ids: ClassVar[list[int]] = []
    variations: ClassVar[list[int]] = []

    def choose(self, attributes: dict[str, str]) -> None:
        """Its attribute values ({slug: option}), the kit's options in step."""
        self.variation_attributes = attributes
        self.options = list(attributes.values())


Post = Product | Variation
"""A product or variation post."""


def post_of(unit: Unit) -> Post:
    """The post behind a unit: a simple product or a variation."""
    return cast(Post, unit.variant if unit.variant is not None else unit.listing)


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
    meta: list[Meta] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)

    def tracking(self) -> str | None:
        """The last `tracking_number` of the order's shipment-tracking items."""
        items = next((m.value for m in self.meta if m.key == TRACKING_META), None)
        numbers = [str(i.get("tracking_number")) for i in items or () if isinstance(i, dict)]
        return next((n for n in reversed(numbers) if n and n != "None"), None)


class WooBook(OrderBook):
    """A site's orders, each a `WooOrder`."""

    order_type = WooOrder


@dataclass(slots=True)
class Webhook:
    """A `wc_webhooks` row: one topic pushed to one URL, signed with the store's secret."""

    id: int
    topic: str
    delivery_url: str
    secret: str
    status: str = "active"
    failure_count: int = 0


@dataclass(slots=True, kw_only=True)
class Shop(Store):
    """One WooCommerce site, a kit `Store` whose pushes go to its `webhooks`: the
    read/write API key its config names ("" when none), and the keys made since by
    approving an app (`/wc-auth/v1/authorize`)."""

    consumer_key: str
    consumer_secret: str
    webhook_secret: str
    granted_keys: dict[str, str] = field(default_factory=dict)
    """consumer_key → consumer_secret of the keys apps were granted."""
    post_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(101))
    catalog: Catalog = field(default_factory=lambda: Catalog(selling={"publish"}, gone={"trash"}))
    book: OrderBook = field(init=False)
    attachments: dict[int, Attachment] = field(default_factory=dict)
    nonces: dict[int, str] = field(default_factory=dict)
    """`nonces` column of the API key: timestamp → nonce (one per second, as WooCommerce
    stores them: `$used_nonces[ $timestamp ] = $nonce`)."""
    webhooks: list[Webhook] = field(default_factory=list)
    site_url: str = "http://127.0.0.1"
    meta_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))
    line_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.book = WooBook(self.catalog, RULES)

    def new_id(self) -> int:
        return next(self.post_ids)

    @property
    def orders(self) -> Mapping[Id, WooOrder]:
        return cast("Mapping[Id, WooOrder]", self.book.orders)

    def summary(self) -> dict[str, Any]:
        """The store as GET /_sandbox/shops lists it."""
        return {
            "name": self.name,
            "consumer_key": self.consumer_key,
            "site_url": self.site_url,
            "products": len(self.posts()),
            "orders": len(self.orders),
            "webhooks": [
                {"topic": w.topic, "url": w.delivery_url, "status": w.status} for w in self.webhooks
            ],
        }

    def secret_of(self, consumer_key: str) -> str:
        """The secret of one of the shop's keys."""
        if consumer_key == self.consumer_key:
            return self.consumer_secret
        return self.granted_keys[consumer_key]

    @property
    def products(self) -> dict[int, Product]:
        """The catalog's listings (products, not their variations) by id."""
        return cast("dict[int, Product]", self.catalog.listings)

    def posts(self) -> list[Post]:
        """Every product and every variation."""
        posts: list[Post] = []
        for product in self.products.values():
            posts.append(product)
            posts.extend(product.children())
        return posts

    def post(self, post_id: int) -> Post | None:
        """The product or variation with this id."""
        unit = self.catalog.find_id(post_id)
        return post_of(unit) if unit is not None else None

    def live(self, post: Post) -> bool:
        return post.status != "trash"

    def sku_holder(self, sku: str, *, besides: int = 0) -> Post | None:
        """The non-trashed product or variation holding `sku` (`wc_product_has_unique_sku`)."""
        for post in self.posts():
            if post.id != besides and post.sku == sku and self.live(post):
                return post
        return None

    def sellable(self) -> list[Unit]:
        """Simple products and the variations of variable products not trashed, in id
        order (the posts' order)."""
        units = [unit for product in self.catalog.live() for unit in product.units()]
        return sorted(units, key=lambda unit: post_of(unit).id)

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
