"""Pydantic models of the TikTok Shop 202309 response bodies Lapak reads (fields as the API
reference pages in lazykern/ecommerce-api-docs data/raw/tiktok/api-reference/ give them;
unknown fields are ignored).

Every body passes `Envelope` first ({"code", "message", "request_id", "data"}); the models
below validate its `data` object. `validate` turns a mismatch into a `TransientError` naming
the API path and the field: a malformed body is treated like a server hiccup
(docs/rules.md, rule 7).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lapak.connectors.intake import Count, Money, UnixSeconds
from lapak.connectors.kit import validation as kit
from lapak.connectors.kit.tokens import token_set
from lapak.connectors.kit.validation import M, validate_body
from lapak.connectors.kit.validation import validate as validate
from lapak.sync.types import TokenSet
from pydantic import ConfigDict, Field


class Wire(kit.Wire):
    # ids are strings on the wire; a number where a string is expected is taken as its text
    model_config = ConfigDict(coerce_numbers_to_str=True)


def validate_push(model: type[M], data: Any) -> M:
    """Like `validate`, for a webhook body: a malformed push is a `PermanentError`."""
    return validate_body(model, data, "tiktok push")


# --- envelope and auth ---------------------------------------------------------------------


class Envelope(Wire):
    """{"code": 0 on success, "message", "request_id", "data": {...}}."""

    code: int
    message: str = ""
    request_id: str | None = None
    data: Any = None


class TokenReply(Wire):
    """`data` of GET /api/v2/token/get and /api/v2/token/refresh (auth host).

    `*_expire_in` are absolute unix timestamps (seconds), not durations.
    """

    access_token: str = Field(min_length=1)
    access_token_expire_in: int = Field(gt=0)
    refresh_token: str = Field(min_length=1)
    refresh_token_expire_in: int = 0
    open_id: str = ""
    seller_name: str = ""

    def token_set(self) -> TokenSet:
        """The pair as the vault keeps it (no refresh expiry when TikTok names none)."""
        return token_set(
            self.access_token,
            self.refresh_token,
            self.access_token_expire_in,
            self.refresh_token_expire_in,
        )


class AuthorizedShop(Wire):
    """One shop of Get Authorized Shops (/authorization/202309/shops)."""

    id: str
    name: str = ""
    region: str = ""
    cipher: str = Field(min_length=1)
    code: str = ""


class AuthorizedShops(Wire):
    shops: list[AuthorizedShop] = Field(default_factory=list)


class Empty(Wire):
    """A `data` object Lapak does not read (update price, ship package)."""


# --- products ------------------------------------------------------------------------------


class UploadedImage(Wire):
    """POST /product/202309/images/upload."""

    uri: str = Field(min_length=1)
    url: str = ""


class Warehouse(Wire):
    id: str = Field(min_length=1)
    name: str = ""
    effect_status: str = ""
    type: str = ""
    is_default: bool = False


class Warehouses(Wire):
    """GET /logistics/202309/warehouses."""

    warehouses: list[Warehouse] = []


class SkuPrice(Wire):
    currency: str = ""
    sale_price: Money | None = None
    tax_exclusive_price: Money | None = None
    amount: Money | None = None


class SkuInventory(Wire):
    warehouse_id: str = ""
    quantity: Count = 0


class SalesAttribute(Wire):
    id: str = ""
    name: str = ""
    value_id: str = ""
    value_name: str = ""


class Sku(Wire):
    id: str = Field(min_length=1)
    seller_sku: str = ""
    price: SkuPrice | None = None
    inventory: list[SkuInventory] = []
    sales_attributes: list[SalesAttribute] = []


class Product(Wire):
    """A product of Search Products, or the data of Get Product."""

    id: str = Field(min_length=1)
    title: str = ""
    status: str = ""
    skus: list[Sku] = []
    create_time: int = 0
    update_time: int = 0


class SearchPage(Wire):
    """A page of a search; `next_page_token` is "" on the last page."""

    next_page_token: str = ""


class ProductPage(SearchPage):
    """POST /product/202309/products/search."""

    products: list[Product] = []
    total_count: int = 0


class CreatedSku(Wire):
    id: str = Field(min_length=1)
    seller_sku: str = ""


class CreatedProduct(Wire):
    """POST /product/202309/products (create)."""

    product_id: str = Field(min_length=1)
    skus: list[CreatedSku] = []


class SkuErrorDetail(Wire):
    sku_id: str = ""
    extra_errors: list[dict[str, Any]] = []


class SkuError(Wire):
    code: int = 0
    message: str = ""
    detail: SkuErrorDetail | None = None


class InventoryResult(Wire):
    """POST /product/202309/products/{id}/inventory/update: code 0 with per-SKU errors."""

    errors: list[SkuError] = []


# --- orders --------------------------------------------------------------------------------


class Payment(Wire):
    currency: str = ""
    total_amount: Decimal = Decimal(0)
    sub_total: Decimal | None = None


class District(Wire):
    address_level_name: str = ""
    address_level: str = ""
    address_name: str = ""


class RecipientAddress(Wire):
    name: str = ""
    district_info: list[District] = []


class LineItem(Wire):
    """One unit of an order: TikTok lists a line item per unit (there is no quantity)."""

    id: str = ""
    sku_id: str = ""
    product_id: str = ""
    seller_sku: str = ""
    product_name: str = ""
    sku_name: str = ""
    sale_price: Decimal = Decimal(0)
    original_price: Decimal | None = None
    display_status: str = ""


class Package(Wire):
    id: str = Field(min_length=1)


class Order(Wire):
    """An order of Get Order List / Get Order Detail. Extra fields kept for `raw`."""

    model_config = ConfigDict(extra="allow", frozen=True, coerce_numbers_to_str=True)

    id: str = Field(min_length=1)
    status: str
    create_time: UnixSeconds
    update_time: UnixSeconds
    paid_time: UnixSeconds | None = None
    rts_sla_time: UnixSeconds | None = None
    tracking_number: str = ""
    shipping_provider_id: str = ""
    delivery_option_id: str = ""
    payment: Payment = Payment()
    recipient_address: RecipientAddress | None = None
    line_items: list[LineItem] = []
    packages: list[Package] = []


class OrderPage(SearchPage):
    """POST /order/202309/orders/search."""

    orders: list[Order] = []
    total_count: int = 0


class Orders(Wire):
    """GET /order/202309/orders?ids=..."""

    orders: list[Order] = []


class RawOrders(Wire):
    """GET /order/202309/orders?ids=... with each order left to be read on its own
    (`order_mapping.parse_order`), so one malformed order does not hide the others."""

    orders: list[Any] = []


class ReturnOrder(Wire):
    order_id: str = ""
    return_id: str = ""
    return_type: str = ""
    return_status: str = ""


class ReturnPage(SearchPage):
    """POST /return_refund/202309/returns/search."""

    return_orders: list[ReturnOrder] = []


class ShippingProvider(Wire):
    id: str = Field(min_length=1)
    name: str = ""


class ShippingProviders(Wire):
    """GET /logistics/202309/delivery_options/{id}/shipping_providers."""

    shipping_providers: list[ShippingProvider] = []


# --- push ----------------------------------------------------------------------------------


class Push(Wire):
    """A push body: {"type", "tts_notification_id", "shop_id", "timestamp", "data"{...}}."""

    type: int
    tts_notification_id: str = ""
    shop_id: str = ""
    timestamp: UnixSeconds = 0
    data: dict[str, Any] = {}
