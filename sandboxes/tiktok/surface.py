"""`TikTokControl`: the TikTok Shop sandbox behind the uniform `SandboxControl` surface.

Stores are named as in Lapak's config. A listing row is one SKU; its `variant_id` is the
TikTok SKU id, also for a single-SKU product (as the connector's `ListingRef` has it).
Actions: `pay` → AWAITING_SHIPMENT; `cancel` → CANCELLED (stock back); `complete` → the
parcel is DELIVERED (which Lapak reads as completed); `return` → a completed
RETURN_AND_REFUND record on a shipped order (stock back; the order keeps its status).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from lapak.sandboxes.kit.control import OrderAction, SandboxListing, SandboxOrder
from lapak.sandboxes.kit.surface import SandboxSurface
from lapak.sandboxes.tiktok.sandbox import SAMPLE_CATEGORY, TikTokSandbox
from lapak.sandboxes.tiktok.state import SHIPPED


class TikTokControl(SandboxSurface):
    sandbox: TikTokSandbox
    platform = "tiktok"
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
        return self.sandbox.create_product(
            store, sku=sku, title=name, price=price, stock=stock, variants=variants
        )

    def listings(self, store: str) -> list[SandboxListing]:
        with self.sandbox.lock:
            shop = self.sandbox.shop(store)
            return [
                SandboxListing(
                    sku=sku.seller_sku,
                    item_id=product.id,
                    variant_id=sku.id,
                    name=product.title,
                    price=Decimal(sku.price),
                    stock=sku.quantity,
                )
                for product in shop.live_products()
                for sku in product.skus.values()
            ]

    def set_stock(self, store: str, sku: str, stock: int) -> None:
        self.sandbox.set_stock(store, sku, stock)

    def remove_listing(self, store: str, sku: str) -> None:
        self.sandbox.delete_product_of(store, sku)

    def place_order(
        self, store: str, lines: Sequence[tuple[str, int]] | None = None, *, paid: bool = True
    ) -> str:
        return self.sandbox.place_order(store, lines, paid=paid)

    def change_order(self, store: str, external_id: str, action: OrderAction) -> None:
        if action == "return":
            self.sandbox.return_order(store, external_id)
            return
        with self.sandbox.lock:
            shop = self.sandbox.shop(store)
            order = self.sandbox.order_in(shop, external_id)
            if action == "pay":
                if order.status != "UNPAID":
                    raise ValueError(f"order {external_id} is {order.status}, not UNPAID")
                self.sandbox.move_order(shop, order, "AWAITING_SHIPMENT", by="BUYER")
            elif action == "cancel":
                self.sandbox.move_order(shop, order, "CANCELLED", by="BUYER")
            elif action == "complete":
                if order.status not in SHIPPED:
                    raise ValueError(f"order {external_id} is {order.status}: not shipped")
                if order.status != "COMPLETED":
                    self.sandbox.move_order(shop, order, "DELIVERED", by="SYSTEM")
            else:
                raise ValueError(f"unknown order action {action!r}")

    def order(self, store: str, external_id: str) -> SandboxOrder:
        with self.sandbox.lock:
            shop = self.sandbox.shop(store)
            order = self.sandbox.order_in(shop, external_id)
            counts: dict[str, int] = {}
            for item in order.line_items:
                counts[item.seller_sku] = counts.get(item.seller_sku, 0) + 1
            return SandboxOrder(
                external_id=order.id,
                status=order.status,
                tracking_number=order.tracking_number or None,
                lines=tuple(counts.items()),
            )

    def order_ids(self, store: str) -> list[str]:
        with self.sandbox.lock:
            return list(self.sandbox.shop(store).orders)

    def expire_token(self, store: str) -> None:
        self.sandbox.expire_token(store)

    def set_webhook_url(self, store: str, url: str | None) -> None:
        self.sandbox.set_webhook_url(store, url)
