"""Order life in the sandbox: checkout, what a buyer or the shop does to an order, refunds
and shipment tracking.

Orders are the kit's (`kit/orders.py`: lines, an Indonesian buyer, paid and shipped
stamps, stock taken and given back) in the site's order book, under WooCommerce's own
stock rules (`RULES`, state.py): an unpaid order takes no stock until it is paid.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from lapak.sandboxes.kit.catalog import Unit
from lapak.sandboxes.kit.orders import OutOfStockError
from lapak.sandboxes.woocommerce.state import SHIPPED, Shop, WooOrder, post_of

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
        shop.book.change_status(order, target, int(now))


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


def checkout_lines(
    shop: Shop, lines: Sequence[tuple[str, int]] | None, rng: random.Random
) -> list[tuple[str, int]]:
    """The lines of a checkout of published simple products and variations (random
    in-stock ones when None); the kit's book makes it `processing` (paid, stock taken at
    once, all or nothing) or `pending` (no stock taken)."""
    if not lines:
        return random_lines(shop, rng)
    for sku, quantity in lines:
        if quantity < 1:
            raise ValueError(f"quantity of {sku!r} must be at least 1")
        find_sku(shop, sku)
    return list(lines)


def refund(shop: Shop, order: WooOrder, now: float) -> None:
    """A full refund (`wc_create_refund` with "Restock refunded items"): its units back in
    stock, status refunded."""
    order.refunds.append(
        {"id": shop.new_id(), "reason": "Barang dikembalikan", "total": f"-{order.total}"}
    )
    shop.book.restore_stock(order)
    shop.book.change_status(order, "refunded", int(now))


def tracking_number(order: WooOrder) -> str | None:
    """The last `tracking_number` of the order's shipment-tracking items."""
    items = order.meta_value(TRACKING_META)
    if isinstance(items, list):
        numbers = [str(i.get("tracking_number")) for i in items if isinstance(i, dict)]
        numbers = [n for n in numbers if n and n != "None"]
        if numbers:
            return numbers[-1]
    return None
