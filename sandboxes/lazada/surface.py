"""`LazadaControl`: the Lazada sandbox behind the uniform `SandboxControl` surface.

Stores are the Lapak store names the sandbox was built with. A listing's `variant_id` is
its SkuId for a product with variants and "" for a product with one SKU and no variation,
the rule the connector applies (connectors/lazada/mapping.py). An order's `status` is its
items' status when they agree, else their distinct statuses joined by ",".
"""

from __future__ import annotations

from typing import cast

from lapak.sandboxes.kit.control import OrderAction, SandboxOrder
from lapak.sandboxes.kit.stores import StoreSurface
from lapak.sandboxes.lazada.sandbox import LazadaSandbox
from lapak.sandboxes.lazada.state import (
    CANCELED,
    CANCELLABLE,
    DELETED,
    DELIVERED,
    PENDING,
    READY_TO_SHIP,
    RETURNED,
    SAMPLE_CATEGORY,
    SENT,
    SHIPPED,
    UNPAID,
    Order,
    Seller,
)

ACTIONS: dict[str, tuple[str, frozenset[str]]] = {
    "pay": (PENDING, frozenset({UNPAID})),
    "cancel": (CANCELED, CANCELLABLE),
    "complete": (DELIVERED, frozenset({READY_TO_SHIP, SHIPPED})),
    "return": (RETURNED, SENT),
}


class LazadaControl(StoreSurface[Seller]):
    sandbox: LazadaSandbox
    platform = "lazada"
    tokens_expire = True
    sample_category = SAMPLE_CATEGORY
    removed_status = DELETED
    """RemoveProduct: the product's status becomes Deleted."""
    numeric_order_ids = True

    def _order(self, store: str, external_id: str) -> tuple[Seller, Order]:
        seller = self._store(store)
        return seller, cast(Order, self.sandbox.order_in(seller, self.order_id(external_id)))

    def change_order(self, store: str, external_id: str, action: OrderAction) -> None:
        """Move the order's items that may make the move (each pushed)."""
        status, allowed = ACTIONS[action]
        with self.sandbox.lock:
            seller, order = self._order(store, external_id)
            items = [i for i in order.items if i.status in allowed]
            if not self.sandbox.move_items(seller, order, items, status):
                current = ",".join(map(str, order.statuses))
                raise ValueError(f"order {external_id} is {current}: cannot {action} it")

    def order(self, store: str, external_id: str) -> SandboxOrder:
        with self.sandbox.lock:
            _, order = self._order(store, external_id)
            lines: dict[str, int] = {}
            for item in order.items:
                lines[item.sku] = lines.get(item.sku, 0) + 1
            tracking = next((i.tracking_code for i in order.items if i.tracking_code), None)
            return SandboxOrder(
                external_id=str(order.id),
                status=",".join(map(str, order.statuses)),
                tracking_number=tracking,
                lines=tuple(lines.items()),
            )
