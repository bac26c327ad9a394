"""Order life in the sandbox: placing (stock goes down), status changes, cancel (stock back).

Pure functions over a `Shop`; the caller holds the sandbox lock and sends the pushes.
"""

from __future__ import annotations

import random
import string
import time
from collections.abc import Iterator, Sequence

from lapak.sandboxes.shopee.state import (
    NOT_SHIPPED,
    ORDER_STATUSES,
    Item,
    Model,
    Order,
    OrderLine,
    Shop,
)

BUYERS = (
    ("budi_santoso", "Budi Santoso", "Jakarta Selatan", "DKI Jakarta", "12190"),
    ("sitinurhaliza", "Siti Nurhaliza", "Bandung", "Jawa Barat", "40115"),
    ("agus.pratama", "Agus Pratama", "Surabaya", "Jawa Timur", "60271"),
    ("dewi_lestari", "Dewi Lestari", "Yogyakarta", "DI Yogyakarta", "55213"),
    ("rizky_m", "Rizky Maulana", "Medan", "Sumatera Utara", "20112"),
    ("putri.ayu", "Putri Ayu", "Makassar", "Sulawesi Selatan", "90111"),
    ("hendra88", "Hendra Wijaya", "Semarang", "Jawa Tengah", "50132"),
    ("nanda_r", "Nanda Rahmawati", "Denpasar", "Bali", "80232"),
)

# Friendly verbs of the control API, on top of Shopee's own status names.
STATUS_VERBS = {
    "pay": "READY_TO_SHIP",
    "paid": "READY_TO_SHIP",
    "cancel": "CANCELLED",
    "ship": "SHIPPED",
    "process": "PROCESSED",
    "complete": "COMPLETED",
}


class OutOfStockError(Exception):
    """An order line asks for more than the unit has (or names an unknown SKU)."""


def resolve_status(name: str) -> str:
    status = STATUS_VERBS.get(name.lower(), name.upper())
    if status not in ORDER_STATUSES:
        known = ", ".join((*ORDER_STATUSES, *STATUS_VERBS))
        raise ValueError(f"unknown order status {name!r} (known: {known})")
    return status


def new_order_sn(now: float, rng: random.Random, taken: dict[str, Order]) -> str:
    """Shopee-like order_sn: YYMMDD of the order date + 8 upper-case letters/digits."""
    day = time.strftime("%y%m%d", time.gmtime(now))
    alphabet = string.ascii_uppercase + string.digits
    while True:
        sn = day + "".join(rng.choice(alphabet) for _ in range(8))
        if sn not in taken:
            return sn


def random_lines(shop: Shop, rng: random.Random) -> list[tuple[str, int]]:
    """One or two random in-stock units of the shop, 1..3 pieces each (never more than held)."""
    units = [(item, model) for item, model in shop.units() if _stock(item, model) > 0]
    if not units:
        raise OutOfStockError(f"shop {shop.shop_id} has nothing in stock")
    picked = rng.sample(units, k=min(len(units), rng.choice((1, 1, 2))))
    lines = []
    for item, model in picked:
        sku = model.model_sku if model is not None else item.item_sku
        lines.append((sku, rng.randint(1, min(3, _stock(item, model)))))
    return lines


def place(
    shop: Shop,
    lines: Sequence[tuple[str, int]],
    *,
    now: int,
    rng: random.Random,
    line_ids: Iterator[int],
    paid: bool,
) -> Order:
    """Create an order for `lines` ((sku, quantity) pairs) and take its stock, all or nothing."""
    if not lines:
        raise OutOfStockError("an order needs at least one line")
    wanted: dict[tuple[int, int], int] = {}
    resolved: list[tuple[Item, Model | None, int]] = []
    for sku, quantity in lines:
        found = shop.find_sku(sku)
        if found is None:
            raise OutOfStockError(f"no listing with SKU {sku!r} on shop {shop.shop_id}")
        if quantity < 1:
            raise OutOfStockError(f"SKU {sku!r}: quantity must be >= 1")
        item, model = found
        key = (item.item_id, model.model_id if model else 0)
        wanted[key] = wanted.get(key, 0) + quantity
        if _stock(item, model) < wanted[key]:
            raise OutOfStockError(
                f"SKU {sku!r}: {wanted[key]} wanted, {_stock(item, model)} in stock"
            )
        resolved.append((item, model, quantity))
    order_lines = [_take(item, model, qty, next(line_ids)) for item, model, qty in resolved]
    username, name, city, state, zipcode = rng.choice(BUYERS)
    order = Order(
        order_sn=new_order_sn(now, rng, shop.orders),
        status="READY_TO_SHIP" if paid else "UNPAID",
        create_time=now,
        update_time=now,
        lines=order_lines,
        buyer_user_id=rng.randint(10_000_000, 99_999_999),
        buyer_username=username,
        recipient=_address(name, city, state, zipcode),
        pay_time=now if paid else None,
    )
    shop.orders[order.order_sn] = order
    return order


def change_status(shop: Shop, order: Order, status: str, now: int, *, by: str = "") -> bool:
    """Move `order` to `status`; cancelling a not-yet-shipped order gives its stock back.

    Returns False when the order already had that status (nothing changes, no push).
    """
    if order.status == status:
        return False
    if status == "CANCELLED":
        if order.status in NOT_SHIPPED:
            restore_stock(shop, order)
        order.cancel_by = by or "seller"
    if status == "READY_TO_SHIP" and order.pay_time is None:
        order.pay_time = now
    order.status = status
    order.update_time = max(now, order.update_time)
    return True


def _stock(item: Item, model: Model | None) -> int:
    return model.stock if model is not None else item.stock


def _take(item: Item, model: Model | None, quantity: int, line_id: int) -> OrderLine:
    if model is not None:
        model.stock -= quantity
    else:
        item.stock -= quantity
    return OrderLine(
        order_item_id=line_id,
        item_id=item.item_id,
        model_id=model.model_id if model else 0,
        item_sku=item.item_sku,
        model_sku=model.model_sku if model else "",
        item_name=item.item_name,
        model_name=item.option_name(model) if model else "",
        quantity=quantity,
        price=model.price if model else item.price,
        weight=item.weight,
    )


def restore_stock(shop: Shop, order: Order) -> None:
    """Put the order's units back on their listings (cancelled before shipping, returned)."""
    for line in order.lines:
        item = shop.items.get(line.item_id)
        if item is None:
            continue
        model = item.models.get(line.model_id) if line.model_id else None
        if model is not None:
            model.stock += line.quantity
        elif not line.model_id:
            item.stock += line.quantity


def _address(name: str, city: str, state: str, zipcode: str) -> dict[str, str]:
    """A recipient address masked the way Shopee masks buyer PII for sellers' apps."""
    return {
        "name": name,
        "phone": "******" + zipcode[-2:],
        "town": "",
        "district": "",
        "city": city,
        "state": state,
        "region": "ID",
        "zipcode": zipcode,
        "full_address": f"****, {city}, {state}, ID, {zipcode}",
    }
