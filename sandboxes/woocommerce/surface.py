"""`WooControl`: the WooCommerce sandbox behind the uniform `SandboxControl` surface.

Listings are the sellable rows: simple products and the variations of variable products
(a variable parent holds no stock of its own and is not listed). Platform facts the suite
meets through this surface: an unpaid (pending) order takes no stock until it is paid;
"complete" moves a shipped (completed) order to "delivered"; "return" refunds it and
restocks its units; API keys never expire, `expire_token` revokes the store's key.
"""

from __future__ import annotations

from collections.abc import Sequence

from lapak.sandboxes.kit.control import OrderAction, SandboxListing, SandboxOrder
from lapak.sandboxes.kit.surface import SandboxSurface
from lapak.sandboxes.woocommerce.orders import OutOfStockError, tracking_number
from lapak.sandboxes.woocommerce.sandbox import WooSandbox


class WooControl(SandboxSurface):
    sandbox: WooSandbox
    platform = "woocommerce"
    tokens_expire = False
    sample_category = "16"
    """"Pakaian", a product category of every sandbox site."""

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
        item = self.sandbox.add_listing(
            store, sku=sku, title=name, price=price, stock=stock, variants=variants
        )
        return str(item)

    def listings(self, store: str) -> list[SandboxListing]:
        with self.sandbox.lock:
            shop = self.sandbox.shop(store)
            return [
                SandboxListing(
                    sku=row.sku,
                    item_id=str(row.parent_id or row.id),
                    variant_id=str(row.id) if row.parent_id else "",
                    name=shop.products[row.parent_id].name if row.parent_id else row.name,
                    price=row.price,
                    stock=(row.stock_quantity or 0) if row.manage_stock else 0,
                )
                for row in shop.sellable()
            ]

    def set_stock(self, store: str, sku: str, stock: int) -> None:
        self.sandbox.set_stock(store, sku, stock)

    def remove_listing(self, store: str, sku: str) -> None:
        self.sandbox.remove_listing(store, sku)

    def place_order(
        self, store: str, lines: Sequence[tuple[str, int]] | None = None, *, paid: bool = True
    ) -> str:
        try:
            return str(self.sandbox.place_order(store, lines, paid=paid))
        except OutOfStockError as short:
            raise ValueError(str(short)) from short

    def change_order(self, store: str, external_id: str, action: OrderAction) -> None:
        self.sandbox.change_order(store, external_id, action)

    def order(self, store: str, external_id: str) -> SandboxOrder:
        with self.sandbox.lock:
            order = self.sandbox.order(store, external_id)
            return SandboxOrder(
                external_id=str(order.id),
                status=order.status,
                tracking_number=tracking_number(order),
                lines=tuple((line.sku, line.quantity) for line in order.lines),
            )

    def order_ids(self, store: str) -> list[str]:
        with self.sandbox.lock:
            return [str(order_id) for order_id in self.sandbox.shop(store).orders]

    def expire_token(self, store: str) -> None:
        """WooCommerce API keys never expire: the store's key is revoked instead (OAuth
        calls get "Consumer key is invalid.", Basic ones are not authenticated at all)."""
        self.sandbox.revoke_key(store)

    def set_webhook_url(self, store: str, url: str | None) -> None:
        self.sandbox.set_webhook_url(store, url)
