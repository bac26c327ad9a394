"""`LazadaControl`: the Lazada sandbox behind the uniform `SandboxControl` surface.

Stores are the Lapak store names the sandbox was built with. A listing's `variant_id` is
its SkuId for a product with variants and "" for a product with one SKU and no variation,
the rule the connector applies (connectors/lazada/mapping.py). An order's `status` is its
items' status when they agree, else their distinct statuses joined by ",".
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from lapak.sandboxes.kit.control import OrderAction, SandboxListing, SandboxOrder
from lapak.sandboxes.kit.surface import SandboxSurface
from lapak.sandboxes.lazada.sandbox import LazadaSandbox
from lapak.sandboxes.lazada.state import (
    CANCELED,
    CANCELLABLE,
    DELIVERED,
    PENDING,
    READY_TO_SHIP,
    RETURNED,
    SAMPLE_CATEGORY,
    SENT,
    SHIPPED,
    UNPAID,
)

ACTIONS: dict[str, tuple[str, frozenset[str]]] = {
    "pay": (PENDING, frozenset({UNPAID})),
    "cancel": (CANCELED, CANCELLABLE),
    "complete": (DELIVERED, frozenset({READY_TO_SHIP, SHIPPED})),
    "return": (RETURNED, SENT),
}


class LazadaControl(SandboxSurface):
    sandbox: LazadaSandbox
    platform = "lazada"
    tokens_expire = True
    sample_category = SAMPLE_CATEGORY

    def add_listing(
        self,
        store: str,
        *,
        sku: str,
        name: str,
        price: int,
        stock: int = 0,
        variants: Sequence[tuple[str, str, int, int]] = (),
    ) -> str:
        item_id = self.sandbox.create_product(
            store, sku=sku, name=name, price=price, stock=stock, variants=variants
        )
        return str(item_id)

    def listings(self, store: str) -> list[SandboxListing]:
        with self.sandbox.lock:
            seller = self.sandbox.seller(store)
            return [
                SandboxListing(
                    sku=sku.seller_sku,
                    item_id=str(product.item_id),
                    variant_id=str(sku.sku_id) if product.has_variants else "",
                    name=product.name,
                    price=Decimal(sku.price),
                    stock=sku.sellable,
                )
                for product in seller.live_products()
                for sku in product.skus.values()
            ]

    def set_stock(self, store: str, sku: str, stock: int) -> None:
        self.sandbox.set_sellable(store, sku, stock)

    def remove_listing(self, store: str, sku: str) -> None:
        self.sandbox.remove_product(store, sku)

    def place_order(
        self, store: str, lines: Sequence[tuple[str, int]] | None = None, *, paid: bool = True
    ) -> str:
        return str(self.sandbox.place_order(store, lines, paid=paid))

    def change_order(self, store: str, external_id: str, action: OrderAction) -> None:
        status, allowed = ACTIONS[action]
        if not self.sandbox.move_items(store, external_id, status, only=allowed):
            current = self.order(store, external_id).status
            raise ValueError(f"order {external_id} is {current}: cannot {action} it")

    def order(self, store: str, external_id: str) -> SandboxOrder:
        with self.sandbox.lock:
            seller = self.sandbox.seller(store)
            order = self.sandbox.order_of(seller, external_id)
            lines: dict[str, int] = {}
            for item in order.items:
                lines[item.seller_sku] = lines.get(item.seller_sku, 0) + 1
            tracking = next((i.tracking_code for i in order.items if i.tracking_code), None)
            return SandboxOrder(
                external_id=str(order.order_id),
                status=",".join(order.statuses),
                tracking_number=tracking,
                lines=tuple(lines.items()),
            )

    def order_ids(self, store: str) -> list[str]:
        with self.sandbox.lock:
            return [str(order_id) for order_id in self.sandbox.seller(store).orders]

    def expire_token(self, store: str) -> None:
        self.sandbox.expire_token(store)

    def set_webhook_url(self, store: str, url: str | None) -> None:
        self.sandbox.set_webhook_url(store, url)
