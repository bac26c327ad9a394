"""Order life in the sandbox: item status moves on the kit's order book (state.py: its
rules, and the stock the items hold per the inventory-calculation-logic guide). The caller
holds the sandbox lock and sends the pushes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from lapak.sandboxes.lazada.state import Order, OrderItem, Seller


def move(
    seller: Seller, order: Order, items: Sequence[OrderItem], status: str, now: int
) -> list[OrderItem]:
    """Move `items` of `order` to `status` with their stock effects; returns those that moved."""
    return cast("list[OrderItem]", seller.book.move_lines(order, items, status, now))
