"""`LazadaControl`: the Lazada sandbox behind the uniform `SandboxControl` surface.

Stores are the Lapak store names the sandbox was built with. A listing's `variant_id` is
its SkuId for a product with variants and "" for a product with one SKU and no variation,
the rule the connector applies (connectors/lazada/mapping.py). An order's `status` is its
items' status when they agree, else their distinct statuses joined by ",".
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from lapak.sandboxes.kit.control import ListingSpec, OrderAction, SandboxListing, SandboxOrder
from lapak.sandboxes.kit.surface import SandboxSurface
from lapak.sandboxes.lazada.sandbox import LazadaSandbox
from lapak.sandboxes.lazada.state import (
    CANCELED,
    CANCELLABLE,
    DELETED,
    DELIVERED,
    PENDING,
    READY_TO_SHIP,
    RETURNED,
    SAMPLE_CATEGORY,
    SENT,
    SHIPPED,
    UNPAID,
    Product,
    Seller,
    Sku,
)

ACTIONS: dict[str, tuple[str, frozenset[str]]] = {
    "pay": (PENDING, frozenset({UNPAID})),
    "cancel": (CANCELED, CANCELLABLE),
    "complete": (DELIVERED, frozenset({READY_TO_SHIP, SHIPPED})),
    "return": (RETURNED, SENT),
}
VARIANT_ATTRIBUTE = "Variant"
"""The custom sales attribute of a seller's own product with variants."""
DEFAULT_PACKAGE = {
    "package_weight": "0.5",
    "package_length": "10",
    "package_width": "10",
    "package_height": "10",
}


class LazadaControl(SandboxSurface):
    sandbox: LazadaSandbox
    platform = "lazada"
    tokens_expire = True
    sample_category = SAMPLE_CATEGORY

    def create_listing(self, store: str, listing: ListingSpec) -> str:
        """A product made in Seller Center: `variants` become SKUs differing by the custom
        sales attribute "Variant" (Lazada keeps price and stock on SKUs only)."""
        with self.sandbox.lock:
            owner = self.sandbox.seller(store)
            variants = listing.variants
            rows = list(variants) or [(listing.sku, "", listing.price, listing.stock)]
            skus = []
            for seller_sku, option, unit_price, units in rows:
                if owner.find_sku(seller_sku) is not None:
                    raise ValueError(f"SKU {seller_sku!r} is already listed by this seller")
                sale_prop = {VARIANT_ATTRIBUTE: option} if variants else {}
                skus.append(
                    self.sandbox.new_sku(
                        seller_sku, unit_price, units, sale_prop, dict(DEFAULT_PACKAGE)
                    )
                )
            options = [option for _, option, _, _ in variants]
            spec = {"customize": True, "hasImage": False, "options": options}
            product = self.sandbox.add_product(
                owner,
                skus,
                category=SAMPLE_CATEGORY,
                name=listing.name,
                description=listing.name,
                brand="No Brand",
                variation={VARIANT_ATTRIBUTE: spec} if variants else {},
            )
            return str(product.id)

    def listings(self, store: str) -> list[SandboxListing]:
        with self.sandbox.lock:
            seller = self.sandbox.seller(store)
            return [
                SandboxListing(
                    sku=sku.sku,
                    item_id=str(product.id),
                    variant_id=str(sku.id) if product.has_variants else "",
                    name=product.name,
                    price=Decimal(sku.price),
                    stock=sku.stock,
                )
                for product in seller.live_products()
                for sku in product.skus.values()
            ]

    def _sku(self, seller: Seller, seller_sku: str) -> tuple[Product, Sku]:
        found = seller.find_sku(seller_sku)
        if found is None:
            raise LookupError(f"no SKU {seller_sku!r} on seller {seller.seller_id}")
        return found

    def set_stock(self, store: str, sku: str, stock: int) -> None:
        """A seller's hand edit of one SKU's sellable stock in Seller Center."""
        with self.sandbox.lock:
            product, found = self._sku(self.sandbox.seller(store), sku)
            found.stock = int(stock)
            product.updated = self.sandbox.clock.now_s()

    def remove_listing(self, store: str, sku: str) -> None:
        """RemoveProduct: the product's status becomes Deleted."""
        with self.sandbox.lock:
            product, _ = self._sku(self.sandbox.seller(store), sku)
            product.status = DELETED
            product.updated = self.sandbox.clock.now_s()

    def place_order(
        self, store: str, lines: Sequence[tuple[str, int]] | None = None, *, paid: bool = True
    ) -> str:
        return str(self.sandbox.place_order(store, lines, paid=paid))

    def change_order(self, store: str, external_id: str, action: OrderAction) -> None:
        """Move the order's items that may make the move (each pushed)."""
        status, allowed = ACTIONS[action]
        with self.sandbox.lock:
            seller = self.sandbox.seller(store)
            order = self.sandbox.order_of(seller, external_id)
            items = [i for i in order.items if i.status in allowed]
            if not self.sandbox.move_items(seller, order, items, status):
                current = ",".join(map(str, order.statuses))
                raise ValueError(f"order {external_id} is {current}: cannot {action} it")

    def order(self, store: str, external_id: str) -> SandboxOrder:
        with self.sandbox.lock:
            order = self.sandbox.order_of(self.sandbox.seller(store), external_id)
            lines: dict[str, int] = {}
            for item in order.items:
                lines[item.sku] = lines.get(item.sku, 0) + 1
            tracking = next((i.tracking_code for i in order.items if i.tracking_code), None)
            return SandboxOrder(
                external_id=str(order.id),
                status=",".join(map(str, order.statuses)),
                tracking_number=tracking,
                lines=tuple(lines.items()),
            )

    def order_ids(self, store: str) -> list[str]:
        with self.sandbox.lock:
            return [str(order_id) for order_id in self.sandbox.seller(store).orders]

    def expire_token(self, store: str) -> None:
        """The seller's access tokens die now (the next call gets IllegalAccessToken)."""
        with self.sandbox.lock:
            self.sandbox.tokens.expire_access(self.sandbox.seller(store).seller_id)

    def set_webhook_url(self, store: str, url: str | None) -> None:
        with self.sandbox.lock:
            self.sandbox.seller(store).webhook_url = url or None
