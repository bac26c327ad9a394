"""The sandbox control API under /_sandbox/ (ours, not WooCommerce's): JSON in and out, no
authentication. The kit's shared and store routes (kit/control_api.py) over `WooControl`,
under WooCommerce's paths: /_sandbox/shops/{store}/products, /stock/{sku} and /orders.
Errors answer {"detail": ...} with 400 (bad body or action), 404 (unknown store, SKU or
order) or 409 (stock too short).
"""

from __future__ import annotations

from dataclasses import asdict

from lapak.sandboxes.kit.control_api import (
    new_listing,
    new_order,
    route,
    shared_routes,
    store_listings,
    store_order,
    store_stock,
    store_webhook,
)
from lapak.sandboxes.woocommerce.sandbox import WooSandbox
from lapak.sandboxes.woocommerce.surface import WooControl
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

SHOP = "/_sandbox/shops/{store}"


def _control(request: Request) -> WooControl:
    return request.app.state.control


def _store(request: Request) -> str:
    return str(request.path_params["store"])


async def shops(request: Request) -> Response:
    sandbox: WooSandbox = request.app.state.sandbox
    with sandbox.lock:
        rows = [
            {
                "name": shop.name,
                "consumer_key": shop.consumer_key,
                "site_url": shop.site_url,
                "products": len(shop.posts()),
                "orders": len(shop.orders),
                "webhooks": [
                    {"topic": w.topic, "url": w.delivery_url, "status": w.status}
                    for w in shop.webhooks
                ],
            }
            for shop in sandbox.stores.values()
        ]
    return JSONResponse(rows)


async def add_product(request: Request) -> Response:
    return JSONResponse({"id": int(await new_listing(request))})


async def orders(request: Request) -> Response:
    """POST: a checkout ({"id"}); GET: every order of the store as `SandboxOrder`."""
    if request.method == "POST":
        return JSONResponse({"id": int(await new_order(request))})
    control, store = _control(request), _store(request)
    return JSONResponse([asdict(control.order(store, i)) for i in control.order_ids(store)])


ROUTES = [
    *shared_routes(),
    route("/_sandbox/shops", shops, ["GET"]),
    route(f"{SHOP}/products", store_listings, ["GET"]),
    route(f"{SHOP}/products", add_product, ["POST"]),
    route(f"{SHOP}/stock/{{sku}}", store_stock, ["POST"]),
    route(f"{SHOP}/orders", orders, ["GET", "POST"]),
    route(f"{SHOP}/orders/{{order_id}}", store_order, ["GET"]),
    route(f"{SHOP}/orders/{{order_id}}/{{action}}", store_order, ["POST"]),
    route(f"{SHOP}/webhook", store_webhook, ["POST"]),
]
