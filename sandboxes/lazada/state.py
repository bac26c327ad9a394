"""In-memory state of the Lazada sandbox: sellers, their products and their orders.

Plain mutable dataclasses, guarded by the `LazadaSandbox` lock (never touched without it).
Venture is Indonesia: currency IDR, whole-rupiah prices, times shown in WIB (+07:00).
Times are unix seconds from the sandbox clock.

Stock per SKU follows Lazada's inventory-calculation-logic guide: `sellable` is what buyers
can buy (UpdateSellableQuantity sets it), `withhold` holds units of unpaid orders,
`occupy` units of paid orders until they are set ready to ship; their sum is the SKU's
total quantity (what UpdatePriceQuantity's `Quantity` sets).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CURRENCY = "IDR"
SITE = "lazada_id"
WAREHOUSE = "dropshipping"
SAMPLE_CATEGORY = "10002019"
"""The category of the CreateProduct examples; the sandbox accepts the ids below."""
CATEGORIES = {
    SAMPLE_CATEGORY: "Fashion > Kaos",
    "10000211": "Rumah Tangga > Dapur",
    "8707": "Jam Tangan",
    "6583": "Aksesoris",
}
STANDARD_SALE_PROPS = frozenset({"color_family", "size"})
"""Standard sales attributes of every sandbox category (customize=false variations)."""

# Item statuses (GetOrders status filter, order-status-flow guide).
UNPAID, PENDING, PACKED, REPACKED = "unpaid", "pending", "packed", "repacked"
READY_TO_SHIP, SHIPPED, DELIVERED = "ready_to_ship", "shipped", "delivered"
CANCELED, RETURNED, FAILED = "canceled", "returned", "failed"
ITEM_STATUSES = (
    UNPAID,
    PENDING,
    PACKED,
    REPACKED,
    READY_TO_SHIP,
    SHIPPED,
    DELIVERED,
    CANCELED,
    RETURNED,
    FAILED,
    "topack",
    "toship",
    "lost",
    "lost_by_3pl",
    "damaged_by_3pl",
    "failed_delivery",
    "shipped_back",
    "shipped_back_success",
    "shipped_back_failed",
    "package_scrapped",
)
PACKABLE = frozenset({PENDING, REPACKED})  # "Only pending and repacked order item id can ..."
CANCELLABLE = frozenset({UNPAID, PENDING, PACKED, REPACKED})
SENT = frozenset({READY_TO_SHIP, SHIPPED, DELIVERED})


@dataclass(slots=True)
class Sku:
    sku_id: int
    seller_sku: str
    price: int
    sellable: int
    sale_prop: dict[str, str] = field(default_factory=dict)
    package: dict[str, str] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)
    withhold: int = 0
    occupy: int = 0
    status: str = "active"

    @property
    def total(self) -> int:
        return self.sellable + self.withhold + self.occupy


@dataclass(slots=True)
class Product:
    item_id: int
    category: str
    name: str
    description: str
    brand: str
    created: int
    updated: int
    skus: dict[int, Sku] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)
    variation: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Declared sales attributes: name → {"customize": bool, "hasImage": bool, "options": [..]}."""
    status: str = "Active"

    @property
    def has_variants(self) -> bool:
        """More than one SKU or a declared variation: its SKUs are (item_id, SkuId) listings."""
        return len(self.skus) > 1 or bool(self.variation)

    @property
    def deleted(self) -> bool:
        return self.status == "Deleted"

    def sku_by_seller_sku(self, seller_sku: str) -> Sku | None:
        return next((s for s in self.skus.values() if s.seller_sku == seller_sku), None)


@dataclass(slots=True)
class OrderItem:
    order_item_id: int
    item_id: int
    sku_id: int
    seller_sku: str
    name: str
    variation: str
    price: int
    status: str
    created: int
    updated: int
    tracking_code: str = ""
    shipment_provider: str = ""
    package_id: str = ""
    reason: str = ""
    cancel_return_initiator: str = ""


@dataclass(slots=True)
class Order:
    order_id: int
    order_number: int
    created: int
    updated: int
    items: list[OrderItem]
    first_name: str
    last_name: str
    city: str
    phone: str
    payment_method: str
    shipping_fee: int = 0

    @property
    def statuses(self) -> list[str]:
        return list(dict.fromkeys(item.status for item in self.items))

    @property
    def price(self) -> int:
        return sum(item.price for item in self.items)


@dataclass(slots=True)
class Seller:
    name: str
    app_key: str
    app_secret: str
    seller_id: str
    products: dict[int, Product] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    webhook_url: str | None = None

    def live_products(self) -> list[Product]:
        return [p for p in self.products.values() if not p.deleted]

    def find_sku(self, seller_sku: str) -> tuple[Product, Sku] | None:
        """The SKU with this SellerSku among the products not deleted."""
        for product in self.live_products():
            sku = product.sku_by_seller_sku(seller_sku)
            if sku is not None:
                return product, sku
        return None
