"""In-memory state of the TikTok Shop sandbox: shops over the kit's catalog and order book.

Region is Indonesia: currency IDR, whole-rupiah prices, one sales warehouse per shop, all
orders shipped by the seller (shipping_type SELLER, delivery option SEND_BY_SELLER).

A product is a kit `Listing` whose variants are its SKUs (a single-SKU product has one);
its `fields` hold description, category_id and package_weight (kilograms), a SKU's `fields` its
sales_attributes ({"id", "name", "value_id", "value_name"}, at most 3), whose value names
are the SKU's `options`. An order line is one unit (TikTok has no quantity on a line item);
an order's `fields` hold package_id, user_id, shipping_provider_id, collection_time,
delivery_time and, once returned, return_id and return_time.

Status flow (docs/MARKETPLACES.md#tiktok-shop-status-mapping): UNPAID → (ON_HOLD →)
AWAITING_SHIPMENT → AWAITING_COLLECTION (seller shipped) → IN_TRANSIT → DELIVERED →
COMPLETED; CANCELLED before shipping. A return is a record of the Return & Refund API, not
an order status: the order keeps its status and its update_time moves (UNCONFIRMED whether
TikTok moves it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lapak.sandboxes.kit.catalog import Catalog, Listing, Variant
from lapak.sandboxes.kit.orders import OrderBook, OrderRules
from lapak.sandboxes.kit.stores import Store

REGION = "ID"
CURRENCY = "IDR"
RTS_SLA_SECONDS = 2 * 86400
"""Time to ship after payment (the sandbox's; TikTok ID's SLA is UNCONFIRMED)."""

NOT_SHIPPED = ("UNPAID", "ON_HOLD", "AWAITING_SHIPMENT")
SHIPPED = ("PARTIALLY_SHIPPING", "AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED")
ORDER_STATUSES = (*NOT_SHIPPED, *SHIPPED, "CANCELLED")
PAID_NOT_SHIPPED = frozenset({"ON_HOLD", "AWAITING_SHIPMENT"})
ORDER_RULES = OrderRules(
    statuses=ORDER_STATUSES,
    unpaid="UNPAID",
    paid="AWAITING_SHIPMENT",
    paid_statuses=PAID_NOT_SHIPPED,
    cancelled=frozenset({"CANCELLED"}),
    gives_back={"CANCELLED": frozenset(NOT_SHIPPED)},
    shipped_statuses=frozenset({"AWAITING_COLLECTION"}),
    canceller="BUYER",
)
"""Its `shipped_at` is TikTok's rts_time (the seller shipped)."""
RETURN_TYPE, RETURN_STATUS = "RETURN_AND_REFUND", "RETURN_OR_REFUND_REQUEST_COMPLETE"
"""The one return the sandbox knows: the buyer sent the goods back and was refunded."""
STAMPED = {"IN_TRANSIT": "collection_time", "DELIVERED": "delivery_time"}
"""The order field stamped with the time an order enters these statuses."""
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


def new_product(
    product_id: str, name: str, status: str, now: int, images: list[str], fields: dict[str, Any]
) -> Listing:
    """A TikTok product: a listing that sells its SKUs (its `variants`), its own sku, price
    and stock unused."""
    return Listing(product_id, "", name, 0, 0, status, now, now, images, fields=fields)


def new_sku(
    sku_id: str, seller_sku: str, price: int, stock: int, attributes: list[dict[str, str]]
) -> Variant:
    """A TikTok SKU: a variant whose options are its sales attributes' value names."""
    options = [a["value_name"] for a in attributes]
    return Variant(sku_id, seller_sku, price, stock, options, {"sales_attributes": attributes})


@dataclass(slots=True, kw_only=True)
class Shop(Store):
    app_key: str
    shop_cipher: str
    shop_id: str
    warehouse_id: str
    return_warehouse_id: str
    delivery_option_id: str
    catalog: Catalog = field(
        default_factory=lambda: Catalog(selling={"ACTIVATE"}, gone={"DELETED"})
    )
    book: OrderBook = field(init=False)
    packages: dict[str, str] = field(default_factory=dict)
    """package id → order id."""
    idempotency: dict[str, str] = field(default_factory=dict)
    """create-product idempotency_key → product id."""

    def __post_init__(self) -> None:
        self.book = OrderBook(self.catalog, ORDER_RULES)

    def ids(self) -> dict[str, Any]:
        return {"shop_cipher": self.shop_cipher, "shop_id": self.shop_id}
