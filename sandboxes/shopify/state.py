"""The Shopify sandbox's state on the kit's: shops, products, variants, and what a Shopify
order holds beyond the kit's `Order` (its number, fulfillment orders, fulfilments, refunds).

Guarded by the `ShopifySandbox` lock. Shops sell in IDR from Jakarta, so timestamps go out
with the shop's offset ("2025-01-15T10:04:05+07:00"); inside they are unix seconds of the
sandbox clock. Each shop has one location, where every tracked inventory item is stocked:
a variant's `stock` is its `available` there.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, cast

from lapak.sandboxes.kit import catalog as kit
from lapak.sandboxes.kit.orders import Order, OrderRules
from lapak.sandboxes.kit.stores import Store

CURRENCY = "IDR"
SHOP_TZ = timezone(timedelta(hours=7), "WIB")
DEFAULT_TITLE = "Default Title"
"""The option value of the one variant of a product without options (Shopify's own)."""
MAX_VARIANTS = 100
"""A product has at most 100 variants (REST Product Variant reference)."""
RULES = OrderRules(
    statuses=("pending", "paid", "refunded", "voided"),
    unpaid="pending",
    paid="paid",
    paid_statuses=frozenset({"paid"}),
    cancelled=frozenset(),
    gives_back={"refunded": frozenset({"pending", "paid"}), "voided": frozenset({"pending"})},
)
"""An order's kit status is its `financial_status`; a cancellation before shipping, or a
refund, puts its units back on `available` (a fulfilment leaves it alone)."""
ID_STARTS = {
    "product": 8_100_000_001,
    "variant": 44_100_000_001,
    "inventory_item": 46_100_000_001,
    "order": 5_900_000_001,
    "line_item": 13_900_000_001,
    "fulfillment_order": 6_900_000_001,
    "fulfillment_order_line": 14_900_000_001,
    "fulfillment": 4_900_000_001,
    "refund": 9_300_000_001,
    "customer": 7_100_000_001,
}
"""Id sequences shaped like Shopify's (large integers, one range per resource)."""
Ids = dict[str, Iterator[int]]


def new_ids() -> Ids:
    return {kind: itertools.count(start) for kind, start in ID_STARTS.items()}


def iso(seconds: float | None) -> str | None:
    """Shopify's timestamp form in the shop's zone, or None."""
    if seconds is None:
        return None
    return datetime.fromtimestamp(int(seconds), SHOP_TZ).isoformat()


def parse_iso(text: str) -> float:
    """Unix seconds of an ISO 8601 timestamp (a naive one is taken as UTC); ValueError."""
    moment = datetime.fromisoformat(text.strip().replace(" ", "+"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def money(amount: Decimal) -> str:
    """Shopify's money strings: two decimals ("75000.00")."""
    return f"{amount.quantize(Decimal('0.01')):f}"


@dataclass(slots=True)
class Variant(kit.Variant):
    """`options[0]` is the variant's `option1`; `tracked`: its inventory_management is
    "shopify" (only a tracked item is stocked at the location)."""

    id: int
    inventory_item_id: int = 0
    position: int = 1
    weight: float = 0.0
    weight_unit: str = "g"
    tracked: bool = True
    created: int = 0
    updated: int = 0
    level_updated: int = 0

    @property
    def option1(self) -> str:
        return self.options[0] if self.options else DEFAULT_TITLE

    @property
    def grams(self) -> int:
        factor = {"g": 1.0, "kg": 1000.0, "oz": 28.349523, "lb": 453.59237}
        return round(self.weight * factor.get(self.weight_unit, 1.0))


@dataclass(slots=True)
class Product(kit.Listing):
    """`name` is the product's title, `images` its image URLs."""

    id: int
    body_html: str = ""
    vendor: str = ""
    product_type: str = ""
    handle: str = ""
    option_name: str = "Title"
    """The one option's name ("Title" for a product without options)."""

    @property
    def skus(self) -> list[Variant]:
        return cast("list[Variant]", list(self.variants.values()))

    @property
    def has_variants(self) -> bool:
        """False for a product sold as one "Default Title" variant (no options): Lapak's
        `ListingRef` has no variant id for it."""
        only = self.skus
        return not (len(only) == 1 and only[0].option1 == DEFAULT_TITLE)


@dataclass(slots=True)
class FulfillmentOrder:
    id: int
    location_id: int
    status: str
    """open, in_progress, closed (the REST enum has more: never reached here)."""
    lines: list[dict[str, int]]
    """{"id", "line_item_id", "inventory_item_id", "variant_id", "quantity",
    "fulfillable_quantity"} per line."""
    created_at: int
    updated_at: int


@dataclass(slots=True)
class Fulfillment:
    id: int
    location_id: int
    tracking_number: str | None
    tracking_company: str | None
    line_items: list[tuple[int, int]]
    """(line item id, quantity)."""
    created_at: int
    updated_at: int
    shipment_status: str | None = None


@dataclass(slots=True)
class Refund:
    id: int
    line_items: list[tuple[int, int]]
    created_at: int


@dataclass(slots=True)
class Shipping:
    """What a Shopify order holds beyond the kit's `Order` (`order.fields["shopify"]`)."""

    number: int
    customer_id: int
    gateway: str
    fulfillment_orders: list[FulfillmentOrder]
    fulfillments: list[Fulfillment] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    closed_at: int | None = None

    def fulfilled_quantity(self, line_id: int) -> int:
        return sum(q for f in self.fulfillments for i, q in f.line_items if i == line_id)

    def refunded_quantity(self, line_id: int) -> int:
        return sum(q for r in self.refunds for i, q in r.line_items if i == line_id)


def shipping(order: Order) -> Shipping:
    return cast(Shipping, order.fields["shopify"])


def fulfillment_status(order: Order) -> str | None:
    """null (none shipped), "partial" or "fulfilled": the REST order field."""
    held = shipping(order)
    shipped = [held.fulfilled_quantity(int(line.id)) for line in order.lines]
    if not any(shipped):
        return None
    if all(q >= line.quantity for q, line in zip(shipped, order.lines, strict=True)):
        return "fulfilled"
    return "partial"


@dataclass(slots=True, kw_only=True)
class Shop(Store):
    """A shop (the kit's `Store`, its `name` as Lapak's config names it) with the custom
    app installed on it: its offline token, the app's keys, and its one location."""

    domain: str
    access_token: str
    client_secret: str
    client_id: str
    """The Client ID of the app installed on the shop: names it on the install page."""
    api_version: str
    location_id: int
    revoked: bool = False
    next_number: int = 1001
    handles: dict[str, int] = field(default_factory=dict)
    """The product each handle was made for (`handle_taken`)."""

    @property
    def products(self) -> dict[int, Product]:
        return cast("dict[int, Product]", self.catalog.listings)

    def handle_taken(self, handle: str) -> bool:
        """A product of the shop has this handle (a deleted one's is free again)."""
        product = self.products.get(self.handles.get(handle, -1))
        return product is not None and product.handle == handle

    def ids(self) -> dict[str, Any]:
        return {"domain": self.domain, "location_id": self.location_id}

    def variant(self, variant_id: int) -> tuple[Product, Variant] | None:
        for product in self.products.values():
            for variant in product.skus:
                if variant.id == variant_id:
                    return product, variant
        return None

    def inventory_items(self) -> dict[int, Variant]:
        return {v.inventory_item_id: v for p in self.products.values() for v in p.skus}
