"""`ShopifyControl`: the Shopify sandbox behind the uniform `SandboxControl` surface.

Listings are variants: a product sold without options (its one "Default Title" variant)
is a row with `variant_id` "", as Lapak's `ListingRef` has it. A store's offline access
token never expires (`tokens_expire` False): `expire_token` is a no-op, and the
sandbox's `revoke_token` (an uninstalled app) is the way to see a token refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

from lapak.sandboxes.kit.control import OrderAction, SandboxListing, SandboxOrder
from lapak.sandboxes.kit.orders import OutOfStockError
from lapak.sandboxes.kit.surface import SandboxSurface
from lapak.sandboxes.shopify.sandbox import ShopifySandbox
from lapak.sandboxes.shopify.state import (
    DEFAULT_TITLE,
    Product,
    Variant,
    fulfillment_status,
    shipping,
)

VARIANT_OPTION = "Variant"


class ShopifyControl(SandboxSurface):
    sandbox: ShopifySandbox
    platform = "shopify"
    tokens_expire = False
    sample_category = "Makanan & Minuman"
    """Shopify needs no category to create a product; Lapak's `category_id` becomes the
    product's free-text `product_type`."""

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
        specs: list[dict[str, Any]] = [
            {"option1": option, "sku": v_sku, "price": v_price, "stock": v_stock}
            for v_sku, option, v_price, v_stock in variants
        ] or [{"option1": DEFAULT_TITLE, "sku": sku, "price": price, "stock": stock}]
        with self.sandbox.lock:
            product = self.sandbox.new_product(
                self.sandbox.shop(store),
                title=name,
                body_html=name,
                variants=specs,
                option_name=VARIANT_OPTION if variants else "Title",
            )
            return str(product.id)

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
                for product in self.sandbox.shop(store).products.values()
                for variant in product.skus
            ]

    def set_stock(self, store: str, sku: str, stock: int) -> None:
        with self.sandbox.lock:
            self.sandbox.set_available(self._unit(store, sku)[1], stock)

    def remove_listing(self, store: str, sku: str) -> None:
        with self.sandbox.lock:
            product = self._unit(store, sku)[0]
            del self.sandbox.shop(store).catalog.listings[product.id]

    def _unit(self, store: str, sku: str) -> tuple[Product, Variant]:
        unit = self.sandbox.shop(store).catalog.find_sku(sku)
        if unit is None:
            raise LookupError(f"no SKU {sku!r} on store {store!r}")
        return cast(Product, unit.listing), cast(Variant, unit.variant)

    def place_order(
        self, store: str, lines: Sequence[tuple[str, int]] | None = None, *, paid: bool = True
    ) -> str:
        try:
            return str(self.sandbox.place_order(store, lines, paid=paid).id)
        except OutOfStockError as short:
            raise ValueError(str(short)) from short

    def change_order(self, store: str, external_id: str, action: OrderAction) -> None:
        self.sandbox.change_order(store, external_id, action)

    def order(self, store: str, external_id: str) -> SandboxOrder:
        with self.sandbox.lock:
            shop = self.sandbox.shop(store)
            order = self.sandbox.order_in(shop, external_id)
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

    def order_ids(self, store: str) -> list[str]:
        with self.sandbox.lock:
            return [str(order_id) for order_id in self.sandbox.shop(store).orders]

    def expire_token(self, store: str) -> None:
        """Offline tokens do not expire: the merchant uninstalls the app instead."""
        self.sandbox.revoke_token(store)

    def set_webhook_url(self, store: str, url: str | None) -> None:
        self.sandbox.set_webhook_url(store, url)
