"""Pydantic models of the Shopify Admin API bodies Lapak reads (REST 2025-01 resources and
the GraphQL `inventorySetQuantities` payload; unknown fields are ignored).

`validate` turns a validation failure into a `TransientError` naming the API path and the
field, because a malformed body is treated like a server hiccup (docs/rules.md, rule 7); a webhook
body that does not validate is a `PermanentError` instead (`validate_webhook`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from lapak.connectors.intake import Money
from lapak.connectors.kit.validation import M, validate_body
from lapak.connectors.kit.validation import Wire as Wire
from lapak.connectors.kit.validation import validate as validate
from pydantic import Field, field_validator


def validate_webhook(model: type[M], data: Any) -> M:
    return validate_body(model, data, "shopify webhook")


def _text(value: Any) -> str:
    """A scalar as text (Shopify sends a null SKU); a list or object is no text."""
    if isinstance(value, list | dict):
        raise ValueError("not text")
    return "" if value is None else str(value)


# --- catalog -----------------------------------------------------------------------------------


class Variant(Wire):
    id: int
    product_id: int | None = None
    title: str = ""
    option1: str | None = None
    sku: str = ""
    price: Money
    inventory_item_id: int
    inventory_quantity: int = 0

    @field_validator("sku", mode="before")
    @classmethod
    def _no_sku_is_empty(cls, value: Any) -> str:
        return _text(value)


class Option(Wire):
    name: str
    values: list[str] = []


class Image(Wire):
    id: int | None = None
    src: str = ""


class Product(Wire):
    id: int
    title: str = ""
    status: str = "active"
    variants: list[Variant] = []
    options: list[Option] = []
    images: list[Image] = []


class ProductList(Wire):
    products: list[Product]


class ProductReply(Wire):
    product: Product


class VariantReply(Wire):
    variant: Variant


class Shop(Wire):
    id: int | None = None
    primary_location_id: int | None = None
    currency: str | None = None


class ShopReply(Wire):
    shop: Shop


class Location(Wire):
    id: int
    active: bool = True


class LocationList(Wire):
    locations: list[Location]


class Level(Wire):
    inventory_item_id: int
    location_id: int
    available: int | None = None


class LevelList(Wire):
    inventory_levels: list[Level]


# --- GraphQL -----------------------------------------------------------------------------------


class ThrottleStatus(Wire):
    maximumAvailable: float
    currentlyAvailable: float
    restoreRate: float


class Cost(Wire):
    requestedQueryCost: float | None = None
    actualQueryCost: float | None = None
    throttleStatus: ThrottleStatus | None = None


class Extensions(Wire):
    cost: Cost | None = None


class GraphQLError(Wire):
    message: str = ""
    extensions: dict[str, Any] | None = None

    @property
    def code(self) -> str:
        return str((self.extensions or {}).get("code") or "")


class GraphQLReply(Wire):
    data: dict[str, Any] | None = None
    errors: list[GraphQLError] | None = None
    extensions: Extensions | None = None


class UserError(Wire):
    code: str | None = None
    field: list[str] | None = None
    message: str = ""


class InventorySetPayload(Wire):
    inventoryAdjustmentGroup: dict[str, Any] | None = None
    userErrors: list[UserError] = []


# --- orders ------------------------------------------------------------------------------------


class LineItem(Wire):
    id: int
    variant_id: int | None = None
    product_id: int | None = None
    sku: str = ""
    title: str = ""
    variant_title: str | None = None
    quantity: int = Field(ge=0)
    price: Decimal

    @field_validator("sku", mode="before")
    @classmethod
    def _no_sku_is_empty(cls, value: Any) -> str:
        return _text(value)


class Customer(Wire):
    first_name: str | None = None
    last_name: str | None = None


class Address(Wire):
    name: str | None = None
    city: str | None = None


class Fulfillment(Wire):
    id: int
    status: str = ""
    tracking_number: str | None = None
    tracking_numbers: list[str] = []
    shipment_status: str | None = None


class Refund(Wire):
    id: int
    order_id: int | None = None
    restock: bool | None = None


class Order(Wire):
    id: int
    name: str = ""
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None = None
    closed_at: datetime | None = None
    financial_status: str | None = None
    fulfillment_status: str | None = None
    currency: str
    total_price: Decimal
    line_items: list[LineItem] = []
    customer: Customer | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None
    fulfillments: list[Fulfillment] = []
    refunds: list[Refund] = []


class OrderList(Wire):
    orders: list[Order]


class OrderId(Wire):
    id: int


class OrderIdList(Wire):
    orders: list[OrderId]


class OrderStatusFields(Wire):
    id: int
    financial_status: str | None = None
    cancelled_at: datetime | None = None


class OrderStatusReply(Wire):
    order: OrderStatusFields


class FulfillmentOrderLine(Wire):
    id: int
    line_item_id: int
    quantity: int
    fulfillable_quantity: int


class FulfillmentOrder(Wire):
    id: int
    status: str
    line_items: list[FulfillmentOrderLine] = []


class FulfillmentOrderList(Wire):
    fulfillment_orders: list[FulfillmentOrder]


class FulfillmentReply(Wire):
    fulfillment: Fulfillment


class FulfillmentList(Wire):
    fulfillments: list[Fulfillment]


# --- webhooks ----------------------------------------------------------------------------------


class WebhookBody(Wire):
    """What Lapak reads of a webhook payload: the order itself (orders/* topics) or a
    child resource naming its order (refunds/create, fulfillments/*)."""

    id: int | None = None
    order_id: int | None = None
    line_items: list[dict[str, Any]] | None = None
    financial_status: str | None = None
