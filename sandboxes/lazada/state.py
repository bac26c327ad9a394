"""In-memory state of the Lazada sandbox: sellers, their products and their orders.

A seller's products live in a kit `Catalog`: a `Product` is a `Listing` whose variants are
its Lazada SKUs (every product has at least one; the listing's own sku, price and stock are
unused). Guarded by the `LazadaSandbox` lock. Venture Indonesia: IDR, whole rupiah; times
are unix seconds from the sandbox clock.

Stock per SKU follows Lazada's inventory-calculation-logic guide: the kit's `stock` is what
buyers can buy (sellable: UpdateSellableQuantity sets it), `withhold` holds units of unpaid
orders, `occupy` units of paid orders until they are set ready to ship; their sum is the
SKU's total quantity (what UpdatePriceQuantity's `Quantity` sets).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from lapak.sandboxes.kit.catalog import Catalog, Listing, Variant
from lapak.sandboxes.kit.orders import Buyer

CURRENCY = "IDR"
SITE = "lazada_id"
WAREHOUSE = "dropshipping"
ACTIVE, INACTIVE, DELETED = "Active", "InActive", "Deleted"
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


@dataclass(slots=True, kw_only=True)
class Sku(Variant):
    id: int
    price: int
    sale_prop: dict[str, str] = field(default_factory=dict)
    package: dict[str, str] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)
    withhold: int = 0
    occupy: int = 0
    status: str = "active"

    @property
    def total(self) -> int:
        return self.stock + self.withhold + self.occupy


@dataclass(slots=True, kw_only=True)
class Product(Listing):
    id: int
    category: str
    description: str
    brand: str
    variation: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Declared sales attributes: name → {"customize": bool, "hasImage": bool, "options": [..]}."""

    @property
    def skus(self) -> dict[int, Sku]:
        return cast("dict[int, Sku]", self.variants)

    @property
    def has_variants(self) -> bool:
        """More than one SKU or a declared variation: its SKUs are (item_id, SkuId) listings
        (Lazada's rule, the connector's too; the kit's counts a lone SKU as a variant)."""
        return len(self.variants) > 1 or bool(self.variation)

    @property
    def deleted(self) -> bool:
        return self.status == DELETED

    def sku_by_seller_sku(self, seller_sku: str) -> Sku | None:
        return next((s for s in self.skus.values() if s.sku == seller_sku), None)


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
    buyer: Buyer
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
    catalog: Catalog = field(default_factory=lambda: Catalog(selling={ACTIVE}, gone={DELETED}))
    orders: dict[int, Order] = field(default_factory=dict)
    webhook_url: str | None = None

    @property
    def products(self) -> dict[int, Product]:
        """The catalog's listings, every one a `Product`."""
        return cast("dict[int, Product]", self.catalog.listings)

    def live_products(self) -> list[Product]:
        return cast("list[Product]", self.catalog.live())

    def find_sku(self, seller_sku: str) -> tuple[Product, Sku] | None:
        """The SKU with this SellerSku among the products not deleted."""
        unit = self.catalog.find_sku(seller_sku)
        if unit is None:
            return None
        return cast(Product, unit.listing), cast(Sku, unit.variant)
