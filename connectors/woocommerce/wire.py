"""Pydantic models of the WooCommerce REST API v3 bodies Lapak reads (fields as the v3
schemas of `WC_REST_Products_Controller`, `WC_REST_Product_Variations_Controller` and
`WC_REST_Orders_Controller` give them; unknown fields are ignored).

`validate` turns a validation failure into a `TransientError` naming the path and field: a
malformed body is treated like a server hiccup (docs/rules.md, rule 7). Money comes as strings
("150000", "19.90"); `Decimal` parses them exactly. Dates without `_gmt` are in the site's
time zone; Lapak reads the `_gmt` twins only.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeVar

from lapak.connectors.intake import MAX_MONEY, StockQuantity
from lapak.connectors.kit.validation import Wire as Wire
from lapak.connectors.kit.validation import first_error
from lapak.sync.protocol import PermanentError, TransientError
from pydantic import ConfigDict, Field, TypeAdapter, ValidationError, field_validator

M = TypeVar("M")


def validate(model: type[M], data: Any, path: str) -> M:
    """`model` (a model or a `list[...]` type) from `data`; a mismatch is a `TransientError`."""
    try:
        return _adapter(model).validate_python(data)
    except ValidationError as exc:
        raise TransientError(f"{path}: malformed response: {first_error(exc)}") from None


def validate_webhook(model: type[M], data: Any) -> M:
    """Like `validate`, for a webhook body: a malformed delivery is a `PermanentError`."""
    try:
        return _adapter(model).validate_python(data)
    except ValidationError as exc:
        raise PermanentError(f"woocommerce webhook: malformed body: {first_error(exc)}") from None


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(model: Any) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        adapter = _ADAPTERS[model] = TypeAdapter(model)
    return adapter


def money(value: Any) -> Decimal | None:
    """A WooCommerce money string ("" means unset) as a Decimal; anything but a finite
    amount is a `ValueError` (which validation reports on its field)."""
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value)) if isinstance(value, str | int | float) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or abs(amount) > MAX_MONEY:
        shown = repr(value)[:40] if amount is not None else type(value).__name__
        raise ValueError(f"{shown} is not an amount")
    return amount


# --- errors --------------------------------------------------------------------------------


class WPError(Wire):
    """The WP REST error shape: {"code", "message", "data": {"status", ...}}."""

    code: str
    message: Any = ""
    data: Any = None


# --- products ------------------------------------------------------------------------------


class Ref(Wire):
    """A collection row asked for with `_fields=id` (WP REST field filtering)."""

    id: int


class MetaData(Wire):
    id: int | None = None
    key: str
    value: Any = None


class Category(Wire):
    id: int
    name: str = ""


class Image(Wire):
    id: int = 0
    src: str = ""


class Attribute(Wire):
    """A product's attribute ("options") or a variation's chosen one ("option")."""

    id: int = 0
    name: str = ""
    options: list[str] = Field(default_factory=list)
    option: str | None = None
    variation: bool = False


class Stocked(Wire):
    """What products and variations share: SKU, price and stock."""

    id: int
    sku: str = ""
    status: str = "publish"
    regular_price: Decimal | None = None
    manage_stock: bool | Literal["parent"] = False
    """A variation whose stock the parent manages says "parent" (older v3 responses)."""
    stock_quantity: StockQuantity | None = None
    stock_status: str = "instock"
    weight: str = ""
    meta_data: list[MetaData] = Field(default_factory=list)

    @field_validator("regular_price", mode="before")
    @classmethod
    def _price(cls, value: Any) -> Decimal | None:
        return money(value)

    @property
    def stock(self) -> int:
        """The stock WooCommerce holds for this very row (0 when it does not count it)."""
        if self.manage_stock is True and self.stock_quantity is not None:
            return max(0, self.stock_quantity)
        return 0

    def meta(self, key: str) -> Any:
        return next((m.value for m in self.meta_data if m.key == key), None)


class Product(Stocked):
    name: str = ""
    type: str = "simple"
    parent_id: int = 0
    description: str = ""
    images: list[Image] = Field(default_factory=list)
    categories: list[Category] = Field(default_factory=list)
    attributes: list[Attribute] = Field(default_factory=list)
    variations: list[int] = Field(default_factory=list)


class Variation(Stocked):
    attributes: list[Attribute] = Field(default_factory=list)

    @property
    def option_names(self) -> str:
        return ", ".join(a.option for a in self.attributes if a.option)


class BatchItemError(Wire):
    code: str = ""
    message: str = ""
    data: Any = None

    @property
    def status(self) -> int | None:
        status = self.data.get("status") if isinstance(self.data, dict) else None
        return status if isinstance(status, int) else None

    @property
    def resource_id(self) -> int | None:
        """`product_invalid_sku` names the product already holding the SKU (WC_Product::set_sku)."""
        found = self.data.get("resource_id") if isinstance(self.data, dict) else None
        return found if isinstance(found, int) and found > 0 else None


class BatchEntry(Wire):
    """One entry of a batch answer: the saved object, or {"id", "error"}."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: int = 0
    error: BatchItemError | None = None


class BatchResult(Wire):
    """`POST .../batch`: each list holds one entry per request item, in request order."""

    create: list[BatchEntry] = Field(default_factory=list)
    update: list[BatchEntry] = Field(default_factory=list)
    delete: list[BatchEntry] = Field(default_factory=list)


# --- orders --------------------------------------------------------------------------------


class Address(Wire):
    first_name: str = ""
    last_name: str = ""
    city: str = ""


class LineItem(Wire):
    id: int
    name: str = ""
    product_id: int = 0
    variation_id: int = 0
    quantity: int
    sku: str | None = ""
    total: Decimal = Decimal(0)
    price: Decimal | None = None

    @field_validator("total", mode="before")
    @classmethod
    def _total(cls, value: Any) -> Decimal:
        return money(value) or Decimal(0)

    @field_validator("price", mode="before")
    @classmethod
    def _price(cls, value: Any) -> Decimal | None:
        return money(value)


class Order(Wire):
    id: int
    number: str = ""
    status: str
    currency: str = ""
    date_created_gmt: str
    date_modified_gmt: str | None = None
    date_paid_gmt: str | None = None
    date_completed_gmt: str | None = None
    total: Decimal = Decimal(0)
    billing: Address = Field(default_factory=Address)
    shipping: Address = Field(default_factory=Address)
    line_items: list[LineItem] = Field(default_factory=list)
    meta_data: list[MetaData] = Field(default_factory=list)

    @field_validator("total", mode="before")
    @classmethod
    def _total(cls, value: Any) -> Decimal:
        return money(value) or Decimal(0)

    def meta(self, key: str) -> Any:
        return next((m.value for m in self.meta_data if m.key == key), None)


class WebhookOrder(Wire):
    """An order webhook body: the order resource, or just {"id"} for `order.deleted`."""

    id: int = Field(gt=0)
    status: str | None = None
    date_modified_gmt: str | None = None
