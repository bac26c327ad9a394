"""In-memory state of the Lazada sandbox: sellers, their products and their orders.

A seller's products live in a kit `Catalog`: a `Product` is a `Listing` whose variants are
its Lazada SKUs (every product has at least one; the listing's own sku, price and stock are
unused). Guarded by the `LazadaSandbox` lock. Venture Indonesia: IDR, whole rupiah; times
are unix seconds from the sandbox clock.

A seller's orders are a kit `OrderBook` whose lines are Lazada's order items, one per unit
bought, each with its own status (the kit's line statuses).

Stock per SKU follows Lazada's inventory-calculation-logic guide: the kit's `stock` is what
buyers can buy (sellable: UpdateSellableQuantity sets it), `withhold` holds units of unpaid
orders, `occupy` units of paid orders until they are set ready to ship; their sum is the
SKU's total quantity (what UpdatePriceQuantity's `Quantity` sets). A cancellation before
the units left puts them back on sale, as does a return.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from lapak.sandboxes.kit.catalog import Catalog, Id, Listing, Status, Unit, Variant
from lapak.sandboxes.kit.orders import Order as KitOrder
from lapak.sandboxes.kit.orders import OrderBook, OrderLine, OrderRules
from lapak.sandboxes.kit.stores import Store

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


@dataclass(slots=True, kw_only=True)
class OrderItem(OrderLine):
    """One unit bought, with its own status (the kit's line: `id` is its order_item_id,
    `listing_id` its item_id, `variant_id` its SkuId, `sku` its SellerSku)."""

    variation: str = ""
    tracking_code: str = ""
    shipment_provider: str = ""
    package_id: str = ""
    reason: str = ""
    cancel_return_initiator: str = ""


@dataclass(slots=True, kw_only=True)
class Order(KitOrder):
    phone: str = ""
    payment_method: str = ""

    @property
    def items(self) -> list[OrderItem]:
        return cast("list[OrderItem]", self.lines)

    @property
    def order_number(self) -> int:
        return int(self.id) % 1_000_000_000_000 + 300_000_000_000


RULES = OrderRules(
    statuses=ITEM_STATUSES,
    unpaid=UNPAID,
    paid=PENDING,
    paid_statuses=frozenset({PENDING}),
    cancelled=frozenset({CANCELED}),
    gives_back={CANCELED: frozenset(ITEM_STATUSES) - SENT, RETURNED: SENT},
    line_statuses=True,
)
PAYMENT_METHODS = ("COD", "MIXEDCARD", "DANA", "OVO")
WITHHOLD = frozenset({UNPAID})
OCCUPY = frozenset({PENDING, PACKED, REPACKED, "topack", "toship"})


class Items(OrderBook):
    """A seller's orders: their items move alone; the units of unpaid ones are withheld,
    those of paid ones occupied until they are set ready to ship."""

    order_type = Order
    line_type = OrderItem

    def held(self, unit: Unit, quantity: int, old: Status | None, new: Status) -> None:
        sku = cast(Sku, unit.variant)
        if old in WITHHOLD:
            sku.withhold -= quantity
        elif old in OCCUPY:
            sku.occupy -= quantity
        if new in WITHHOLD:
            sku.withhold += quantity
        elif new in OCCUPY:
            sku.occupy += quantity


@dataclass(slots=True, kw_only=True)
class Seller(Store):
    app_key: str
    app_secret: str
    seller_id: str
    catalog: Catalog = field(default_factory=lambda: Catalog(selling={ACTIVE}, gone={DELETED}))
    book: OrderBook = field(init=False)

    def __post_init__(self) -> None:
        self.book = Items(self.catalog, RULES)

    def ids(self) -> dict[str, Any]:
        return {"seller_id": self.seller_id, "app_key": self.app_key}

    @property
    def orders(self) -> Mapping[Id, Order]:
        return cast("dict[Id, Order]", self.book.orders)

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
