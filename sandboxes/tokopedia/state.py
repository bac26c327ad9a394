"""In-memory state of the Tokopedia sandbox: apps (fs_id), shops, products, orders.

Plain mutable dataclasses, guarded by the `TokopediaSandbox` lock (never touched without
it). Currency IDR, whole-rupiah prices. Times are unix seconds from the sandbox clock.

Tokopedia's model: an app (fs_id, client credentials, webhook URLs and secret) has shops
linked to it; a product with variants is a parent product whose variants are child products,
each with its own product_id, sku, price and stock (fixture
get-all-variants-by-product-id-ok: parent_id, children[].product_id/sku/stock).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ACTIVE = 1
"""Product `basic.status` of every sandbox product (fixtures: 1 active, 3 in the warehouse)."""

UNPAID_STATUSES = frozenset({100, 103, 200})
TO_ACCEPT = frozenset({220, 221})
ACCEPTED = frozenset({400, 450})
SHIPPED = frozenset({500, 501, 520, 530, 540})
DONE = frozenset({600, 601, 700, 701})
RETURNED = 550
NOT_SHIPPED = UNPAID_STATUSES | TO_ACCEPT | ACCEPTED
SENT = SHIPPED | DONE
DAYS_TO_ACCEPT = 2
DAYS_TO_SHIP = 2


# --- categories ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VariantType:
    variant_id: int
    name: str
    identifier: str
    unit_id: int
    unit_name: str
    values: tuple[tuple[int, str], ...]


_SIZES = VariantType(
    6,
    "Ukuran Pakaian",
    "size",
    7,
    "International",
    ((22, "XXS"), (23, "XS"), (24, "S"), (25, "M"), (26, "L"), (27, "XL"), (28, "XXL")),
)
_COLOURS = VariantType(
    1,
    "Warna",
    "colour",
    0,
    "",
    ((11, "Merah"), (12, "Biru"), (13, "Kuning"), (14, "Hijau"), (15, "Hitam"), (16, "Putih")),
)
_FLAVOURS = VariantType(31, "Rasa", "flavour", 0, "", ())

CATEGORIES: dict[int, tuple[str, tuple[VariantType, ...]]] = {
    1817: ("Fashion Pria / Atasan Pria / Kaos Pria", (_SIZES, _COLOURS)),
    1828: ("Fashion Pria / Celana / Celana Jeans", (_SIZES, _COLOURS)),
    562: ("Makanan & Minuman / Makanan Ringan", (_FLAVOURS,)),
    1166: ("Makanan & Minuman / Bumbu & Bahan Dasar Lainnya", ()),
}
"""Category ids from the fixtures (1817 create-product request, 1828 product info, 562
create V3 example, 1166 product info); their names and variant types are the sandbox's."""
SAMPLE_CATEGORY = 1817


# --- catalog -------------------------------------------------------------------------------


@dataclass(slots=True)
class Product:
    product_id: int
    shop_id: int
    name: str
    description: str
    sku: str
    price: int
    stock: int
    category_id: int
    weight: int
    weight_unit: str
    condition: str = "NEW"
    min_order: int = 1
    pictures: list[str] = field(default_factory=list)
    parent_id: int = 0
    """A variant's parent product; 0 for a product without variants and for a parent."""
    children: list[int] = field(default_factory=list)
    option: str = ""
    """A variant's option value ("M", "Merah")."""
    option_id: int = 0
    selection: list[dict[str, Any]] = field(default_factory=list)
    """A parent's variant.selection as created."""
    create_time: int = 0
    update_time: int = 0

    @property
    def is_parent(self) -> bool:
        return bool(self.children)

    @property
    def sellable(self) -> bool:
        """A unit a buyer can order: a product without variants, or a variant."""
        return not self.children


# --- orders --------------------------------------------------------------------------------


@dataclass(slots=True)
class OrderLine:
    order_detail_id: int
    product_id: int
    sku: str
    name: str
    quantity: int
    price: int
    weight_kg: float


@dataclass(slots=True)
class Order:
    order_id: int
    shop_id: int
    invoice: str
    status: int
    create_time: int
    update_time: int
    lines: list[OrderLine]
    buyer_id: int
    buyer_name: str
    recipient: dict[str, str]
    payment_id: int
    pay_time: int | None = None
    accepted_time: int | None = None
    shipped_time: int | None = None
    awb: str = ""
    history: list[tuple[int, int, str]] = field(default_factory=list)
    """(status, time, by) in the order they happened."""
    stock_back: bool = False
    """The order's units went back on the listings (cancelled or returned)."""

    @property
    def item_price(self) -> int:
        return sum(line.price * line.quantity for line in self.lines)


@dataclass(slots=True)
class App:
    """A partner app: its fs_id, client credentials and webhook registration."""

    fs_id: int
    client_id: str
    client_secret: str
    webhook_secret: str
    urls: dict[str, str] = field(default_factory=dict)
    """Registered webhook URLs by kind (order_notification_url, order_status_url, …)."""


@dataclass(slots=True)
class Shop:
    name: str
    shop_id: int
    fs_id: int
    products: dict[int, Product] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)

    def find_sku(self, sku: str) -> Product | None:
        """The sellable product (one without variants, or a variant) with this seller SKU."""
        for product in self.products.values():
            if product.sellable and product.sku == sku:
                return product
        return None

    def units(self) -> list[Product]:
        """Every sellable product."""
        return [p for p in self.products.values() if p.sellable]
