"""Order life in the sandbox: checkout (stock held), item status moves and their stock.

Pure functions over a `Seller`; the caller holds the sandbox lock and sends the pushes.
Lazada makes one order item per unit bought. Stock follows the inventory-calculation-logic
guide: checkout moves units from sellable to withhold (unpaid) or occupy (paid); payment
moves withhold to occupy; ready-to-ship takes them out of occupy (they left); a
cancellation before that puts them back to sellable. A return puts them back too.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence

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

BUYERS = (
    ("Budi", "Santoso", "Jakarta Selatan"),
    ("Siti", "Nurhaliza", "Bandung"),
    ("Agus", "Pratama", "Surabaya"),
    ("Dewi", "Lestari", "Yogyakarta"),
    ("Rizky", "Maulana", "Medan"),
    ("Putri", "Ayu", "Makassar"),
    ("Hendra", "Wijaya", "Semarang"),
    ("Nanda", "Rahmawati", "Denpasar"),
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


def random_lines(seller: Seller, rng: random.Random) -> list[tuple[str, int]]:
    """One or two random in-stock SKUs of the seller, 1..3 pieces each (never more than held)."""
    units = [
        sku
        for product in seller.live_products()
        if product.status == "Active"
        for sku in product.skus.values()
        if sku.sellable > 0
    ]
    if not units:
        raise ValueError(f"seller {seller.seller_id} has nothing in stock")
    picked = rng.sample(units, k=min(len(units), rng.choice((1, 1, 2))))
    return [(sku.seller_sku, rng.randint(1, min(3, sku.sellable))) for sku in picked]


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
    """An order for `lines` ((seller sku, quantity)); its stock is held, all or nothing.

    Raises `LookupError` for an unknown SKU and `ValueError` when stock is short."""
    if not lines:
        raise ValueError("an order needs at least one line")
    wanted: dict[int, int] = {}
    resolved: list[tuple[Product, Sku, int]] = []
    for seller_sku, quantity in lines:
        found = seller.find_sku(seller_sku)
        if found is None:
            raise LookupError(f"no listing with SKU {seller_sku!r} on seller {seller.seller_id}")
        if quantity < 1:
            raise ValueError(f"SKU {seller_sku!r}: quantity must be >= 1")
        product, sku = found
        wanted[sku.sku_id] = wanted.get(sku.sku_id, 0) + quantity
        if sku.sellable < wanted[sku.sku_id]:
            raise ValueError(
                f"SKU {seller_sku!r}: {wanted[sku.sku_id]} wanted, {sku.sellable} in stock"
            )
        resolved.append((product, sku, quantity))
    status = PENDING if paid else UNPAID
    items: list[OrderItem] = []
    for product, sku, quantity in resolved:
        sku.sellable -= quantity
        if paid:
            sku.occupy += quantity
        else:
            sku.withhold += quantity
        variation = ", ".join(f"{k}:{v}" for k, v in sku.sale_prop.items())
        items.extend(
            OrderItem(
                order_item_id=next(item_ids),
                item_id=product.item_id,
                sku_id=sku.sku_id,
                seller_sku=sku.seller_sku,
                name=product.name,
                variation=variation,
                price=sku.price,
                status=status,
                created=now,
                updated=now,
            )
            for _ in range(quantity)
        )
    first, last, city = rng.choice(BUYERS)
    order_id = next(order_ids)
    order = Order(
        order_id=order_id,
        order_number=order_id % 1_000_000_000_000 + 300_000_000_000,
        created=now,
        updated=now,
        items=items,
        first_name=first,
        last_name=last,
        city=city,
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
        sku.sellable += 1  # a cancellation before it left: back on sale
    elif new == RETURNED and old in SENT:
        sku.sellable += 1  # it came back: on sale again


def _sku(seller: Seller, item: OrderItem) -> Sku | None:
    product = seller.products.get(item.item_id)
    return product.skus.get(item.sku_id) if product is not None else None
