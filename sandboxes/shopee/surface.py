"""`ShopeeControl`: the Shopee sandbox behind the uniform `SandboxControl` surface.

Shopee's own control methods key shops by `shop_id`; this adapter keys them by the Lapak
store name the sandbox was built with and speaks in `SandboxListing`/`SandboxOrder`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from lapak.sandboxes.kit.control import OrderAction, SandboxListing, SandboxOrder
from lapak.sandboxes.kit.surface import SandboxSurface
from lapak.sandboxes.shopee.orders import OutOfStockError, restore_stock
from lapak.sandboxes.shopee.sandbox import ShopeeSandbox
from lapak.sandboxes.shopee.state import ALREADY_SHIPPED

ACTIONS: dict[str, str] = {
    "pay": "READY_TO_SHIP",
    "cancel": "CANCELLED",
    "complete": "COMPLETED",
    "return": "TO_RETURN",
}


class ShopeeControl(SandboxSurface):
    sandbox: ShopeeSandbox
    platform = "shopee"
    tokens_expire = True
    sample_category = "100017"

    def _shop_id(self, store: str) -> int:
        with self.sandbox.lock:
            for shop in self.sandbox.shops.values():
                if shop.name == store:
                    return shop.shop_id
        raise LookupError(f"no store {store!r} in this Shopee sandbox")

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
        item_id = self.sandbox.create_item(
            self._shop_id(store), sku=sku, name=name, price=price, stock=stock, variants=variants
        )
        return str(item_id)

    def listings(self, store: str) -> list[SandboxListing]:
        rows = []
        for item in self.sandbox.items(self._shop_id(store)):
            units = item["models"] or [
                {"model_id": 0, "model_sku": item["item_sku"], **item, "option": ""}
            ]
            for unit in units:
                rows.append(
                    SandboxListing(
                        sku=unit["model_sku"],
                        item_id=str(item["item_id"]),
                        variant_id=str(unit["model_id"]) if unit["model_id"] else "",
                        name=item["item_name"],
                        price=Decimal(unit["price"]),
                        stock=unit["stock"],
                    )
                )
        return rows

    def _unit(self, store: str, sku: str) -> SandboxListing:
        for row in self.listings(store):
            if row.sku == sku:
                return row
        raise LookupError(f"no SKU {sku!r} on store {store!r}")

    def set_stock(self, store: str, sku: str, stock: int) -> None:
        unit = self._unit(store, sku)
        self.sandbox.set_stock(
            self._shop_id(store), int(unit.item_id), int(unit.variant_id or 0), stock
        )

    def remove_listing(self, store: str, sku: str) -> None:
        unit = self._unit(store, sku)
        with self.sandbox.lock:
            del self.sandbox.shop(self._shop_id(store)).items[int(unit.item_id)]

    def place_order(
        self, store: str, lines: Sequence[tuple[str, int]] | None = None, *, paid: bool = True
    ) -> str:
        try:
            return self.sandbox.place_order(self._shop_id(store), lines, paid=paid)
        except OutOfStockError as short:
            raise ValueError(str(short)) from short

    def change_order(self, store: str, external_id: str, action: OrderAction) -> None:
        shop_id = self._shop_id(store)
        if action != "return":
            self.sandbox.set_order_status(shop_id, external_id, ACTIONS[action])
            return
        with self.sandbox.lock:
            shop = self.sandbox.shop(shop_id)
            order = self.sandbox.order_in(shop, external_id)
            if order.status not in ALREADY_SHIPPED:
                raise ValueError(f"order {external_id} was not shipped: nothing to return")
            if self.sandbox.change_status(shop, order, "TO_RETURN"):
                restore_stock(shop, order)

    def order(self, store: str, external_id: str) -> SandboxOrder:
        view = self.sandbox.order(self._shop_id(store), external_id)
        return SandboxOrder(
            external_id=view["order_sn"],
            status=view["status"],
            tracking_number=view["tracking_number"] or None,
            lines=tuple((line["sku"], line["quantity"]) for line in view["lines"]),
        )

    def order_ids(self, store: str) -> list[str]:
        return [view["order_sn"] for view in self.sandbox.orders(self._shop_id(store))]

    def expire_token(self, store: str) -> None:
        self.sandbox.expire_token(self._shop_id(store))

    def set_webhook_url(self, store: str, url: str | None) -> None:
        self.sandbox.set_push_config(self._shop_id(store), url)
