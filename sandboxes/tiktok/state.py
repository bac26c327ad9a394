"""In-memory state of the TikTok Shop sandbox: shops, their products and orders.

Plain mutable dataclasses, guarded by the `TikTokSandbox` lock (never touched without it).
Region is Indonesia: currency IDR, whole-rupiah prices, one sales warehouse per shop, all
orders shipped by the seller (shipping_type SELLER, delivery option SEND_BY_SELLER).
Times are unix seconds from the sandbox clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

REGION = "ID"
CURRENCY = "IDR"
RTS_SLA_SECONDS = 2 * 86400
"""Time to ship after payment (the sandbox's; TikTok ID's SLA is UNCONFIRMED)."""

ORDER_STATUSES = (
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "PARTIALLY_SHIPPING",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
)
NOT_SHIPPED = frozenset({"UNPAID", "ON_HOLD", "AWAITING_SHIPMENT"})
PAID_NOT_SHIPPED = frozenset({"ON_HOLD", "AWAITING_SHIPMENT"})
SHIPPED = frozenset(
    {"PARTIALLY_SHIPPING", "AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED"}
)
PRODUCT_STATUSES = (
    "DRAFT",
    "PENDING",
    "FAILED",
    "ACTIVATE",
    "SELLER_DEACTIVATED",
    "PLATFORM_DEACTIVATED",
    "FREEZE",
    "DELETED",
)
SHIPPING_PROVIDERS = (
    ("7117858858072016001", "J&T Express"),
    ("7117858858072016002", "SiCepat"),
    ("7117858858072016003", "JNE"),
    ("7117858858072016004", "AnterAja"),
)
"""Providers of the seller-shipping delivery option (ids and list are the sandbox's own)."""


@dataclass(slots=True)
class Sku:
    id: str
    seller_sku: str
    price: int
    quantity: int
    sales_attributes: list[dict[str, str]] = field(default_factory=list)
    """{"id", "name", "value_id", "value_name"} per sales attribute (at most 3)."""

    @property
    def option_name(self) -> str:
        """The SKU's attribute values joined as TikTok shows `sku_name` ("Red, XL")."""
        return ", ".join(a["value_name"] for a in self.sales_attributes)


@dataclass(slots=True)
class Product:
    id: str
    title: str
    description: str
    category_id: str
    status: str
    main_images: list[str]
    weight_kg: str
    create_time: int
    update_time: int
    skus: dict[str, Sku] = field(default_factory=dict)


@dataclass(slots=True)
class LineItem:
    """One unit of an order (TikTok has no quantity on a line item)."""

    id: str
    product_id: str
    sku_id: str
    seller_sku: str
    product_name: str
    sku_name: str
    price: int


@dataclass(slots=True)
class Return:
    return_id: str
    return_type: str
    return_status: str
    create_time: int
    update_time: int


@dataclass(slots=True)
class Order:
    id: str
    status: str
    create_time: int
    update_time: int
    line_items: list[LineItem]
    package_id: str
    user_id: str
    recipient: dict[str, str]
    paid_time: int | None = None
    tracking_number: str = ""
    shipping_provider_id: str = ""
    shipping_provider: str = ""
    rts_time: int | None = None
    collection_time: int | None = None
    delivery_time: int | None = None
    cancel_time: int | None = None
    cancel_reason: str = ""
    cancellation_initiator: str = ""
    buyer_message: str = ""
    returns: list[Return] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(item.price for item in self.line_items)


@dataclass(slots=True)
class Shop:
    name: str
    app_key: str
    shop_cipher: str
    shop_id: str
    warehouse_id: str
    return_warehouse_id: str
    delivery_option_id: str
    products: dict[str, Product] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    packages: dict[str, str] = field(default_factory=dict)
    """package id → order id."""
    webhook_url: str | None = None
    idempotency: dict[str, str] = field(default_factory=dict)
    """create-product idempotency_key → product id."""

    def live_products(self) -> list[Product]:
        return [p for p in self.products.values() if p.status != "DELETED"]

    def find_sku(self, seller_sku: str) -> tuple[Product, Sku]:
        """The live SKU with this seller SKU (the first, when listed twice); LookupError."""
        for product in self.live_products():
            for sku in product.skus.values():
                if sku.seller_sku == seller_sku:
                    return product, sku
        raise LookupError(f"no listing with SKU {seller_sku!r} on store {self.name}")
