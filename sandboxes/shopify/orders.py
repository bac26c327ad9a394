"""Order life in the Shopify sandbox: checkout, payment, fulfilment, delivery, cancel, refund.

Functions over a `Shop`; the caller holds the sandbox lock, stamps `updated_at` and sends
the webhooks. Inventory follows Shopify's states for a tracked item: a checkout lowers
`available` at once (the units become committed); a fulfilment leaves `available` alone;
a cancellation before shipping, or a refund with restock, puts units back on `available`.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from lapak.sandboxes.shopify.state import (
    Fulfillment,
    FulfillmentOrder,
    LineItem,
    Order,
    Refund,
    Shop,
)
from lapak.sandboxes.shopify.wire import ShopifyError

BUYERS = (
    ("Budi", "Santoso", "Jakarta Selatan", "DKI Jakarta", "12190"),
    ("Siti", "Nurhaliza", "Bandung", "Jawa Barat", "40115"),
    ("Agus", "Pratama", "Surabaya", "Jawa Timur", "60271"),
    ("Dewi", "Lestari", "Yogyakarta", "DI Yogyakarta", "55213"),
    ("Rizky", "Maulana", "Medan", "Sumatera Utara", "20112"),
    ("Putri", "Ayu", "Makassar", "Sulawesi Selatan", "90111"),
    ("Hendra", "Wijaya", "Semarang", "Jawa Tengah", "50132"),
    ("Nanda", "Rahmawati", "Denpasar", "Bali", "80232"),
)
SHIPPED = frozenset({"fulfilled", "partial"})


class OutOfStockError(Exception):
    """An order line asks for more than the variant has (or names an unknown SKU)."""


@dataclass(slots=True)
class Ids:
    """Id sequences shaped like Shopify's (large integers, one range per resource)."""

    product: Iterator[int] = field(default_factory=lambda: itertools.count(8_100_000_001))
    variant: Iterator[int] = field(default_factory=lambda: itertools.count(44_100_000_001))
    inventory_item: Iterator[int] = field(default_factory=lambda: itertools.count(46_100_000_001))
    order: Iterator[int] = field(default_factory=lambda: itertools.count(5_900_000_001))
    line_item: Iterator[int] = field(default_factory=lambda: itertools.count(13_900_000_001))
    fulfillment_order: Iterator[int] = field(default_factory=lambda: itertools.count(6_900_000_001))
    fulfillment_order_line: Iterator[int] = field(
        default_factory=lambda: itertools.count(14_900_000_001)
    )
    fulfillment: Iterator[int] = field(default_factory=lambda: itertools.count(4_900_000_001))
    refund: Iterator[int] = field(default_factory=lambda: itertools.count(9_300_000_001))
    customer: Iterator[int] = field(default_factory=lambda: itertools.count(7_100_000_001))


def random_lines(shop: Shop, rng: random.Random) -> list[tuple[str, int]]:
    """One or two random in-stock variants of the shop, 1..3 pieces each."""
    units = [
        (variant.sku, shop.levels.get(variant.inventory_item_id, 0))
        for product in shop.products.values()
        if product.status == "active"
        for variant in product.variants.values()
        if variant.sku and shop.levels.get(variant.inventory_item_id, 0) > 0
    ]
    if not units:
        raise OutOfStockError(f"shop {shop.name!r} has nothing in stock")
    picked = rng.sample(units, k=min(len(units), rng.choice((1, 1, 2))))
    return [(sku, rng.randint(1, min(3, held))) for sku, held in picked]


def place(
    shop: Shop,
    lines: Sequence[tuple[str, int]],
    *,
    now: int,
    rng: random.Random,
    ids: Ids,
    paid: bool,
) -> Order:
    """Create an order for `lines` ((sku, quantity)) and take its stock, all or nothing."""
    if not lines:
        raise OutOfStockError("an order needs at least one line")
    wanted: dict[int, int] = {}
    resolved = []
    for sku, quantity in lines:
        found = shop.find_sku(sku)
        if found is None:
            raise LookupError(f"no variant with SKU {sku!r} on shop {shop.name!r}")
        if quantity < 1:
            raise OutOfStockError(f"SKU {sku!r}: quantity must be >= 1")
        product, variant = found
        item = variant.inventory_item_id
        wanted[item] = wanted.get(item, 0) + quantity
        held = shop.levels.get(item, 0)
        if held < wanted[item]:
            raise OutOfStockError(f"SKU {sku!r}: {wanted[item]} wanted, {held} in stock")
        resolved.append((product, variant, quantity))
    items = []
    for product, variant, quantity in resolved:
        shop.levels[variant.inventory_item_id] -= quantity
        shop.level_updated[variant.inventory_item_id] = now
        items.append(
            LineItem(
                id=next(ids.line_item),
                variant_id=variant.id,
                product_id=product.id,
                inventory_item_id=variant.inventory_item_id,
                sku=variant.sku,
                title=product.title,
                variant_title="" if not product.has_options else variant.option1,
                quantity=quantity,
                price=variant.price,
                grams=variant.grams,
            )
        )
    first, last, city, province, zipcode = rng.choice(BUYERS)
    order = Order(
        id=next(ids.order),
        number=shop.next_number,
        created_at=now,
        updated_at=now,
        financial_status="paid" if paid else "pending",
        line_items=items,
        customer={
            "id": next(ids.customer),
            "first_name": first,
            "last_name": last,
            "email": f"{first.lower()}.{last.lower()}@example.com",
        },
        shipping_address=_address(first, last, city, province, zipcode),
        gateway="bogus" if paid else "Cash on Delivery (COD)",
        processed_at=now,
    )
    shop.next_number += 1
    order.fulfillment_orders.append(
        FulfillmentOrder(
            id=next(ids.fulfillment_order),
            order_id=order.id,
            location_id=shop.location_id,
            status="open",
            lines=[
                {
                    "id": next(ids.fulfillment_order_line),
                    "line_item_id": line.id,
                    "inventory_item_id": line.inventory_item_id,
                    "variant_id": line.variant_id,
                    "quantity": line.quantity,
                    "fulfillable_quantity": line.quantity,
                }
                for line in items
            ],
            created_at=now,
            updated_at=now,
        )
    )
    shop.orders[order.id] = order
    return order


def pay(order: Order) -> bool:
    if order.cancelled_at is not None or order.financial_status != "pending":
        return False
    order.financial_status = "paid"
    return True


def cancel(shop: Shop, order: Order, now: int, reason: str = "customer") -> bool:
    """Cancel a not-yet-shipped order, restocking it; a paid one is refunded in full."""
    if order.cancelled_at is not None:
        return False
    if order.fulfillment_status in SHIPPED:
        raise ValueError(f"order {order.id} has been fulfilled: cancel its fulfilments first")
    restock(shop, order, [(line.id, line.quantity) for line in order.line_items], now)
    order.cancelled_at = now
    order.cancel_reason = reason
    order.closed_at = now
    order.financial_status = "refunded" if order.financial_status == "paid" else "voided"
    for fo in order.fulfillment_orders:
        fo.status = "closed"
        fo.updated_at = now
        for line in fo.lines:
            line["fulfillable_quantity"] = 0
    return True


def fulfill(
    order: Order,
    requests: Sequence[tuple[FulfillmentOrder, dict[int, int] | None]],
    *,
    tracking_number: str | None,
    tracking_company: str | None,
    now: int,
    ids: Ids,
) -> Fulfillment:
    """One fulfilment over fulfillment orders (None: all their remaining lines).

    Raises `ShopifyError` 422 for a fulfillment order that is not open/in progress, or a
    quantity beyond what is fulfillable (messages as Shopify writes them).
    """
    shipped: list[tuple[int, int]] = []
    for fo, quantities in requests:
        if fo.status not in ("open", "in_progress"):
            raise ShopifyError(
                422, [f"Fulfillment order {fo.id} has an unfulfillable status= {fo.status}."]
            )
        by_id = {line["id"]: line for line in fo.lines}
        wanted = quantities or {i: line["fulfillable_quantity"] for i, line in by_id.items()}
        for line_id, quantity in wanted.items():
            line = by_id.get(line_id)
            if line is None or quantity < 0 or quantity > line["fulfillable_quantity"]:
                raise ShopifyError(422, ["Invalid fulfillment order line item quantity requested."])
    for fo, quantities in requests:
        by_id = {line["id"]: line for line in fo.lines}
        wanted = quantities or {i: line["fulfillable_quantity"] for i, line in by_id.items()}
        for line_id, quantity in wanted.items():
            if quantity:
                by_id[line_id]["fulfillable_quantity"] -= quantity
                shipped.append((by_id[line_id]["line_item_id"], quantity))
        left = sum(line["fulfillable_quantity"] for line in fo.lines)
        fo.status = "closed" if left == 0 else "in_progress"
        fo.updated_at = now
    fulfillment = Fulfillment(
        id=next(ids.fulfillment),
        order_id=order.id,
        location_id=requests[0][0].location_id,
        tracking_number=tracking_number,
        tracking_company=tracking_company,
        line_items=shipped,
        created_at=now,
        updated_at=now,
    )
    order.fulfillments.append(fulfillment)
    return fulfillment


def deliver(order: Order, now: int) -> bool:
    """The courier delivered every shipment; the order is archived (closed)."""
    if order.fulfillment_status not in SHIPPED:
        raise ValueError(f"order {order.id} was not shipped: nothing to deliver")
    changed = False
    for fulfillment in order.fulfillments:
        if fulfillment.shipment_status != "delivered":
            fulfillment.shipment_status = "delivered"
            fulfillment.updated_at = now
            changed = True
    if order.closed_at is None:
        order.closed_at = now
        changed = True
    return changed


def refund_return(shop: Shop, order: Order, now: int, ids: Ids) -> Refund | None:
    """The buyer sent a shipped order back: a full refund that restocks every line."""
    if order.fulfillment_status not in SHIPPED:
        raise ValueError(f"order {order.id} was not shipped: nothing to return")
    if order.financial_status == "refunded":
        return None
    lines = [(line.id, line.quantity) for line in order.line_items]
    restock(shop, order, lines, now)
    refund = Refund(
        id=next(ids.refund), order_id=order.id, restock=True, line_items=lines, created_at=now
    )
    order.refunds.append(refund)
    order.financial_status = "refunded"
    return refund


def restock(shop: Shop, order: Order, lines: Sequence[tuple[int, int]], now: int) -> None:
    """Put units back on `available` for (line item id, quantity) pairs."""
    by_id = {line.id: line for line in order.line_items}
    for line_id, quantity in lines:
        line = by_id.get(line_id)
        if line is None or line.inventory_item_id not in shop.levels:
            continue
        shop.levels[line.inventory_item_id] += quantity
        shop.level_updated[line.inventory_item_id] = now


def _address(first: str, last: str, city: str, province: str, zipcode: str) -> dict[str, Any]:
    return {
        "first_name": first,
        "last_name": last,
        "name": f"{first} {last}",
        "address1": "Jl. Contoh No. 1",
        "city": city,
        "province": province,
        "zip": zipcode,
        "country": "Indonesia",
        "country_code": "ID",
        "phone": None,
    }
