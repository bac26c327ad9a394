"""The sandbox control API under /_sandbox/ (ours, not WooCommerce's): JSON in and out, no
authentication. The kit's shared routes (faults, rate limit, calls, buyers, clock) plus the
store routes, which answer with the REST API's own product and order views. Errors answer
{"detail": ...} with 400 (bad body or action), 404 (unknown store, SKU or order) or 409
(stock too short).
"""

from __future__ import annotations

from typing import Any

from lapak.sandboxes.kit.control_api import (
    Body,
    NewListing,
    NewOrder,
    WebhookUrl,
    read_body,
    route,
    shared_routes,
)
from lapak.sandboxes.woocommerce.sandbox import WooSandbox
from lapak.sandboxes.woocommerce.views import order_view, product_view, variation_view
from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class StockEdit(Body):
    stock: int = Field(ge=0)


def _sandbox(request: Request) -> WooSandbox:
    return request.app.state.sandbox


def _store(request: Request) -> str:
    return str(request.path_params["store"])


async def shops(request: Request) -> Response:
    sandbox = _sandbox(request)
    with sandbox.lock:
        rows = [
            {
                "name": shop.name,
                "consumer_key": shop.consumer_key,
                "site_url": shop.site_url,
                "products": len(shop.products),
                "orders": len(shop.orders),
                "webhooks": [
                    {"topic": w.topic, "url": w.delivery_url, "status": w.status}
                    for w in shop.webhooks
                ],
            }
            for shop in sandbox.shops.values()
        ]
    return JSONResponse(rows)


async def products(request: Request) -> Response:
    sandbox = _sandbox(request)
    if request.method == "POST":
        body = await read_body(request, NewListing)
        item = request.app.state.control.add_listing(
            _store(request),
            sku=body.sku,
            name=body.name,
            price=body.price,
            stock=body.stock,
            variants=body.variant_rows(),
        )
        return JSONResponse({"id": int(item)})
    with sandbox.lock:
        shop = sandbox.shop(_store(request))
        views: list[Any] = [
            variation_view(shop, p) if p.type == "variation" else product_view(shop, p)
            for p in shop.products.values()
        ]
    return JSONResponse(views)


async def stock(request: Request) -> Response:
    body = await read_body(request, StockEdit)
    request.app.state.control.set_stock(_store(request), request.path_params["sku"], body.stock)
    return JSONResponse({"ok": True})


async def orders(request: Request) -> Response:
    sandbox = _sandbox(request)
    if request.method == "POST":
        body = await read_body(request, NewOrder)
        order_id = sandbox.place_order(_store(request), body.line_pairs(), paid=body.paid)
        return JSONResponse({"id": order_id})
    with sandbox.lock:
        shop = sandbox.shop(_store(request))
        views = [order_view(shop, o) for o in shop.orders.values()]
    return JSONResponse(views)


async def order(request: Request) -> Response:
    """One order's REST view; POSTed to with an action, after moving it on."""
    sandbox, store, order_id = _sandbox(request), _store(request), request.path_params["order"]
    if request.method == "POST":
        sandbox.change_order(store, order_id, request.path_params["action"])
    with sandbox.lock:
        shop = sandbox.shop(store)
        view = order_view(shop, sandbox.order_in(shop, order_id))
    return JSONResponse(view)


async def webhook(request: Request) -> Response:
    body = await read_body(request, WebhookUrl)
    _sandbox(request).set_webhook_url(_store(request), body.url)
    return JSONResponse({"ok": True})


ROUTES = [
    *shared_routes(),
    route("/_sandbox/shops", shops, ["GET"]),
    route("/_sandbox/shops/{store}/products", products, ["GET", "POST"]),
    route("/_sandbox/shops/{store}/stock/{sku}", stock, ["POST"]),
    route("/_sandbox/shops/{store}/orders", orders, ["GET", "POST"]),
    route("/_sandbox/shops/{store}/orders/{order}", order, ["GET"]),
    route("/_sandbox/shops/{store}/orders/{order}/{action}", order, ["POST"]),
    route("/_sandbox/shops/{store}/webhook", webhook, ["POST"]),
]
