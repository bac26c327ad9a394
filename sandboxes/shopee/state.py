"""In-memory state of the Shopee sandbox: shops, their catalog and their orders.

Plain mutable dataclasses, guarded by the `ShopeeSandbox` lock (never touched without it).
Region is Indonesia: currency IDR, whole-rupiah prices (Shopee ID sets integer prices).
Times are unix seconds from the sandbox clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REGION = "ID"
CURRENCY = "IDR"
DAYS_TO_SHIP = 2

# Shopee order statuses: the first eight are in the v2 reference (get_order_list);
# RETRY_SHIP, TO_CONFIRM_RECEIVE and TO_RETURN are seen in real data (UNCONFIRMED in docs).
ORDER_STATUSES = (
    "UNPAID",
    "READY_TO_SHIP",
    "PROCESSED",
    "SHIPPED",
    "COMPLETED",
    "IN_CANCEL",
    "CANCELLED",
    "INVOICE_PENDING",
    "RETRY_SHIP",
    "TO_CONFIRM_RECEIVE",
    "TO_RETURN",
)
NOT_SHIPPED = frozenset({"UNPAID", "INVOICE_PENDING", "READY_TO_SHIP", "RETRY_SHIP", "IN_CANCEL"})
SHIPPABLE = frozenset({"READY_TO_SHIP", "RETRY_SHIP"})
ALREADY_SHIPPED = frozenset(
    {"PROCESSED", "SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"}
)
ITEM_STATUSES = ("NORMAL", "BANNED", "UNLIST", "REVIEWING", "SELLER_DELETE", "SHOPEE_DELETE")


@dataclass(slots=True)
class Model:
    model_id: int
    model_sku: str
    tier_index: list[int]
    price: int
    stock: int


@dataclass(slots=True)
class Item:
    item_id: int
    item_sku: str
    item_name: str
    description: str
    category_id: int
    weight: float
    price: int
    stock: int
    status: str
    image_ids: list[str]
    logistic_info: list[dict[str, Any]]
    create_time: int
    update_time: int
    brand: dict[str, Any] = field(
        default_factory=lambda: {"brand_id": 0, "original_brand_name": ""}
    )
    dimension: dict[str, Any] | None = None
    condition: str = "NEW"
    days_to_ship: int = DAYS_TO_SHIP
    tier_variation: list[dict[str, Any]] = field(default_factory=list)
    models: dict[int, Model] = field(default_factory=dict)

    @property
    def has_model(self) -> bool:
        return bool(self.models)

    def option_name(self, model: Model) -> str:
        """The model's option names joined as Shopee shows `model_name` ("Red,XL")."""
        names = []
        for tier, index in zip(self.tier_variation, model.tier_index, strict=False):
            options = tier.get("option_list") or []
            if 0 <= index < len(options):
                names.append(str(options[index].get("option", "")))
        return ",".join(names)


@dataclass(slots=True)
class OrderLine:
    order_item_id: int
    item_id: int
    model_id: int
    item_sku: str
    model_sku: str
    item_name: str
    model_name: str
    quantity: int
    price: int
    weight: float


@dataclass(slots=True)
class Order:
    order_sn: str
    status: str
    create_time: int
    update_time: int
    lines: list[OrderLine]
    buyer_user_id: int
    buyer_username: str
    recipient: dict[str, str]
    pay_time: int | None = None
    days_to_ship: int = DAYS_TO_SHIP
    tracking_number: str = ""
    shipping_carrier: str = ""
    cancel_by: str = ""
    cancel_reason: str = ""
    note: str = ""

    @property
    def ship_by_date(self) -> int:
        return self.create_time + self.days_to_ship * 86400

    @property
    def total_amount(self) -> int:
        return sum(line.price * line.quantity for line in self.lines)


@dataclass(slots=True)
class Shop:
    name: str
    partner_id: int
    partner_key: str
    shop_id: int
    items: dict[int, Item] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    callback_url: str | None = None

    def find_sku(self, sku: str) -> tuple[Item, Model | None] | None:
        """The sellable unit with this seller SKU: a model's `model_sku`, else an item's."""
        for item in self.items.values():
            if item.has_model:
                for model in item.models.values():
                    if model.model_sku == sku:
                        return item, model
            elif item.item_sku == sku:
                return item, None
        return None

    def units(self) -> list[tuple[Item, Model | None]]:
        """Every sellable unit (item without models, or each model) of NORMAL items."""
        found: list[tuple[Item, Model | None]] = []
        for item in self.items.values():
            if item.status != "NORMAL":
                continue
            if item.has_model:
                found.extend((item, model) for model in item.models.values())
            else:
                found.append((item, None))
        return found


def _channel(channel_id: int, name: str, *, seller_logistics: bool = False) -> dict[str, Any]:
    return {
        "logistics_channel_id": channel_id,
        "logistics_channel_name": name,
        "cod_enabled": True,
        "enabled": True,
        "fee_type": "SIZE_INPUT",
        "size_list": [],
        "item_max_dimension": {
            "dimension_sum": 0,
            "height": 100,
            "length": 100,
            "unit": "cm",
            "width": 100,
        },
        "weight_limit": {"item_max_weight": 50, "item_min_weight": 0},
        "volume_limit": {"item_max_volume": 0, "item_min_volume": 0},
        "logistics_description": "",
        "force_enable": False,
        "mask_channel_id": 0,
        "block_seller_cover_shipping_fee": False,
        "support_cross_border": False,
        "seller_logistic_has_configuration": None,
        "logistics_capability": {"seller_logistics": seller_logistics},
        "preprint": False,
    }


# Indonesian channels as get_channel_list shows them (ids and names UNCONFIRMED: sandbox's own).
CHANNELS: tuple[dict[str, Any], ...] = (
    _channel(8003, "J&T Express"),
    _channel(8005, "SiCepat REG"),
    _channel(8001, "JNE Reguler (Cashless)"),
    _channel(8099, "Kurir Toko (Seller Courier)", seller_logistics=True),
)
CHANNEL_IDS = frozenset(c["logistics_channel_id"] for c in CHANNELS)
