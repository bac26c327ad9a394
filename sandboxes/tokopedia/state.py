"""The Tokopedia sandbox's shops, categories, order statuses and products, over the kit's
`Catalog` and `OrderBook`. Guarded by the `TokopediaSandbox` lock.

Tokopedia's model: an app (fs_id, client credentials, webhook URLs and secret) has shops
linked to it; a product with variants is a parent product whose variants are child
products, each with its own product_id, sku, price and stock. Here a parent (or a product
without variants) is a kit `Listing` and a child one of its `Variant`s; `Product` is either
as Tokopedia shows it. Whole-rupiah prices, unix seconds from the sandbox clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lapak.sandboxes.kit.catalog import Catalog, Unit
from lapak.sandboxes.kit.orders import OrderBook, OrderRules
from lapak.sandboxes.kit.stores import Store

ACTIVE = 1
"""Product `basic.status` of every sandbox product (fixtures: 1 active, 3 in the warehouse)."""

# Order status codes (docs/MARKETPLACES.md#tokopedia-status-mapping).
PENDING, PAID, ACCEPTED, SHIPPED, DELIVERED, FINISHED = 100, 220, 400, 500, 600, 700
SELLER_CANCEL, SELLER_REJECT, RETURNED = 0, 10, 550
TO_ACCEPT = frozenset({220, 221})
ACCEPTED_STATUSES = frozenset({400, 450})
SENT = frozenset({500, 501, 520, 530, 540, 600, 601, 700, 701})
NOT_SHIPPED = frozenset({100, 103, 200}) | TO_ACCEPT | ACCEPTED_STATUSES
DAYS_TO_ACCEPT = 2
DAYS_TO_SHIP = 2

RULES = OrderRules(
    statuses=(*NOT_SHIPPED, *SENT, SELLER_CANCEL, SELLER_REJECT, RETURNED),
    unpaid=PENDING,
    paid=PAID,
    paid_statuses=frozenset({PAID}),
    cancelled=frozenset({SELLER_CANCEL, SELLER_REJECT}),
    gives_back={SELLER_CANCEL: NOT_SHIPPED, SELLER_REJECT: NOT_SHIPPED, RETURNED: SENT},
    shipped_statuses=frozenset({SHIPPED}),
    takes_stock=TO_ACCEPT | ACCEPTED_STATUSES | SENT,
    checkout_checks_stock=True,
)
"""Stock leaves at payment, not at checkout (docs/MARKETPLACES.md#tokopedia-orders): an
unpaid order holds none, so two buyers may check out the same last units and the second
payment takes stock the shop no longer has (the sandbox lets it go below zero)."""


# --- categories ----------------------------------------------------------------------------


_SIZE_NAMES = ("XXS", "XS", "S", "M", "L", "XL", "XXL")
_COLOUR_NAMES = ("Merah", "Biru", "Kuning", "Hijau", "Hitam", "Putih")


@dataclass(frozen=True, slots=True)
class VariantType:
    variant_id: int
    name: str
    identifier: str
    unit_id: int
    unit_name: str
    values: tuple[tuple[int, str], ...]
    """(value_id, value) of each option."""


_SIZES = VariantType(
    6, "Ukuran Pakaian", "size", 7, "International", tuple(enumerate(_SIZE_NAMES, start=22))
)
_COLOURS = VariantType(1, "Warna", "colour", 0, "", tuple(enumerate(_COLOUR_NAMES, start=11)))
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
SHARED = ("description", "category_id", "weight", "weight_unit", "condition", "min_order")
"""What a child product shares with its parent, kept in the listing's `fields`."""
CONTROL_LISTING = {
    "category_id": SAMPLE_CATEGORY,
    "weight": 500,
    "weight_unit": "GR",
    "condition": "NEW",
    "min_order": 1,
    "pictures": [],
}
"""What a seller's own listing (made through the control API) has beside its name, SKU,
price and stock."""


# --- products ------------------------------------------------------------------------------


class Product(Unit):
    """A Tokopedia product: a listing (a parent, or a product without variants) or one of
    its variants (a child product). Attributes a child shares with its parent (category,
    weight, condition, ...) are read from `listing.fields`."""

    __slots__ = ()

    @property
    def product_id(self) -> int:
        return int(self.variant.id if self.variant is not None else self.listing.id)

    @property
    def parent_id(self) -> int:
        """A child's parent; 0 for a parent and a product without variants."""
        return int(self.listing.id) if self.variant is not None else 0

    @property
    def is_parent(self) -> bool:
        return self.variant is None and self.listing.has_variants

    @property
    def option(self) -> str:
        """A child's option values ("M, Merah")."""
        return ", ".join(self.variant.options) if self.variant is not None else ""

    @property
    def name(self) -> str:
        if self.variant is None:
            return self.listing.name
        return f"{self.listing.name} - {self.option}"

    @property
    def pictures(self) -> list[str]:
        own = self.variant.fields.get("pictures") if self.variant is not None else None
        return list(own or self.listing.images)

    @property
    def update_time(self) -> int:
        updated = self.variant.fields.get("updated") if self.variant is not None else None
        return int(updated or self.listing.updated)

    @property
    def option_id(self) -> int:
        return int(self.variant.fields["option_id"]) if self.variant is not None else 0

    def set_price(self, price: int) -> None:
        if self.variant is not None:
            self.variant.price = price
        else:
            self.listing.price = price

    def touch(self, now: int) -> None:
        """Stamp the product's update time (a child's own, or its listing's)."""
        if self.variant is not None:
            self.variant.fields["updated"] = now
        else:
            self.listing.updated = now


# --- apps and shops ------------------------------------------------------------------------


@dataclass(slots=True)
class App:
    """A partner app: its fs_id, client credentials and webhook registration."""

    fs_id: int
    client_id: str
    client_secret: str
    webhook_secret: str
    urls: dict[str, str] = field(default_factory=dict)
    """Registered webhook URLs by kind (order_notification_url, order_status_url, …)."""


@dataclass(slots=True, kw_only=True)
class Shop(Store):
    shop_id: int
    app: App
    """The partner app the shop is linked to."""

    @classmethod
    def new(cls, name: str, shop_id: int, app: App) -> Shop:
        catalog = Catalog(selling={ACTIVE})
        return cls(
            name=name, shop_id=shop_id, app=app, catalog=catalog, book=OrderBook(catalog, RULES)
        )

    @property
    def fs_id(self) -> int:
        return self.app.fs_id

    def summary(self) -> dict[str, Any]:
        """The control API's store row: its ids, its app's webhook URLs, its products
        (parents and children) and orders."""
        return {
            "name": self.name,
            "shop_id": self.shop_id,
            "fs_id": self.fs_id,
            "webhooks": dict(self.app.urls),
            "products": len(self.products()),
            "orders": len(self.orders),
        }

    def products(self) -> list[Product]:
        """Every product: each listing, then its children."""
        return [
            Product(listing, variant)
            for listing in self.catalog.listings.values()
            for variant in (None, *listing.variants.values())
        ]

    def product(self, product_id: Any) -> Product | None:
        """A parent, a child or a product without variants, by its product_id."""
        unit = self.catalog.find_id(product_id)
        return Product(unit.listing, unit.variant) if unit is not None else None

    def find_sku(self, sku: str) -> Product | None:
        """The sellable product (one without variants, or a variant) with this seller SKU."""
        unit = self.catalog.find_sku(sku)
        return Product(unit.listing, unit.variant) if unit is not None else None
