"""Order life in the sandbox: checkout (stock held), item status moves and their stock.

Lazada's status lives on each order item, one item per unit bought, so the kit's order-level
`OrderBook` does not fit: checkout takes the stock with the kit's `take_stock`, and each
item moves alone. Stock follows the inventory-calculation-logic guide: checkout moves units
from sellable to withhold (unpaid) or occupy (paid); payment moves withhold to occupy;
ready-to-ship takes them out of occupy (they left); a cancellation before that puts them
back on sale, as does a return. The caller holds the sandbox lock and sends the pushes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from typing import cast

from lapak.sandboxes.kit.orders import BUYERS, take_stock
from lapak.sandboxes.lazada.state import (
    CANCELED,
    PENDING,
    RETURNED,
    SENT,
    UNPAID,
    Order,
    OrderItem,
    Product,
    Seller,
    Sku,
)

PAYMENT_METHODS = ("COD", "MIXEDCARD", "DANA", "OVO")
WITHHOLD = frozenset({UNPAID})
OCCUPY = frozenset({PENDING, "packed", "repacked", "topack", "toship"})


def held_in(status: str) -> str | None:
    """Which stock bucket holds a unit of an item in `status` ("withhold", "occupy", none)."""
    if status in WITHHOLD:
        return "withhold"
    if status in OCCUPY:
        return "occupy"
    return None


def place(
    seller: Seller,
    lines: Sequence[tuple[str, int]],
    *,
    now: int,
    rng: random.Random,
    order_ids: Iterator[int],
    item_ids: Iterator[int],
    paid: bool,
) -> Order:
    """An order for `lines` ((seller sku, quantity)); its stock is held, all or nothing
    (the kit's `take_stock`: `UnknownSkuError`, `OutOfStockError`)."""
    status = PENDING if paid else UNPAID
    items: list[OrderItem] = []
    for unit, quantity in take_stock(seller.catalog, lines):
        product, sku = cast(Product, unit.listing), cast(Sku, unit.variant)
        if paid:
            sku.occupy += quantity
        else:
            sku.withhold += quantity
        variation = ", ".join(f"{k}:{v}" for k, v in sku.sale_prop.items())
        items.extend(
            OrderItem(
                order_item_id=next(item_ids),
                item_id=product.id,
                sku_id=sku.id,
                seller_sku=sku.sku,
                name=product.name,
                variation=variation,
                price=sku.price,
                status=status,
                created=now,
                updated=now,
            )
            for _ in range(quantity)
        )
    order_id = next(order_ids)
    order = Order(
        order_id=order_id,
        order_number=order_id % 1_000_000_000_000 + 300_000_000_000,
        created=now,
        updated=now,
        items=items,
        buyer=rng.choice(BUYERS),
        phone="62" + "*" * 7 + str(rng.randint(10, 99)),
        payment_method=rng.choice(PAYMENT_METHODS),
    )
    seller.orders[order.order_id] = order
    return order


def move(
    seller: Seller, order: Order, items: Sequence[OrderItem], status: str, now: int
) -> list[OrderItem]:
    """Move `items` of `order` to `status` with their stock effects; returns those that moved."""
    moved = []
    for item in items:
        if item.status == status:
            continue
        sku = _sku(seller, item)
        if sku is not None:
            _restock(sku, item.status, status)
        item.status = status
        item.updated = max(now, item.updated)
        moved.append(item)
    if moved:
        order.updated = max(now, order.updated)
    return moved


def _restock(sku: Sku, old: str, new: str) -> None:
    source, target = held_in(old), held_in(new)
    if source is not None:
        setattr(sku, source, getattr(sku, source) - 1)
    if target is not None:
        setattr(sku, target, getattr(sku, target) + 1)
    if new == CANCELED and old not in SENT:
        sku.stock += 1  # a cancellation before it left: back on sale
    elif new == RETURNED and old in SENT:
        sku.stock += 1  # it came back: on sale again


def _sku(seller: Seller, item: OrderItem) -> Sku | None:
    product = seller.products.get(item.item_id)
    return product.skus.get(item.sku_id) if product is not None else None
