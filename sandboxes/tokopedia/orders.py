"""Order life in the sandbox: placing (stock goes down), status changes, cancel and return
(stock back). Pure functions over a `Shop`; the caller holds the sandbox lock and sends the
webhooks.

Codes follow Tokopedia's order status table (see order_mapping.py): 100 pending (unpaid),
220 payment verified, 400 accepted, 500 shipped, 600 delivered, 700 finished, 0 cancelled,
10 rejected by the seller, 550 returned to the seller.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Sequence

from lapak.sandboxes.tokopedia.state import (
    NOT_SHIPPED,
    RETURNED,
    SENT,
    Order,
    OrderLine,
    Product,
    Shop,
)

PENDING, PAID, ACCEPTED, SHIPPED, DELIVERED, FINISHED = 100, 220, 400, 500, 600, 700
SELLER_CANCEL, SELLER_REJECT = 0, 10

BUYERS = (
    ("Budi Santoso", "Jakarta Selatan", "DKI Jakarta", "Kebayoran Baru", "12190"),
    ("Siti Nurhaliza", "Kota Bandung", "Jawa Barat", "Coblong", "40115"),
    ("Agus Pratama", "Kota Surabaya", "Jawa Timur", "Genteng", "60271"),
    ("Dewi Lestari", "Kota Yogyakarta", "DI Yogyakarta", "Gondokusuman", "55213"),
    ("Rizky Maulana", "Kota Medan", "Sumatera Utara", "Medan Baru", "20112"),
    ("Putri Ayu", "Kota Makassar", "Sulawesi Selatan", "Panakkukang", "90111"),
    ("Hendra Wijaya", "Kota Semarang", "Jawa Tengah", "Semarang Tengah", "50132"),
    ("Nanda Rahmawati", "Kota Denpasar", "Bali", "Denpasar Barat", "80232"),
)


def roman(number: int) -> str:
    """1..99 in Roman numerals (invoice numbers write the year and month that way)."""
    parts = []
    for value, letters in ((90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V")):
        while number >= value:
            parts.append(letters)
            number -= value
    parts.append(("", "I", "II", "III", "IV")[number] if number < 5 else "")
    return "".join(parts)


class OutOfStockError(Exception):
    """An order line asks for more than the product has (or names an unknown SKU)."""


def invoice_number(now: float, order_id: int) -> str:
    """Tokopedia's invoice number: "INV/20200110/XX/I/502", "INV/20170720/XVII/VII/12472252"
    (fixtures): the date, then the year (of the century) and the month in Roman numerals."""
    moment = time.gmtime(now)
    day = time.strftime("%Y%m%d", moment)
    return f"INV/{day}/{roman(moment.tm_year % 100)}/{roman(moment.tm_mon)}/{order_id}"


def random_lines(shop: Shop, rng: random.Random) -> list[tuple[str, int]]:
    """One or two random in-stock units of the shop, 1..3 pieces each (never more than held)."""
    units = [p for p in shop.units() if p.stock > 0 and p.sku]
    if not units:
        raise OutOfStockError(f"shop {shop.shop_id} has nothing in stock")
    picked = rng.sample(units, k=min(len(units), rng.choice((1, 1, 2))))
    return [(p.sku, rng.randint(1, min(3, p.stock))) for p in picked]


def place(
    shop: Shop,
    lines: Sequence[tuple[str, int]],
    *,
    now: int,
    rng: random.Random,
    order_ids: Iterator[int],
    line_ids: Iterator[int],
    paid: bool,
) -> Order:
    """Create an order for (sku, quantity) lines and take its stock, all or nothing."""
    if not lines:
        raise OutOfStockError("an order needs at least one line")
    wanted: dict[int, int] = {}
    resolved: list[tuple[Product, int]] = []
    for sku, quantity in lines:
        product = shop.find_sku(sku)
        if product is None:
            raise LookupError(f"no listing with SKU {sku!r} on shop {shop.shop_id}")
        if quantity < 1:
            raise OutOfStockError(f"SKU {sku!r}: quantity must be >= 1")
        wanted[product.product_id] = wanted.get(product.product_id, 0) + quantity
        if product.stock < wanted[product.product_id]:
            raise OutOfStockError(
                f"SKU {sku!r}: {wanted[product.product_id]} wanted, {product.stock} in stock"
            )
        resolved.append((product, quantity))
    order_lines = []
    for product, quantity in resolved:
        product.stock -= quantity
        order_lines.append(
            OrderLine(
                order_detail_id=next(line_ids),
                product_id=product.product_id,
                sku=product.sku,
                name=product.name,
                quantity=quantity,
                price=product.price,
                weight_kg=product.weight / 1000 if product.weight_unit == "GR" else product.weight,
            )
        )
    name, city, province, district, postal = rng.choice(BUYERS)
    order_id = next(order_ids)
    order = Order(
        order_id=order_id,
        shop_id=shop.shop_id,
        invoice=invoice_number(now, order_id),
        status=PENDING,
        create_time=now,
        update_time=now,
        lines=order_lines,
        buyer_id=rng.randint(5_000_000, 9_999_999),
        buyer_name=name,
        recipient={
            "name": name,
            "phone": "62812" + "".join(rng.choice("0123456789") for _ in range(7)),
            "city": city,
            "province": province,
            "district": district,
            "postal_code": postal,
        },
        payment_id=rng.randint(11_000_000, 19_999_999),
        history=[(PENDING, now, "buyer")],
    )
    if paid:
        change_status(shop, order, PAID, now, by="buyer")
    shop.orders[order.order_id] = order
    return order


def change_status(shop: Shop, order: Order, status: int, now: int, *, by: str = "") -> bool:
    """Move `order` to `status`. Cancelling an order not yet shipped, or a return, puts its
    units back (once). Returns False when the order already had that status."""
    if order.status == status:
        return False
    if status in (SELLER_CANCEL, SELLER_REJECT) and order.status in NOT_SHIPPED:
        restore_stock(shop, order)
    if status == RETURNED and order.status in SENT:
        restore_stock(shop, order)
    if status == PAID and order.pay_time is None:
        order.pay_time = now
    if status == ACCEPTED:
        order.accepted_time = now
    if status == SHIPPED:
        order.shipped_time = now
    order.status = status
    order.update_time = max(now, order.update_time)
    order.history.append((status, now, by or "system"))
    return True


def restore_stock(shop: Shop, order: Order) -> None:
    """Put the order's units back on their products (once per order)."""
    if order.stock_back:
        return
    for line in order.lines:
        product = shop.products.get(line.product_id)
        if product is not None:
            product.stock += line.quantity
    order.stock_back = True
