"""Order life in the sandbox: checkout, status changes and what they do to stock.

Orders are the kit's (`kit/orders.py`: lines, an Indonesian buyer, paid and shipped stamps)
with WooCommerce's own stock rules (`wc-stock-functions.php`), which the kit's order book
does not follow: an order's units leave stock when it is paid or put on hold
(`wc_maybe_reduce_stock_levels` on payment complete and on the processing, completed and
on-hold statuses), once, marked by `_order_stock_reduced`; they come back when a reduced
order is cancelled or set back to pending (`wc_maybe_increase_stock_levels`), or when a
refund restocks them. An unpaid (pending) order holds no stock: WooCommerce only keeps it
out of other carts for "Hold stock" minutes, which the REST API does not show.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from lapak.sandboxes.kit.catalog import Unit
from lapak.sandboxes.kit.orders import BUYERS, OrderLine, OutOfStockError
from lapak.sandboxes.woocommerce.state import SHIPPED, STOCK_HELD, Shop, WooOrder, post_of

TRACKING_META = "_wc_shipment_tracking_items"
PAYMENTS = (("bacs", "Transfer Bank"), ("cod", "Bayar di Tempat"), ("midtrans", "Midtrans"))
ACTIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "pay": (frozenset({"pending", "failed", "on-hold"}), "processing", "nothing to pay"),
    "cancel": (
        frozenset({"pending", "processing", "on-hold", "failed"}),
        "cancelled",
        "too late to cancel",
    ),
    "complete": (SHIPPED, "delivered", "not shipped"),
    "return": (SHIPPED, "refunded", "nothing to return"),
}
"""What a buyer or the shop does to an order: (from statuses, to status, refusal). A
delivered order was shipped and is now with the buyer; a returned one is refunded with
its units restocked."""


def act(shop: Shop, order: WooOrder, action: str, now: float) -> None:
    """Move `order` on by a control action; ValueError if it cannot be done."""
    if action not in ACTIONS:
        raise ValueError(f"unknown order action {action!r}")
    allowed, target, refusal = ACTIONS[action]
    if order.status not in allowed:
        raise ValueError(f"order {order.id} is {order.status}: {refusal}")
    if target == "refunded":
        refund(shop, order, now)
    else:
        change_status(shop, order, target, now)


def find_sku(shop: Shop, sku: str) -> Unit:
    """The purchasable unit with this SKU (a simple product or a live parent's variation)."""
    for unit in shop.sellable():
        if unit.sku == sku and post_of(unit).status == "publish":
            return unit
    raise LookupError(f"no purchasable SKU {sku!r} on store {shop.name!r}")


def random_lines(shop: Shop, rng: random.Random) -> list[tuple[str, int]]:
    """One to three in-stock SKUs, one or two units each."""
    candidates = [
        unit
        for unit in shop.sellable()
        if unit.sku
        and post_of(unit).status == "publish"
        and post_of(unit).regular_price
        and (not unit.manage_stock or unit.stock > 0)
    ]
    if not candidates:
        raise OutOfStockError(f"nothing in stock on store {shop.name!r}")
    picked = rng.sample(candidates, k=min(len(candidates), rng.randint(1, 3)))
    lines = []
    for unit in picked:
        most = unit.stock if unit.manage_stock and unit.stock else 2
        lines.append((unit.sku, min(most, rng.randint(1, 2))))
    return lines


def place(
    shop: Shop, wanted: Sequence[tuple[str, int]], *, now: float, rng: random.Random, paid: bool
) -> WooOrder:
    """A checkout: `processing` (paid, stock reduced at once) or `pending` (no stock taken)."""
    rows: list[tuple[Unit, int]] = []
    for sku, quantity in wanted:
        if quantity < 1:
            raise ValueError(f"quantity of {sku!r} must be at least 1")
        rows.append((find_sku(shop, sku), int(quantity)))
    if paid:
        _check_stock(rows)
    lines = []
    for unit, quantity in rows:
        lines.append(
            OrderLine(
                id=next(shop.line_ids),
                listing_id=unit.listing.id,
                variant_id=unit.variant.id if unit.variant is not None else None,
                sku=unit.sku,
                name=unit.listing.name,
                options=list(unit.variant.options) if unit.variant is not None else [],
                quantity=quantity,
                price=unit.price,
            )
        )
    order = WooOrder(
        id=shop.new_id(),
        status="pending",
        created=int(now),
        updated=int(now),
        lines=lines,
        buyer=rng.choice(BUYERS),
        payment=rng.choice(PAYMENTS),
    )
    shop.orders[order.id] = order
    if paid:
        change_status(shop, order, "processing", now)
    return order


def _check_stock(rows: Sequence[tuple[Unit, int]]) -> None:
    wanted: dict[object, int] = {}
    for unit, quantity in rows:
        wanted[unit.key] = wanted.get(unit.key, 0) + quantity
    for unit, _ in rows:
        if unit.manage_stock and unit.stock < wanted[unit.key]:
            raise OutOfStockError(f"{unit.sku}: {wanted[unit.key]} wanted, {unit.stock} in stock")


def change_status(shop: Shop, order: WooOrder, status: str, now: float) -> bool:
    """Set `status` with WooCommerce's side effects on stock and dates; True if it changed."""
    if status == order.status:
        return False
    if status in STOCK_HELD and not order.stock_reduced:
        _adjust(shop, order, -1)
        order.stock_reduced = True
    elif status in ("cancelled", "pending") and order.stock_reduced:
        _adjust(shop, order, +1)
        order.stock_reduced = False
    if status in ("processing", "completed") and order.paid_at is None:
        order.paid_at = int(now)
    if status == "completed" and order.shipped_at is None:
        order.shipped_at = int(now)
    order.status = status
    order.updated = int(now)
    return True


def refund(shop: Shop, order: WooOrder, now: float, *, restock: bool = True) -> None:
    """A full refund (`wc_create_refund` with "Restock refunded items"): status refunded."""
    order.refunds.append(
        {"id": shop.new_id(), "reason": "Barang dikembalikan", "total": f"-{order.total}"}
    )
    if restock and order.stock_reduced:
        _adjust(shop, order, +1)
        order.stock_reduced = False
    order.status = "refunded"
    order.updated = int(now)


def _adjust(shop: Shop, order: WooOrder, sign: int) -> None:
    for line in order.lines:
        unit = shop.catalog.unit(line.listing_id, line.variant_id)
        if unit is not None and unit.manage_stock:
            unit.stock += sign * line.quantity


def tracking_number(order: WooOrder) -> str | None:
    """The last `tracking_number` of the order's shipment-tracking items."""
    items = order.meta_value(TRACKING_META)
    if isinstance(items, list):
        numbers = [str(i.get("tracking_number")) for i in items if isinstance(i, dict)]
        numbers = [n for n in numbers if n and n != "None"]
        if numbers:
            return numbers[-1]
    return None
