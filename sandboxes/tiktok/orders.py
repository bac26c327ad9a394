"""Order life in the sandbox: placing (stock goes down), status changes, cancel and return
(stock back). Pure functions over a `Shop`; the caller holds the lock and sends the pushes.

Status flow (get-order-list.spec.json): UNPAID → (ON_HOLD →) AWAITING_SHIPMENT →
AWAITING_COLLECTION (seller shipped) → IN_TRANSIT → DELIVERED → COMPLETED; CANCELLED before
shipping. A return is a record of the Return & Refund API, not an order status: the order
keeps its status and its update_time moves (UNCONFIRMED whether TikTok moves it).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from lapak.sandboxes.tiktok.state import (
    NOT_SHIPPED,
    SHIPPED,
    LineItem,
    Order,
    Product,
    Return,
    Shop,
    Sku,
)

BUYERS = (
    ("Budi Santoso", "Jakarta Selatan", "DKI Jakarta", "Kebayoran Baru", "12190"),
    ("Siti Nurhaliza", "Bandung", "Jawa Barat", "Coblong", "40115"),
    ("Agus Pratama", "Surabaya", "Jawa Timur", "Gubeng", "60271"),
    ("Dewi Lestari", "Yogyakarta", "DI Yogyakarta", "Gondokusuman", "55213"),
    ("Rizky Maulana", "Medan", "Sumatera Utara", "Medan Baru", "20112"),
    ("Putri Ayu", "Makassar", "Sulawesi Selatan", "Panakkukang", "90111"),
    ("Hendra Wijaya", "Semarang", "Jawa Tengah", "Candisari", "50132"),
    ("Nanda Rahmawati", "Denpasar", "Bali", "Denpasar Barat", "80232"),
)

NewId = Callable[[str], str]
"""Makes a fresh TikTok-like numeric id with the given leading digits."""


class OutOfStockError(ValueError):
    """An order line asks for more than the SKU has (`SandboxControl.place_order`'s
    ValueError)."""


def random_lines(shop: Shop, rng: random.Random) -> list[tuple[str, int]]:
    """One or two random in-stock SKUs of the shop, 1..3 pieces each (never more than held)."""
    units = [
        sku
        for product in shop.live_products()
        if product.status == "ACTIVATE"
        for sku in product.skus.values()
        if sku.quantity > 0 and sku.seller_sku
    ]
    if not units:
        raise OutOfStockError(f"shop {shop.name} has nothing in stock")
    picked = rng.sample(units, k=min(len(units), rng.choice((1, 1, 2))))
    return [(sku.seller_sku, rng.randint(1, min(3, sku.quantity))) for sku in picked]


def place(
    shop: Shop,
    lines: Sequence[tuple[str, int]],
    *,
    now: int,
    rng: random.Random,
    new_id: NewId,
    paid: bool,
) -> Order:
    """Create an order for `lines` ((seller sku, quantity)) and take its stock, all or none."""
    if not lines:
        raise OutOfStockError("an order needs at least one line")
    wanted: dict[str, int] = {}
    resolved: list[tuple[Product, Sku, int]] = []
    for seller_sku, quantity in lines:
        product, sku = shop.find_sku(seller_sku)
        if quantity < 1:
            raise OutOfStockError(f"SKU {seller_sku!r}: quantity must be >= 1")
        wanted[sku.id] = wanted.get(sku.id, 0) + quantity
        if sku.quantity < wanted[sku.id]:
            raise OutOfStockError(
                f"SKU {seller_sku!r}: {wanted[sku.id]} wanted, {sku.quantity} in stock"
            )
        resolved.append((product, sku, quantity))
    items: list[LineItem] = []
    for product, sku, quantity in resolved:
        sku.quantity -= quantity
        items.extend(
            LineItem(
                id=new_id("5770"),
                product_id=product.id,
                sku_id=sku.id,
                seller_sku=sku.seller_sku,
                product_name=product.title,
                sku_name=sku.option_name,
                price=sku.price,
            )
            for _ in range(quantity)
        )
    name, city, province, district, postal = rng.choice(BUYERS)
    order = Order(
        id=new_id("5764"),
        status="AWAITING_SHIPMENT" if paid else "UNPAID",
        create_time=now,
        update_time=now,
        line_items=items,
        package_id=new_id("1152"),
        user_id=new_id("7021"),
        recipient={
            "name": name,
            "city": city,
            "province": province,
            "district": district,
            "postal_code": postal,
        },
        paid_time=now if paid else None,
    )
    shop.orders[order.id] = order
    shop.packages[order.package_id] = order.id
    return order


def change_status(order: Order, status: str, now: int, *, by: str = "") -> bool:
    """Move `order` to `status` (stock is the caller's: see `restore_stock`).

    Returns False when the order already had that status (nothing changes, no push).
    """
    if order.status == status:
        return False
    if status == "CANCELLED":
        order.cancel_time = now
        order.cancellation_initiator = by or "SELLER"
        order.cancel_reason = order.cancel_reason or "Buyer changed mind"
    if status in ("ON_HOLD", "AWAITING_SHIPMENT") and order.paid_time is None:
        order.paid_time = now
    if status == "IN_TRANSIT":
        order.collection_time = now
    if status == "DELIVERED":
        order.delivery_time = now
    order.status = status
    order.update_time = max(now, order.update_time)
    return True


def restore_stock(shop: Shop, order: Order) -> None:
    """Put the order's units back on their SKUs (cancelled before shipping, or returned)."""
    for item in order.line_items:
        product = shop.products.get(item.product_id)
        sku = product.skus.get(item.sku_id) if product else None
        if sku is not None:
            sku.quantity += 1


def cancel(shop: Shop, order: Order, now: int, *, by: str = "BUYER") -> bool:
    """Cancel an order not yet shipped; its stock goes back. False if already cancelled."""
    if order.status in SHIPPED:
        raise ValueError(f"order {order.id} is {order.status}: shipped orders are returned")
    changed = change_status(order, "CANCELLED", now, by=by)
    if changed:
        restore_stock(shop, order)
    return changed


def add_return(shop: Shop, order: Order, now: int, new_id: NewId) -> Return:
    """The buyer sent the goods back and was refunded: a completed RETURN_AND_REFUND
    record, and the units back in stock."""
    if order.status in NOT_SHIPPED or order.status == "CANCELLED":
        raise ValueError(f"order {order.id} was not shipped: nothing to return")
    if any(r.return_status == "RETURN_OR_REFUND_REQUEST_COMPLETE" for r in order.returns):
        raise ValueError(f"order {order.id} was already returned")
    record = Return(
        return_id=new_id("4035"),
        return_type="RETURN_AND_REFUND",
        return_status="RETURN_OR_REFUND_REQUEST_COMPLETE",
        create_time=now,
        update_time=now,
    )
    order.returns.append(record)
    order.update_time = max(now, order.update_time)
    restore_stock(shop, order)
    return record
