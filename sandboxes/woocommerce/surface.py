"""`WooControl`: the WooCommerce sandbox behind the uniform `SandboxControl` surface.

Listings are the sellable rows: simple products and the variations of variable products
(a variable parent holds no stock of its own and is not listed). Platform facts the suite
meets through this surface: an unpaid (pending) order takes no stock until it is paid;
"complete" moves a shipped (completed) order to "delivered"; "return" refunds it and
restocks its units; API keys never expire, `expire_token` revokes the store's key.
"""

from __future__ import annotations

from decimal import Decimal

from lapak.sandboxes.kit.control import OrderAction, SandboxListing, SandboxOrder
from lapak.sandboxes.kit.stores import StoreSurface
from lapak.sandboxes.woocommerce.orders import tracking_number
from lapak.sandboxes.woocommerce.sandbox import WooSandbox
from lapak.sandboxes.woocommerce.state import Shop, post_of


class WooControl(StoreSurface[Shop]):
    """The kit's store surface (stores are the sandbox's keys), with WooCommerce's own
    listing rows, stock edits, order moves and tracking numbers."""

    sandbox: WooSandbox
    platform = "woocommerce"
    tokens_expire = False
    sample_category = "16"
    """"Pakaian", a product category of every sandbox site."""

    def listings(self, store: str) -> list[SandboxListing]:
        with self.sandbox.lock:
            return [
                SandboxListing(
                    sku=unit.sku,
                    item_id=str(unit.listing.id),
                    variant_id=str(unit.variant.id) if unit.variant is not None else "",
                    name=unit.listing.name,
                    price=Decimal(unit.price),
                    stock=unit.stock,
                )
                for unit in self._store(store).sellable()
            ]

    def set_stock(self, store: str, sku: str, stock: int) -> None:
        """A hand edit in wp-admin: the row manages its stock, now `stock`."""
        with self.sandbox.lock:
            unit = self._store(store).catalog.find_sku(sku)
            if unit is None:
                raise LookupError(f"no SKU {sku!r} on store {store!r}")
            post = post_of(unit)
            post.manage_stock, post.stock = True, int(stock)
            post.updated = self.sandbox.clock.now_s()

    def change_order(self, store: str, external_id: str, action: OrderAction) -> None:
        self.sandbox.change_order(self._key(store), external_id, action)

    def order(self, store: str, external_id: str) -> SandboxOrder:
        with self.sandbox.lock:
            order = self.sandbox.order_in(self._store(store), external_id)
            return SandboxOrder(
                external_id=str(order.id),
                status=order.status,
                tracking_number=tracking_number(order),
                lines=tuple((line.sku, line.quantity) for line in order.lines),
            )

    def expire_token(self, store: str) -> None:
        """WooCommerce API keys never expire: the store's key is revoked instead (OAuth
        calls get "Consumer key is invalid.", Basic ones are not authenticated at all)."""
        self.sandbox.revoke_key(store)
