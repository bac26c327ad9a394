"""`WooControl`: the WooCommerce sandbox behind the uniform `SandboxControl` surface.

Listings are the sellable rows: simple products and the variations of variable products
(a variable parent holds no stock of its own and is not listed). Platform facts the suite
meets through this surface: an unpaid (pending) order takes no stock until it is paid;
"complete" moves a shipped (completed) order to "delivered"; "return" refunds it and
restocks its units; API keys never expire, `expire_token` revokes the store's key.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from lapak.sandboxes.kit.catalog import Unit
from lapak.sandboxes.kit.control import ListingSpec, OrderAction, SandboxListing, SandboxOrder
from lapak.sandboxes.kit.surface import SandboxSurface
from lapak.sandboxes.woocommerce.catalog import seller_product
from lapak.sandboxes.woocommerce.orders import tracking_number
from lapak.sandboxes.woocommerce.sandbox import WooSandbox
from lapak.sandboxes.woocommerce.state import post_of


class WooControl(SandboxSurface):
    sandbox: WooSandbox
    platform = "woocommerce"
    tokens_expire = False
    sample_category = "16"
    """"Pakaian", a product category of every sandbox site."""

    def create_listing(self, store: str, listing: ListingSpec) -> str:
        with self.sandbox.lock:
            shop, now = self.sandbox.shop(store), self.sandbox.clock.now()
            product = seller_product(shop, listing, now=now)
            return str(product.id)

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
                for unit in self.sandbox.shop(store).sellable()
            ]

    def _unit(self, store: str, sku: str) -> Unit:
        """The sellable unit (simple product or variation) holding `sku` (lock held)."""
        for unit in self.sandbox.shop(store).sellable():
            if unit.sku == sku:
                return unit
        raise LookupError(f"no SKU {sku!r} on store {store!r}")

    def set_stock(self, store: str, sku: str, stock: int) -> None:
        """A hand edit in wp-admin: the row manages its stock, now `stock`."""
        with self.sandbox.lock:
            post = post_of(self._unit(store, sku))
            post.manage_stock, post.stock = True, int(stock)
            post.updated = self.sandbox.clock.now_s()

    def remove_listing(self, store: str, sku: str) -> None:
        """The seller deletes (permanently) the product holding `sku`, variations and all."""
        with self.sandbox.lock:
            unit = self._unit(store, sku)
            del self.sandbox.shop(store).catalog.listings[unit.listing.id]

    def place_order(
        self, store: str, lines: Sequence[tuple[str, int]] | None = None, *, paid: bool = True
    ) -> str:
        return str(self.sandbox.place_order(store, lines, paid=paid))

    def change_order(self, store: str, external_id: str, action: OrderAction) -> None:
        self.sandbox.change_order(store, external_id, action)

    def order(self, store: str, external_id: str) -> SandboxOrder:
        with self.sandbox.lock:
            order = self.sandbox.order_in(self.sandbox.shop(store), external_id)
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
