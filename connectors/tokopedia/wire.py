"""Pydantic models of the Tokopedia FS API bodies Lapak reads (unknown fields ignored).

Every API body is an envelope `{"header": {process_time, messages, reason?, error_code?},
"data": ...}`; the models below validate its `data`. Tokopedia sends `null` for empty lists
and objects now and then, so a null field with a default takes the default.
`validate` turns a mismatch into a `TransientError` naming the path and the field (a
malformed body is treated like a server hiccup, docs/rules.md, rule 7).

Sources: the doc pages (developer.tokopedia.com, docs/MARKETPLACES.md#tokopedia), the JSON
fixtures of plvhx/tokopedia-php-sdk (tests/data-fixtures/**), PyPI `tokopedia` 0.4.2
(`tokopedia/product/*.py`, `tokopedia/response.py`).
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from lapak.connectors.intake import Money, StockQuantity
from lapak.connectors.kit import validation as kit
from lapak.connectors.kit.validation import M, first_error, validate_body
from lapak.connectors.kit.validation import validate as validate
from lapak.sync.protocol import TransientError
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError


class Wire(kit.NullIsDefault):
    model_config = ConfigDict(populate_by_name=True)


@cache
def _list_adapter(model: type[BaseModel]) -> TypeAdapter[Any]:
    return TypeAdapter(list[model] | None)  # type: ignore[arg-type,valid-type]


def validate_list(model: type[M], data: Any, path: str) -> list[M]:
    """A list of `model` (`null` is an empty list), validated like `validate`."""
    try:
        items = _list_adapter(model).validate_python(data)
    except ValidationError as exc:
        raise TransientError(f"{path}: malformed response: {first_error(exc)}") from None
    return items or []


def validate_push(model: type[M], data: Any) -> M:
    """Like `validate`, for a webhook body: a malformed push is a `PermanentError`."""
    return validate_body(model, data, "tokopedia webhook")


# --- envelope and token --------------------------------------------------------------------


class Header(Wire):
    process_time: float | None = None
    messages: str = ""
    reason: str = ""
    error_code: str | int | None = None
    """A string code ("ORD_DLV_013") on refusals; server errors carry the int 0."""

    @property
    def code(self) -> str:
        return "" if self.error_code in (None, "", 0) else str(self.error_code)


class Envelope(Wire):
    header: Header = Header()
    data: Any = None


class TokenReply(Wire):
    """POST /token (top level, no envelope)."""

    access_token: str = Field(min_length=1)
    expires_in: int = Field(gt=0)
    """Seconds the token lives (doc example 2592000; 2 weeks since 2021-10-22)."""
    token_type: str = "Bearer"


class TokenRefusal(Wire):
    """An OAuth2 error body of the token endpoint (shape UNCONFIRMED: RFC 6749 5.2)."""

    error: str = ""
    error_description: str = ""


# --- stock and price -----------------------------------------------------------------------


class FailedRow(Wire):
    product_id: int = 0
    sku: str = ""
    message: str = ""


class BulkResult(Wire):
    """/inventory/v1/fs/:fs_id/stock/update and price/update: per-row failures."""

    total_data: int = 0
    succeed_rows: int = 0
    failed_rows: int = 0
    failed_rows_data: list[FailedRow] = []


# --- products ------------------------------------------------------------------------------


class Basic(Wire):
    product_id: int = Field(alias="productID")
    shop_id: int = Field(0, alias="shopID")
    status: int = 0
    name: str = ""


class Price(Wire):
    value: Money = Decimal(0)


class Stock(Wire):
    value: StockQuantity = 0
    """Below zero where a payment took more than was shown (stock leaves at payment:
    docs/MARKETPLACES.md, "Tokopedia orders")."""
    use_stock: bool = Field(True, alias="useStock")


class VariantFlags(Wire):
    is_parent: bool = Field(False, alias="isParent")
    is_variant: bool = Field(False, alias="isVariant")
    children_id: list[int] = Field([], alias="childrenID")


class Other(Wire):
    sku: str = ""


class ProductInfo(Wire):
    """One product of GET /inventory/v1/fs/:fs_id/product/info (fixture get-product-info-ok-3,
    PyPI tokopedia `product/product.py`)."""

    basic: Basic
    price: Price = Price()
    stock: Stock = Field(default_factory=lambda: Stock.model_validate({}))
    main_stock: int | None = None
    variant: VariantFlags = Field(default_factory=lambda: VariantFlags.model_validate({}))
    other: Other = Other()


class VariantOption(Wire):
    id: int = 0
    value: str = ""


class VariantType(Wire):
    name: str = ""
    identifier: str = ""
    option: list[VariantOption] = []


class VariantChild(Wire):
    product_id: int
    name: str = ""
    sku: str = ""
    price: Decimal = Decimal(0)
    stock: int = 0
    option_ids: list[int] = []


class VariantProduct(Wire):
    """GET /inventory/v1/fs/:fs_id/product/variant/:product_id (fixture
    get-all-variants-by-product-id-ok)."""

    parent_id: int
    default_child: int = 0
    variant: list[VariantType] = []
    children: list[VariantChild] = []


class UnitValue(Wire):
    value_id: int
    value: str = ""


class VariantUnit(Wire):
    unit_id: int = 0
    name: str = ""
    values: list[UnitValue] = []


class CategoryVariant(Wire):
    """One variant type of GET /inventory/v1/fs/:fs_id/category/get_variant?cat_id=
    (fixture get-all-variants-by-category-id-ok)."""

    variant_id: int
    name: str = ""
    identifier: str = ""
    status: int = 1
    has_unit: int = 0
    units: list[VariantUnit] = []


class SuccessRow(Wire):
    product_id: int
    product_sku: str = ""


class CreateFailedRow(Wire):
    product_name: str = ""
    product_price: Decimal | None = None
    sku: str = ""
    error: list[str] = []


class UpsertResult(Wire):
    """POST /v3/products/fs/:fs_id/create and PATCH .../edit: synchronous per-row results
    (PyPI tokopedia `create_product_v3.py` ResponseCreateProductV3; its test of a refused
    row answers HTTP 200 with `fail_data` 1)."""

    total_data: int = 0
    success_data: int = 0
    fail_data: int = 0
    success_rows_data: list[SuccessRow] = []
    failed_rows_data: list[CreateFailedRow] = []


# --- orders --------------------------------------------------------------------------------


class OrderEntry(Wire):
    """One order of GET /v2/order/list (fixture get-all-orders-ok)."""

    order_id: int
    order_status: int
    create_time: int = 0


class OrderDetailLine(Wire):
    order_detail_id: int = 0
    product_id: int = 0
    product_name: str = ""
    sku: str = ""
    quantity: int = Field(ge=0)
    product_price: Decimal = Decimal(0)
    subtotal_price: Decimal = Decimal(0)


class Destination(Wire):
    receiver_name: str = ""
    address_city: str = ""
    address_province: str = ""


class ShippingInfo(Wire):
    awb: str = ""
    logistic_name: str = ""
    logistic_service: str = ""


class OrderInfo(Wire):
    order_detail: list[OrderDetailLine] = []
    destination: Destination = Destination()
    shipping_info: ShippingInfo = ShippingInfo()


class BuyerInfo(Wire):
    buyer_id: int = 0
    buyer_fullname: str = ""


class ShipmentFulfillment(Wire):
    accept_deadline: str = ""
    confirm_shipping_deadline: str = ""


class SingleOrder(Wire):
    """`data` of GET /v2/fs/:fs_id/order?order_id= (fixture get-single-order-ok). Times are
    RFC 3339 strings; "0001-01-01T00:00:00Z" means none."""

    order_id: int
    order_status: int
    invoice_number: str = ""
    seller_id: int = 0
    item_price: Decimal = Decimal(0)
    open_amt: Decimal = Decimal(0)
    create_time: str
    update_time: str = ""
    payment_date: str | None = None
    buyer_info: BuyerInfo = BuyerInfo()
    order_info: OrderInfo = OrderInfo()
    shipment_fulfillment: ShipmentFulfillment = ShipmentFulfillment()


# --- webhooks ------------------------------------------------------------------------------


class OrderPush(Wire):
    """An order_notification or order_status webhook body
    (docs/MARKETPLACES.md#tokopedia-webhooks): both carry fs_id and order_id; order_status
    bodies add `order_status`, notifications `invoice_ref_num`. Keys of nested objects are
    capitalised ("Name")."""

    model_config = ConfigDict(extra="allow", frozen=True)

    fs_id: int
    order_id: int
    order_status: int | None = None
    shop_id: int | None = None
    invoice_ref_num: str | None = None
