"""The Shopee sandbox's shops and the platform facts its state follows.

Region is Indonesia: currency IDR, whole-rupiah prices (Shopee ID sets integer prices).
A shop's items are kit `Listing`s (its models are `Variant`s); Shopee's own item attributes
live in `fields`: description, category_id, weight, logistic_info, brand, dimension,
condition, tier_variation (and a model's tier_index). Orders are kit `Order`s keyed by
order_sn, moved by `RULES` (docs/MARKETPLACES.md#shopee-orders).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lapak.sandboxes.kit.orders import OrderRules
from lapak.sandboxes.kit.stores import Store

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

RULES = OrderRules(
    statuses=ORDER_STATUSES,
    unpaid="UNPAID",
    paid="READY_TO_SHIP",
    paid_statuses=frozenset({"READY_TO_SHIP"}),
    cancelled=frozenset({"CANCELLED"}),
    gives_back={"CANCELLED": NOT_SHIPPED, "TO_RETURN": ALREADY_SHIPPED},
    verbs={
        "pay": "READY_TO_SHIP",
        "paid": "READY_TO_SHIP",
        "cancel": "CANCELLED",
        "ship": "SHIPPED",
        "process": "PROCESSED",
        "complete": "COMPLETED",
    },
)
"""Cancelling before shipping, or a return, puts the order's units back."""


@dataclass(slots=True, kw_only=True)
class Shop(Store):
    partner_id: int
    partner_key: str
    shop_id: int

    def ids(self) -> dict[str, Any]:
        return {"partner_id": self.partner_id, "shop_id": self.shop_id}


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
