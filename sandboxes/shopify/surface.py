"""`ShopifyControl`: the Shopify sandbox behind the uniform `SandboxControl` surface
(kit/stores.py does the listings and orders).

Listings are variants: a product sold without options (its one "Default Title" variant)
is a row with `variant_id` "", as Lapak's `ListingRef` has it. A store's offline access
token never expires (`tokens_expire` False): `expire_token` revokes it (an uninstalled app).
An order's status reads "financial/fulfillment[/cancelled|/closed]".
"""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from lapak.sandboxes.kit.control import OrderAction, SandboxListing, SandboxOrder
from lapak.sandboxes.kit.stores import StoreSurface
from lapak.sandboxes.shopify.sandbox import ShopifySandbox
from lapak.sandboxes.shopify.state import Shop, Variant, fulfillment_status, shipping


class ShopifyControl(StoreSurface[Shop]):
    sandbox: ShopifySandbox
    platform = "shopify"
    tokens_expire = False
    sample_category = "Makanan & Minuman"
    """Shopify needs no category to create a product; Lapak's `category_id` becomes the
    product's free-text `product_type`."""
    numeric_order_ids = True

    def listings(self, store: str) -> list[SandboxListing]:
        with self.sandbox.lock:
            return [
                SandboxListing(
                    sku=variant.sku,
                    item_id=str(product.id),
                    variant_id=str(variant.id) if product.has_options else "",
                    name=product.name,
                    price=Decimal(variant.price),
                    stock=variant.stock,
                )
                for product in self._store(store).products.values()
                for variant in product.skus
            ]

    def set_stock(self, store: str, sku: str, stock: int) -> None:
        with self.sandbox.lock:
            unit = self._store(store).catalog.find_sku(sku)
            if unit is None:
                raise LookupError(f"no SKU {sku!r} on store {store!r}")
            self.sandbox.set_available(cast(Variant, unit.variant), stock)

    def change_order(self, store: str, external_id: str, action: OrderAction) -> None:
        self.sandbox.change_order(store, self.order_id(external_id), action)

    def order(self, store: str, external_id: str) -> SandboxOrder:
        with self.sandbox.lock:
            order = self.sandbox.order_in(self._store(store), self.order_id(external_id))
            status = f"{order.status}/{fulfillment_status(order) or 'unfulfilled'}"
            if order.cancelled_at is not None:
                status += "/cancelled"
            elif shipping(order).closed_at is not None:
                status += "/closed"
            return SandboxOrder(
                external_id=str(order.id),
                status=status,
                tracking_number=order.tracking_number or None,
                lines=tuple((line.sku, line.quantity) for line in order.lines),
            )

    def expire_token(self, store: str) -> None:
        self.sandbox.revoke_token(store)
