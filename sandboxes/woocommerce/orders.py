"""Order life in the sandbox: checkout, status changes and what they do to stock.

WooCommerce's stock rules (`wc-stock-functions.php`): an order's units leave stock when it
is paid or put on hold (`wc_maybe_reduce_stock_levels` on payment complete and on the
processing, completed and on-hold statuses), once, marked by `_order_stock_reduced`; they
come back when a reduced order is cancelled or set back to pending
(`wc_maybe_increase_stock_levels`), or when a refund restocks them. An unpaid (pending)
order holds no stock: WooCommerce only keeps it out of other carts for "Hold stock"
minutes, which the REST API does not show.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

from lapak.sandboxes.woocommerce.state import STOCK_HELD, LineItem, Order, Product, Shop

TRACKING_META = "_wc_shipment_tracking_items"

FIRST_NAMES = ("Budi", "Siti", "Agus", "Dewi", "Rina", "Andi", "Putri", "Joko", "Wati", "Eko")
LAST_NAMES = ("Santoso", "Rahayu", "Wijaya", "Lestari", "Saputra", "Hidayat", "Kusuma", "")
CITIES = (
    ("Jakarta Selatan", "JK"),
    ("Bandung", "JB"),
    ("Surabaya", "JI"),
    ("Yogyakarta", "YO"),
    ("Medan", "SU"),
    ("Makassar", "SN"),
    ("Denpasar", "BA"),
    ("Semarang", "JT"),
)
PAYMENTS = (("bacs", "Transfer Bank"), ("cod", "Bayar di Tempat"), ("midtrans", "Midtrans"))


class OutOfStockError(ValueError):
    """A checkout asked for more units than a managed-stock product holds."""


def find_sku(shop: Shop, sku: str) -> Product:
    """The purchasable row with this SKU (a simple product or a live parent's variation)."""
    for row in shop.sellable():
        if row.sku == sku and row.status == "publish":
            return row
    raise LookupError(f"no purchasable SKU {sku!r} on store {shop.name!r}")


def random_lines(shop: Shop, rng: random.Random) -> list[tuple[str, int]]:
    """One to three in-stock SKUs, one or two units each."""
    candidates = [
        row
        for row in shop.sellable()
        if row.sku
        and row.status == "publish"
        and row.regular_price
        and (not row.manage_stock or (row.stock_quantity or 0) > 0)
    ]
    if not candidates:
        raise OutOfStockError(f"nothing in stock on store {shop.name!r}")
    picked = rng.sample(candidates, k=min(len(candidates), rng.randint(1, 3)))
    lines = []
    for row in picked:
        most = row.stock_quantity if row.manage_stock and row.stock_quantity else 2
        lines.append((row.sku, min(most, rng.randint(1, 2))))
    return lines


def _customer(rng: random.Random) -> dict[str, str]:
    city, state = rng.choice(CITIES)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return {
        "first_name": first,
        "last_name": last,
        "company": "",
        "address_1": f"Jl. Merdeka No. {rng.randint(1, 200)}",
        "address_2": "",
        "city": city,
        "state": state,
        "postcode": f"{rng.randint(10000, 99999)}",
        "country": "ID",
        "phone": f"08{rng.randint(1000000000, 9999999999)}",
    }


def place(
    shop: Shop, wanted: Sequence[tuple[str, int]], *, now: float, rng: random.Random, paid: bool
) -> Order:
    """A checkout: `processing` (paid, stock reduced at once) or `pending` (no stock taken)."""
    rows: list[tuple[Product, int]] = []
    for sku, quantity in wanted:
        if quantity < 1:
            raise ValueError(f"quantity of {sku!r} must be at least 1")
        rows.append((find_sku(shop, sku), int(quantity)))
    if paid:
        _check_stock(rows)
    lines = []
    for row, quantity in rows:
        parent = shop.products.get(row.parent_id) if row.parent_id else None
        option = ", ".join(row.variation_attributes.values())
        lines.append(
            LineItem(
                id=next(shop.line_ids),
                product_id=parent.id if parent else row.id,
                variation_id=row.id if parent else 0,
                name=f"{parent.name} - {option}" if parent and option else row.name,
                sku=row.sku,
                quantity=quantity,
                price=row.price,
                parent_name=parent.name if parent else "",
            )
        )
    billing = _customer(rng)
    method, title = rng.choice(PAYMENTS)
    order_id = shop.new_id()
    order = Order(
        id=order_id,
        status="pending",
        created=now,
        modified=now,
        lines=lines,
        billing={**billing, "email": f"pembeli{order_id}@example.id"},
        shipping=dict(billing),
        order_key=f"wc_order_{hashlib.sha1(f'{shop.name}/{order_id}'.encode()).hexdigest()[:13]}",
        payment_method=method,
        payment_method_title=title,
    )
    shop.orders[order.id] = order
    if paid:
        change_status(shop, order, "processing", now)
    return order


def _check_stock(rows: Sequence[tuple[Product, int]]) -> None:
    wanted: dict[int, int] = {}
    for row, quantity in rows:
        wanted[row.id] = wanted.get(row.id, 0) + quantity
    for row, _ in rows:
        if row.manage_stock and (row.stock_quantity or 0) < wanted[row.id]:
            raise OutOfStockError(
                f"{row.sku}: {wanted[row.id]} wanted, {row.stock_quantity or 0} in stock"
            )


def change_status(shop: Shop, order: Order, status: str, now: float) -> bool:
    """Set `status` with WooCommerce's side effects on stock and dates; True if it changed."""
    if status == order.status:
        return False
    if status in STOCK_HELD and not order.stock_reduced:
        _adjust(shop, order, -1)
        order.stock_reduced = True
    elif status in ("cancelled", "pending") and order.stock_reduced:
        _adjust(shop, order, +1)
        order.stock_reduced = False
    if status in ("processing", "completed") and order.paid is None:
        order.paid = now
    if status == "completed" and order.completed is None:
        order.completed = now
    order.status = status
    order.modified = now
    return True


def refund(shop: Shop, order: Order, now: float, *, restock: bool = True) -> None:
    """A full refund (`wc_create_refund` with "Restock refunded items"): status refunded."""
    order.refunds.append(
        {"id": shop.new_id(), "reason": "Barang dikembalikan", "total": f"-{order.total}"}
    )
    if restock and order.stock_reduced:
        _adjust(shop, order, +1)
        order.stock_reduced = False
    order.status = "refunded"
    order.modified = now


def _adjust(shop: Shop, order: Order, sign: int) -> None:
    for line in order.lines:
        row = shop.products.get(line.variation_id or line.product_id)
        if row is not None and row.manage_stock:
            row.stock_quantity = (row.stock_quantity or 0) + sign * line.quantity


def tracking_number(order: Order) -> str | None:
    """The last `tracking_number` of the order's shipment-tracking items."""
    items = order.meta_value(TRACKING_META)
    if isinstance(items, list):
        numbers = [str(i.get("tracking_number")) for i in items if isinstance(i, dict)]
        numbers = [n for n in numbers if n and n != "None"]
        if numbers:
            return numbers[-1]
    return None
