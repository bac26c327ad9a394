"""`TokopediaControl`: the Tokopedia sandbox behind the uniform `SandboxControl` surface.

The sandbox's own methods key shops by shop_id; this adapter keys them by the Lapak store
name the sandbox was built with and speaks in `SandboxListing`/`SandboxOrder` (a status is
Tokopedia's code as text, "220", "500", …).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from lapak.sandboxes.kit.control import OrderAction, SandboxListing, SandboxOrder
from lapak.sandboxes.kit.surface import SandboxSurface
from lapak.sandboxes.tokopedia import orders as life
from lapak.sandboxes.tokopedia.sandbox import TokopediaSandbox
from lapak.sandboxes.tokopedia.state import RETURNED, SAMPLE_CATEGORY, SENT, Shop


class TokopediaControl(SandboxSurface):
    sandbox: TokopediaSandbox
    platform = "tokopedia"
    tokens_expire = True
    sample_category = str(SAMPLE_CATEGORY)

    def _shop(self, store: str) -> Shop:
        with self.sandbox.lock:
            for shop in self.sandbox.shops.values():
                if shop.name == store:
                    return shop
        raise LookupError(f"no store {store!r} in this Tokopedia sandbox")

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
        shop = self._shop(store)
        product_id = self.sandbox.create_listing(
            shop.shop_id, sku=sku, name=name, price=price, stock=stock, variants=variants
        )
        return str(product_id)

    def listings(self, store: str) -> list[SandboxListing]:
        """Every sellable product: a product without variants, or each variant (its parent
        is not a listing of its own)."""
        shop = self._shop(store)
        with self.sandbox.lock:
            return [
                SandboxListing(
                    sku=p.sku,
                    item_id=str(p.parent_id or p.product_id),
                    variant_id=str(p.product_id) if p.parent_id else "",
                    name=p.name,
                    price=Decimal(p.price),
                    stock=p.stock,
                )
                for p in shop.products.values()
                if p.sellable
            ]

    def _unit(self, store: str, sku: str) -> SandboxListing:
        for row in self.listings(store):
            if row.sku == sku:
                return row
        raise LookupError(f"no SKU {sku!r} on store {store!r}")

    def set_stock(self, store: str, sku: str, stock: int) -> None:
        unit = self._unit(store, sku)
        self.sandbox.set_stock(
            self._shop(store).shop_id, int(unit.variant_id or unit.item_id), stock
        )

    def remove_listing(self, store: str, sku: str) -> None:
        unit = self._unit(store, sku)
        self.sandbox.delete_product(self._shop(store).shop_id, int(unit.item_id))

    def place_order(
        self, store: str, lines: Sequence[tuple[str, int]] | None = None, *, paid: bool = True
    ) -> str:
        try:
            return str(self.sandbox.place_order(self._shop(store).shop_id, lines, paid=paid))
        except life.OutOfStockError as short:
            raise ValueError(str(short)) from short

    def change_order(self, store: str, external_id: str, action: OrderAction) -> None:
        shop = self._shop(store)
        with self.sandbox.lock:
            order = self.sandbox.order_in(shop, external_id)
            if action == "pay":
                if order.status != life.PENDING:
                    raise ValueError(f"order {external_id} is not waiting for payment")
                self.sandbox.change_status(shop, order, life.PAID, by="buyer")
            elif action == "cancel":
                if order.status in SENT or order.status == RETURNED:
                    raise ValueError(f"order {external_id} was shipped: it cannot be cancelled")
                self.sandbox.change_status(shop, order, life.SELLER_CANCEL, by="buyer")
            elif action == "complete":
                if order.status not in SENT:
                    raise ValueError(f"order {external_id} was not shipped: nothing to complete")
                self.sandbox.change_status(shop, order, life.DELIVERED, by="system")
                self.sandbox.change_status(shop, order, life.FINISHED, by="system")
            elif action == "return":
                if order.status not in SENT:
                    raise ValueError(f"order {external_id} was not shipped: nothing to return")
                self.sandbox.change_status(shop, order, RETURNED, by="buyer")
            else:
                raise ValueError(f"unknown order action {action!r}")

    def order(self, store: str, external_id: str) -> SandboxOrder:
        order = self.sandbox.order(self._shop(store).shop_id, external_id)
        with self.sandbox.lock:
            return SandboxOrder(
                external_id=str(order.order_id),
                status=str(order.status),
                tracking_number=order.awb or None,
                lines=tuple((line.sku, line.quantity) for line in order.lines),
            )

    def order_ids(self, store: str) -> list[str]:
        """Orders a seller can see: the FS API shows an order only once it reached payment
        verified (220); an unpaid checkout is the buyer's business until then."""
        with self.sandbox.lock:
            orders = self._shop(store).orders
            return [str(order_id) for order_id, o in orders.items() if o.pay_time is not None]

    def expire_token(self, store: str) -> None:
        self.sandbox.expire_token(self._shop(store).shop_id)

    def set_webhook_url(self, store: str, url: str | None) -> None:
        self.sandbox.set_webhook_urls(self._shop(store).shop_id, url)
