"""`WooControl`, the uniform `SandboxControl` surface, and the control API under /_sandbox/
(ours, not WooCommerce's: JSON in and out, no authentication): the kit's endpoints
(kit/control_api.py) under WooCommerce's paths /_sandbox/shops[/{store}/products, /stock/{sku},
/orders, /webhook]. Errors answer {"detail": ...} with 400 (bad body or action), 404
(unknown store, SKU or order) or 409 (stock too short).

Listings are the sellable rows: simple products and the variations of variable products
(a variable parent holds no stock of its own and is not listed). Platform facts the suite
meets through this surface: an unpaid (pending) order takes no stock until it is paid;
"complete" moves a shipped (completed) order to "delivered"; "return" refunds it and
restocks its units; API keys never expire, `expire_token` revokes the store's key.
"""

from __future__ import annotations

from dataclasses import asdict

from lapak.sandboxes.kit.control import SandboxListing, SandboxOrder
from lapak.sandboxes.kit.control_api import (
    control_routes,
    new_listing,
    new_order,
    store_listings,
    store_order,
    store_stock,
    store_webhook,
)
from lapak.sandboxes.kit.stores import StoreSurface
from lapak.sandboxes.woocommerce.sandbox import WooSandbox
from lapak.sandboxes.woocommerce.state import Shop, post_of
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class WooControl(StoreSurface[Shop]):
    """The kit's store surface (stores are the sandbox's keys), with WooCommerce's own
    listing order, stock edits, order moves and tracking numbers."""

    sandbox: WooSandbox
    platform = "woocommerce"
    tokens_expire = False
    sample_category = "16"
    """"Pakaian", a product category of every sandbox site."""

    def listings(self, store: str) -> list[SandboxListing]:
        """The kit's rows, in post id order."""
        return sorted(super().listings(store), key=lambda row: int(row.variant_id or row.item_id))

    def set_stock(self, store: str, sku: str, stock: int) -> None:
        """A hand edit in wp-admin: the row manages its stock, now `stock`."""
        with self.sandbox.lock:
            unit = self._store(store).catalog.find_sku(sku)
            if unit is None:
                raise LookupError(f"no SKU {sku!r} on store {store!r}")
            post = post_of(unit)
            post.manage_stock, post.stock = True, int(stock)
            post.updated = self.sandbox.clock.now_s()

    def order(self, store: str, external_id: str) -> SandboxOrder:
        with self.sandbox.lock:
            order = self.sandbox.order_in(self._store(store), external_id)
            return SandboxOrder(
                external_id=str(order.id),
                status=order.status,
                tracking_number=order.tracking(),
                lines=tuple((line.sku, line.quantity) for line in order.lines),
            )

    def expire_token(self, store: str) -> None:
        """WooCommerce API keys never expire: the store's key is revoked instead (OAuth
        calls get "Consumer key is invalid.", Basic ones are not authenticated at all)."""
        self.sandbox.revoke_key(store)


async def add_product(request: Request) -> Response:
    return JSONResponse({"id": int(await new_listing(request))})


async def orders(request: Request) -> Response:
    """POST: a checkout ({"id"}); GET: every order of the store as `SandboxOrder`."""
    if request.method == "POST":
        return JSONResponse({"id": int(await new_order(request))})
    control: WooControl = request.app.state.control
    store = str(request.path_params["store"])
    return JSONResponse([asdict(control.order(store, i)) for i in control.order_ids(store)])


ROUTES = control_routes(
    "shops",
    {
        "GET products": store_listings,
        "POST products": add_product,
        "POST stock/{sku}": store_stock,
        "GET orders": orders,
        "POST orders": orders,
        "GET orders/{order_id}": store_order,
        "POST orders/{order_id}/{action}": store_order,
        "POST webhook": store_webhook,
    },
    kit_store_routes=False,
)
