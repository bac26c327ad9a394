"""Pydantic models of the LazOP response bodies Lapak reads (fields as the open.lazada.com
API pages give them, raw specs in lazykern/ecommerce-api-docs data/raw/lazada/apis/;
unknown fields are ignored).

Lazada writes numbers and ids now as JSON numbers, now as strings ("price": "106.00",
"item_id": "180226526" in one example, 180226526 in another), so ids are read as text and
amounts as Decimal from either. Times come as ISO 8601 ("2018-02-09T22:44:30+08:00",
"+0800" also seen) or as epoch milliseconds in a string ("1611554725000").

`validate` turns a validation failure into a `TransientError` naming the API path and the
field: a malformed body is treated like a server hiccup (docs/rules.md, rule 7).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from lapak.connectors.intake import MAX_UNIX_SECONDS, Count, Money
from lapak.connectors.kit.tokens import token_set
from lapak.connectors.kit.validation import M, validate_body
from lapak.connectors.kit.validation import Wire as Wire
from lapak.connectors.kit.validation import validate as validate
from lapak.sync.types import TokenSet
from pydantic import BeforeValidator, ConfigDict, Field, RootModel


def _id_text(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    return str(value) if isinstance(value, int) else value


def parse_time(value: Any) -> Any:
    """An aware datetime from ISO 8601 text or epoch seconds/milliseconds (text or number)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not 0 <= value <= MAX_UNIX_SECONDS * 1000:  # also NaN; checked before dividing
            raise ValueError(f"{str(value)[:24]} is not a time in unix seconds or milliseconds")
        seconds = value / 1000 if value > 100_000_000_000 else value
        return datetime.fromtimestamp(seconds, UTC)
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value.strip())
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value


def _optional_time(value: Any) -> Any:
    return None if value is None or value in ("", "null") else parse_time(value)


IdText = Annotated[str, BeforeValidator(_id_text)]
LazTime = Annotated[datetime, BeforeValidator(parse_time)]
OptionalTime = Annotated[datetime | None, BeforeValidator(_optional_time)]
Amount = Annotated[Money, BeforeValidator(lambda v: "0" if v in (None, "", "null") else v)]


def validate_push(model: type[M], data: Any) -> M:
    """Like `validate`, for a webhook body: a malformed push is a `PermanentError`."""
    return validate_body(model, data, "lazada push")


# --- envelope and tokens -------------------------------------------------------------------


class ErrorDetail(Wire):
    """One entry of an error's `detail` list (batch APIs: which SKU failed and why).

    Shape from the "Common Response Parameters" of the product API pages:
    `{"field": "Product", "seller_sku": "api-create-test-1", "message": "SELLER_SKU_INVALID"}`
    (`seller_sku` may be absent)."""

    field: str = ""
    seller_sku: str | None = None
    message: str = ""


class Envelope(Wire):
    """Success `{"code": "0", "data": ..., "request_id"}`; error `{"type": "ISV"|"ISP"|"SYSTEM",
    "code", "message", "request_id", "detail"?}`. `code` is text ("0"), sometimes a number."""

    code: IdText = "0"
    type: str | None = None
    message: str | None = None
    request_id: str | None = None
    detail: list[ErrorDetail] = []
    data: Any = None


class TokenReply(Wire):
    """/auth/token/create and /auth/token/refresh (top level, no `data` wrapper).

    `expires_in` / `refresh_expires_in` are seconds, as numbers or text ("10" in the
    GenerateAccessToken example)."""

    access_token: str = Field(min_length=1)
    refresh_token: str = Field(min_length=1)
    expires_in: int = Field(gt=0)
    refresh_expires_in: int | None = None
    country: str | None = None
    account_platform: str | None = None

    def token_set(self, issued: float) -> TokenSet:
        """The pair as the vault keeps it, its lifetimes counted from `issued` (unix
        seconds of the request); no refresh expiry when Lazada names none."""
        refresh_lifetime = self.refresh_expires_in
        refresh_expires_at = issued + refresh_lifetime if refresh_lifetime else None
        return token_set(
            self.access_token, self.refresh_token, issued + self.expires_in, refresh_expires_at
        )


class CountryUser(Wire):
    """One entry of GenerateAccessToken's `country_user_info`: the seller in a country."""

    country: str = ""
    seller_id: IdText = ""
    user_id: IdText = ""
    short_code: str = ""


class CreatedToken(TokenReply):
    """/auth/token/create: the token pair and the sellers the authorization covers."""

    account: str | None = None
    country_user_info: list[CountryUser] = Field(default_factory=list)


# --- products ------------------------------------------------------------------------------


class WarehouseStock(Wire):
    sellableQuantity: Count = 0


class Sku(Wire):
    SkuId: IdText
    SellerSku: str = ""
    quantity: Count = 0
    Available: Count | None = None
    price: Amount = Decimal(0)
    multiWarehouseInventories: list[WarehouseStock] = []
    saleProp: dict[str, Any] = {}


class ProductAttributes(Wire):
    name: str = ""
    description: str = ""


class Product(Wire):
    item_id: IdText
    attributes: ProductAttributes = ProductAttributes()
    skus: list[Sku] = []
    variation: dict[str, Any] | list[Any] | None = None


class ProductPage(Wire):
    """`data` of /products/get."""

    total_products: int = 0
    products: list[Product] = []


class CreatedSku(Wire):
    seller_sku: str
    sku_id: IdText
    shop_sku: str = ""


class CreatedProduct(Wire):
    """`data` of /product/create."""

    item_id: IdText
    sku_list: list[CreatedSku] = []


class MigratedImageInfo(Wire):
    url: str = Field(min_length=1)
    hash_code: str | None = None


class MigratedImage(Wire):
    """`data` of /image/migrate."""

    image: MigratedImageInfo


class Nothing(Wire):
    """`data` of an API that answers `{}` (or nothing) on success."""


# --- orders --------------------------------------------------------------------------------


class Address(Wire):
    first_name: str = ""
    last_name: str = ""
    city: str = ""


class OrderHeader(Wire):
    """One order of /orders/get (and `data` of /order/get). Extra fields are kept for `raw`."""

    model_config = ConfigDict(extra="allow", frozen=True)

    order_id: IdText
    order_number: IdText = ""
    created_at: LazTime
    updated_at: LazTime
    price: Amount = Decimal(0)
    statuses: list[str] = []
    customer_first_name: str = ""
    customer_last_name: str = ""
    address_shipping: Address | None = None
    items_count: int = 0


class OrderPage(Wire):
    """`data` of /orders/get: `count` orders on this page of `countTotal` in the filter."""

    count: int = 0
    countTotal: int = 0
    orders: list[OrderHeader] = []


class OrderItem(Wire):
    """One unit of an order (Lazada has no quantity: each unit is its own order item)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    order_item_id: IdText
    order_id: IdText = ""
    status: str
    sku: str = ""
    shop_sku: str = ""
    name: str = ""
    variation: str = ""
    item_price: Amount = Decimal(0)
    paid_price: Amount = Decimal(0)
    currency: str = ""
    tracking_code: str = ""
    shipment_provider: str = ""
    package_id: str = ""
    created_at: OptionalTime = None
    updated_at: OptionalTime = None
    promised_shipping_time: OptionalTime = None


class OrderItems(Wire):
    """One order of /orders/items/get."""

    order_id: IdText
    order_number: IdText = ""
    order_items: list[OrderItem] = []


# --- push ----------------------------------------------------------------------------------


class Push(Wire):
    """A push body: `{"seller_id", "message_type", "data"{...}, "timestamp" (ms), "site"}`."""

    seller_id: IdText
    message_type: int
    data: dict[str, Any] = {}
    timestamp: int = 0
    site: str = ""


class TradeOrderPush(Wire):
    """`data` of a trade-order push (message_type 0)."""

    trade_order_id: IdText = Field(min_length=1)
    trade_order_line_id: IdText = ""
    order_status: str = ""
    status_update_time: int = 0


class OrderItemsList(RootModel[list[OrderItems]]):
    """`data` of /orders/items/get: one entry per order found."""

    model_config = ConfigDict(frozen=True)


class OrderItemList(RootModel[list[OrderItem]]):
    """`data` of /order/items/get (one order)."""

    model_config = ConfigDict(frozen=True)


# --- fulfilment (answers under "result", not "data") ----------------------------------------


class PackedItem(Wire):
    order_item_id: IdText
    item_err_code: IdText = "0"
    msg: str = ""
    tracking_number: str = ""
    shipment_provider: str = ""
    package_id: str = ""
    retry: bool = False


class PackedOrder(Wire):
    order_id: IdText
    order_item_list: list[PackedItem] = []


class PackData(Wire):
    pack_order_list: list[PackedOrder] = []


class PackResult(Wire):
    """`result` of /order/fulfill/pack: "If this is true, it doesn't mean that everything is
    processed successfully": each item's `item_err_code` must be "0"."""

    success: bool = False
    error_code: IdText | None = None
    error_msg: str | None = None
    data: PackData = PackData()


class ReadyPackage(Wire):
    package_id: str
    item_err_code: IdText = "0"
    msg: str = ""
    retry: bool = False


class ReadyData(Wire):
    packages: list[ReadyPackage] = []


class ReadyResult(Wire):
    """`result` of /order/package/rts (per-package `item_err_code`, "0=success")."""

    success: bool = False
    error_code: IdText | None = None
    error_msg: str | None = None
    data: ReadyData = ReadyData()
