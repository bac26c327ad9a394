"""Pydantic models of the Shopee v2 response bodies Lapak reads (fields as the doc pages
v2.<module>.<api> give them; unknown fields are ignored).

Every body passes `Envelope` first; the models below validate its `response` object
(`TokenReply` validates the top level: the auth endpoints have no `response` wrapper).
`validate` turns a validation failure into a `TransientError` naming the API path and the
field, because a malformed body is treated like a server hiccup (docs/rules.md, rule 7).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from lapak.connectors.intake import Count, Money, UnixSeconds
from lapak.connectors.kit.validation import M, validate_body
from lapak.connectors.kit.validation import Wire as Wire
from lapak.connectors.kit.validation import validate as validate
from lapak.sync.types import TokenSet
from pydantic import ConfigDict, Field

REFRESH_TOKEN_LIFETIME = timedelta(days=30)
"""v2.public.refresh_access_token: a refresh_token "is valid for 30 days"."""


def validate_push(model: type[M], data: Any) -> M:
    """Like `validate`, for a webhook body: a malformed push is a `PermanentError`."""
    return validate_body(model, data, "shopee push")


# --- envelope and auth ---------------------------------------------------------------------


class Envelope(Wire):
    """{"request_id", "error" ("" on success), "message", "warning"?, "response"{...}}."""

    request_id: str | None = None
    error: str | None = None
    message: str | None = None
    warning: Any = None
    response: Any = None


class TokenReply(Wire):
    """v2.public.refresh_access_token / get_access_token (top level, no `response`)."""

    access_token: str = Field(min_length=1)
    refresh_token: str = Field(min_length=1)
    expire_in: int = Field(gt=0)
    """Seconds the access token lives (14400 in the doc example)."""

    def token_set(self, issued: float) -> TokenSet:
        """The pair as the vault keeps it, its lifetimes counted from `issued` (unix
        seconds of the request)."""
        return TokenSet(
            access_token=self.access_token,
            refresh_token=self.refresh_token,
            expires_at=datetime.fromtimestamp(issued + self.expire_in, UTC),
            refresh_expires_at=datetime.fromtimestamp(issued, UTC) + REFRESH_TOKEN_LIFETIME,
        )


# --- product -------------------------------------------------------------------------------


class ItemEntry(Wire):
    item_id: int
    item_status: str = ""
    update_time: int = 0


class ItemList(Wire):
    """v2.product.get_item_list."""

    item: list[ItemEntry] = []
    total_count: int = 0
    has_next_page: bool = False
    next_offset: int = 0


class PriceInfo(Wire):
    original_price: Money
    current_price: Money | None = None
    currency: str | None = None


class StockSummary(Wire):
    total_available_stock: Count = 0
    total_reserved_stock: Count = 0


class LocationStock(Wire):
    location_id: str | None = None
    stock: Count


class StockInfo(Wire):
    """`stock_info_v2` of an item without models, or of one model."""

    summary_info: StockSummary | None = None
    seller_stock: list[LocationStock] = []


class BaseInfoItem(Wire):
    item_id: int
    item_sku: str = ""
    item_name: str = ""
    item_status: str = ""
    has_model: bool = False
    price_info: list[PriceInfo] = []
    stock_info_v2: StockInfo | None = None


class BaseInfo(Wire):
    """v2.product.get_item_base_info."""

    item_list: list[BaseInfoItem] = []


class TierOption(Wire):
    option: str = ""


class TierVariation(Wire):
    name: str = ""
    option_list: list[TierOption] = []


class ModelInfo(Wire):
    model_id: int
    model_sku: str = ""
    tier_index: list[int] = []
    price_info: list[PriceInfo] = []
    stock_info_v2: StockInfo | None = None


class ModelList(Wire):
    """v2.product.get_model_list."""

    tier_variation: list[TierVariation] = []
    model: list[ModelInfo] = []


class AddedItem(Wire):
    """v2.product.add_item (and update_item, which echoes the item id)."""

    item_id: int


class CreatedModel(Wire):
    model_id: int
    model_sku: str = ""
    tier_index: list[int] = []


class TierVariationResult(Wire):
    """v2.product.init_tier_variation."""

    item_id: int
    model: list[CreatedModel] = []


class ModelFailure(Wire):
    model_id: int = 0
    failed_reason: str = ""


class ModelSuccess(Wire):
    model_id: int = 0


class BatchResult(Wire):
    """v2.product.update_stock / update_price: per-model partial failure."""

    failure_list: list[ModelFailure] = []
    success_list: list[ModelSuccess] = []


class ImageInfo(Wire):
    image_id: str = Field(min_length=1)


class UploadedImage(Wire):
    """v2.media_space.upload_image."""

    image_info: ImageInfo


# --- logistics -----------------------------------------------------------------------------


class Channel(Wire):
    logistics_channel_id: int
    logistics_channel_name: str = ""
    enabled: bool = False


class ChannelList(Wire):
    """v2.logistics.get_channel_list."""

    logistics_channel_list: list[Channel] = []


class TrackingNumber(Wire):
    """v2.logistics.get_tracking_number."""

    tracking_number: str = ""


# --- orders --------------------------------------------------------------------------------


class OrderRef(Wire):
    order_sn: str = Field(min_length=1)


class OrderList(Wire):
    """v2.order.get_order_list. `next_cursor` is "" when `more` is false."""

    more: bool = False
    next_cursor: str = ""
    order_list: list[OrderRef] = []


class OrderItem(Wire):
    item_id: int
    item_name: str = ""
    item_sku: str = ""
    model_id: int = 0
    model_name: str = ""
    model_sku: str = ""
    model_quantity_purchased: Count
    model_original_price: Decimal = Decimal(0)
    model_discounted_price: Decimal = Decimal(0)
    order_item_id: int = 0


class RecipientAddress(Wire):
    name: str = ""
    city: str = ""


class Order(Wire):
    """One order of v2.order.get_order_detail. Extra fields are kept for `RemoteOrder.raw`."""

    model_config = ConfigDict(extra="allow", frozen=True)

    order_sn: str = Field(min_length=1)
    order_status: str
    create_time: UnixSeconds
    update_time: UnixSeconds
    ship_by_date: UnixSeconds = 0
    currency: str = ""
    total_amount: Decimal = Decimal(0)
    buyer_username: str = ""
    pay_time: UnixSeconds | None = None
    recipient_address: RecipientAddress | None = None
    item_list: list[OrderItem] = []


class OrderDetail(Wire):
    """v2.order.get_order_detail; each order is read on its own (`order_mapping.parse_order`),
    so one malformed order does not hide the others."""

    order_list: list[Any] = []


# --- push ----------------------------------------------------------------------------------


class Push(Wire):
    """A push body: {"code", "shop_id", "timestamp", "data"{...}}."""

    code: int
    shop_id: int
    timestamp: UnixSeconds = 0
    data: dict[str, Any] = {}


class OrderStatusPush(Wire):
    """`data` of push code 3 (order status): note `ordersn` without underscore."""

    ordersn: str = Field(min_length=1)
    status: str = ""
    update_time: int = 0
