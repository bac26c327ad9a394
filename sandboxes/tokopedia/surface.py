"""`TokopediaControl`: the Tokopedia sandbox behind the uniform `SandboxControl` surface,
stores named as in Lapak; a status is Tokopedia's code as text ("220", "500", …)."""

from __future__ import annotations

from lapak.sandboxes.kit.control import OrderAction
from lapak.sandboxes.kit.stores import StoreSurface
from lapak.sandboxes.tokopedia import state
from lapak.sandboxes.tokopedia.sandbox import TokopediaSandbox
from lapak.sandboxes.tokopedia.state import SENT, Shop


class TokopediaControl(StoreSurface[Shop]):
    sandbox: TokopediaSandbox
    platform = "tokopedia"
    tokens_expire = True
    sample_category = str(state.SAMPLE_CATEGORY)
    numeric_order_ids = True

    def change_order(self, store: str, external_id: str, action: OrderAction) -> None:
        with self.sandbox.lock:
            shop = self._store(store)
            order = self.sandbox.order_in(shop, self.order_id(external_id))
            shipped = order.status in SENT
            if action == "pay":
                if order.status != state.PENDING:
                    raise ValueError(f"order {external_id} is not waiting for payment")
                moves = [(state.PAID, "buyer")]
            elif action == "cancel":
                if shipped or order.status == state.RETURNED:
                    raise ValueError(f"order {external_id} was shipped: it cannot be cancelled")
                moves = [(state.SELLER_CANCEL, "buyer")]
            elif action in ("complete", "return"):
                if not shipped:
                    raise ValueError(f"order {external_id} was not shipped: nothing to {action}")
                if action == "complete":
                    moves = [(state.DELIVERED, "system"), (state.FINISHED, "system")]
                else:
                    moves = [(state.RETURNED, "buyer")]
            else:
                raise ValueError(f"unknown order action {action!r}")
            for status, by in moves:
                self.sandbox.change_status_in(shop, order, status, by=by)

    def order_ids(self, store: str) -> list[str]:
        """Orders a seller can see: the FS API shows an order only once it reached payment
        verified (220); an unpaid checkout is the buyer's business until then."""
        with self.sandbox.lock:
            orders = self._store(store).orders
            return [str(order_id) for order_id, o in orders.items() if o.paid_at is not None]
