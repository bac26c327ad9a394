"""`TikTokControl`: the TikTok Shop sandbox behind the uniform `SandboxControl` surface.

A listing row is one SKU; its `variant_id` is the TikTok SKU id, also for a single-SKU
product (as the connector's `ListingRef` has it). Actions: `pay` → AWAITING_SHIPMENT;
`cancel` → CANCELLED (stock back); `complete` → the parcel is DELIVERED (which Lapak reads
as completed); `return` → a completed RETURN_AND_REFUND record on a shipped order (stock
back; the order keeps its status).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from lapak.sandboxes.kit.control import OrderAction, SandboxOrder
from lapak.sandboxes.kit.stores import StoreSurface
from lapak.sandboxes.tiktok.sandbox import SAMPLE_CATEGORY, TikTokSandbox
from lapak.sandboxes.tiktok.state import SHIPPED, Shop


class TikTokControl(StoreSurface[Shop]):
    sandbox: TikTokSandbox
    platform = "tiktok"
    tokens_expire = True
    sample_category = SAMPLE_CATEGORY
    removed_status = "DELETED"
    """TikTok keeps a deleted product (Search Products still lists it)."""

    def change_order(self, store: str, external_id: str, action: OrderAction) -> None:
        if action == "return":
            self.sandbox.return_order(store, external_id)
            return
        with self.sandbox.lock:
            shop = self.sandbox.store(store)
            order = self.sandbox.order_in(shop, external_id)
            if action == "pay":
                if order.status != "UNPAID":
                    raise ValueError(f"order {external_id} is {order.status}, not UNPAID")
                self.sandbox.change_status_in(shop, order, "AWAITING_SHIPMENT", by="BUYER")
            elif action == "cancel":
                self.sandbox.change_status_in(shop, order, "CANCELLED", by="BUYER")
            elif action == "complete":
                if order.status not in SHIPPED:
                    raise ValueError(f"order {external_id} is {order.status}: not shipped")
                if order.status != "COMPLETED":
                    self.sandbox.change_status_in(shop, order, "DELIVERED", by="SYSTEM")
            else:
                raise ValueError(f"unknown order action {action!r}")

    def order(self, store: str, external_id: str) -> SandboxOrder:
        """Its lines summed per SKU (TikTok's line items are one unit each)."""
        view = super().order(store, external_id)
        pieces: Counter[str] = Counter()
        for sku, quantity in view.lines:
            pieces[sku] += quantity
        return replace(view, lines=tuple(pieces.items()))
