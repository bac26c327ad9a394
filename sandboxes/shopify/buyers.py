"""Buyer simulator: each tick a checkout on a random shop (some left pending: cash on
delivery or a transfer not yet received), then maybe paying a pending order, cancelling an
unshipped one or delivering a shipped one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lapak.sandboxes.kit.buyers import StoreBuyers
from lapak.sandboxes.shopify.state import fulfillment_status, shipping

if TYPE_CHECKING:
    from lapak.sandboxes.shopify.sandbox import ShopifySandbox
    from lapak.sandboxes.shopify.state import Shop


class BuyerSimulator(StoreBuyers):
    """The kit's checkouts; Shopify's own moves (its orders move by action, not status)."""

    _sandbox: ShopifySandbox
    platform = "shopify"

    def _move_on(self, shop: Shop) -> None:
        live = [o for o in self._recent(shop) if not o.cancelled_at]
        pending = [o for o in live if o.status == "pending"]
        open_ = [o for o in live if fulfillment_status(o) is None]
        shipped = [o for o in live if fulfillment_status(o) and shipping(o).closed_at is None]
        for candidates, action, rate in (
            (pending, "pay", self.pay_rate),
            (open_, "cancel", self.cancel_rate),
            (shipped, "complete", self.progress_rate),
        ):
            if candidates and self._rng.random() < rate:
                self._sandbox.change_order(shop.name, self._rng.choice(candidates).id, action)
