"""In-memory state of the Shopify sandbox: shops, their catalog, stock and orders.

Plain mutable dataclasses guarded by the `ShopifySandbox` lock (never touched without it).
Shops sell in IDR from Jakarta (UTC+7), so timestamps go out as Shopify writes them for
such a shop: ISO 8601 with the shop's offset ("2025-01-15T10:04:05+07:00"). Internally
times are unix seconds from the sandbox clock. Each shop has one location (its primary
one), where every tracked inventory item is stocked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

CURRENCY = "IDR"
SHOP_TZ = timezone(timedelta(hours=7), "WIB")
DEFAULT_TITLE = "Default Title"
"""The option value of the one variant of a product without options (Shopify's own)."""
MAX_VARIANTS = 100
"""REST product resource: "Each product can have a maximum of three options and a maximum
of 100 variants" (Product Variant reference, 2024-01..2025-10)."""


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
class Variant:
    id: int
    product_id: int
    option1: str
    sku: str
    price: Decimal
    inventory_item_id: int
    position: int
    weight: float = 0.0
    weight_unit: str = "g"
    inventory_management: str | None = "shopify"
    created_at: int = 0
    updated_at: int = 0

    @property
    def grams(self) -> int:
        factor = {"g": 1.0, "kg": 1000.0, "oz": 28.349523, "lb": 453.59237}
        return round(self.weight * factor.get(self.weight_unit, 1.0))


@dataclass(slots=True)
class Product:
    id: int
    title: str
    body_html: str
    vendor: str
    product_type: str
    handle: str
    status: str
    option_name: str
    """The one option's name ("Title" for a product without options)."""
    variants: dict[int, Variant]
    images: list[dict[str, Any]]
    created_at: int
    updated_at: int

    @property
    def has_options(self) -> bool:
        """False for a product sold as one "Default Title" variant (no options)."""
        only = list(self.variants.values())
        return not (len(only) == 1 and only[0].option1 == DEFAULT_TITLE)


@dataclass(slots=True)
class LineItem:
    id: int
    variant_id: int
    product_id: int
    inventory_item_id: int
    sku: str
    title: str
    variant_title: str
    quantity: int
    price: Decimal
    grams: int


@dataclass(slots=True)
class FulfillmentOrder:
    id: int
    order_id: int
    location_id: int
    status: str
    """open, in_progress, closed, cancelled (the REST enum also has incomplete, on_hold,
    scheduled: never reached here)."""
    lines: list[dict[str, int]]
    """{"id", "line_item_id", "inventory_item_id", "variant_id", "quantity",
    "fulfillable_quantity"} per line."""
    created_at: int
    updated_at: int


@dataclass(slots=True)
class Fulfillment:
    id: int
    order_id: int
    location_id: int
    tracking_number: str | None
    tracking_company: str | None
    line_items: list[tuple[int, int]]
    """(line item id, quantity)."""
    created_at: int
    updated_at: int
    status: str = "success"
    shipment_status: str | None = None


@dataclass(slots=True)
class Refund:
    id: int
    order_id: int
    restock: bool
    line_items: list[tuple[int, int]]
    created_at: int
    note: str = ""


@dataclass(slots=True)
class Order:
    id: int
    number: int
    created_at: int
    updated_at: int
    financial_status: str
    line_items: list[LineItem]
    customer: dict[str, Any]
    shipping_address: dict[str, Any]
    gateway: str
    fulfillment_orders: list[FulfillmentOrder] = field(default_factory=list)
    fulfillments: list[Fulfillment] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    processed_at: int | None = None
    cancelled_at: int | None = None
    cancel_reason: str | None = None
    closed_at: int | None = None

    @property
    def name(self) -> str:
        return f"#{self.number}"

    @property
    def total_price(self) -> Decimal:
        return sum((line.price * line.quantity for line in self.line_items), Decimal(0))

    def fulfilled_quantity(self, line_id: int) -> int:
        return sum(q for f in self.fulfillments for i, q in f.line_items if i == line_id)

    @property
    def fulfillment_status(self) -> str | None:
        """null (none shipped), "partial" or "fulfilled" — REST order field."""
        shipped = [self.fulfilled_quantity(line.id) for line in self.line_items]
        if not any(shipped):
            return None
        if all(q >= line.quantity for q, line in zip(shipped, self.line_items, strict=True)):
            return "fulfilled"
        return "partial"

    @property
    def tracking_number(self) -> str | None:
        numbers = [f.tracking_number for f in self.fulfillments if f.tracking_number]
        return numbers[-1] if numbers else None


@dataclass(slots=True)
class Shop:
    name: str
    domain: str
    access_token: str
    client_secret: str
    location_id: int
    products: dict[int, Product] = field(default_factory=dict)
    levels: dict[int, int] = field(default_factory=dict)
    """Available quantity per inventory item at the shop's (one) location."""
    level_updated: dict[int, int] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    webhook_url: str | None = None
    revoked: bool = False
    next_number: int = 1001
    client_id: str = ""
    """The Client ID (API key) of the app installed on the shop: names it on the install page."""

    def variant(self, variant_id: int) -> tuple[Product, Variant] | None:
        for product in self.products.values():
            found = product.variants.get(variant_id)
            if found is not None:
                return product, found
        return None

    def find_sku(self, sku: str) -> tuple[Product, Variant] | None:
        for product in self.products.values():
            for variant in product.variants.values():
                if variant.sku == sku:
                    return product, variant
        return None

    def inventory_items(self) -> dict[int, tuple[Product, Variant]]:
        return {
            v.inventory_item_id: (p, v) for p in self.products.values() for v in p.variants.values()
        }


@dataclass(frozen=True, slots=True)
class AuthCode:
    """An OAuth authorization code handed out on an install: good once, until `expires_at`
    (unix seconds), for the scopes the merchant approved."""

    shop: str
    expires_at: float
    scope: str
