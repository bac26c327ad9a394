"""The sandbox control API under /_sandbox/ (ours, not Shopify's): the kit's shared and
store endpoints (kit/control_api.py), shops named as in Lapak's config, and Shopify's own:
its shops, a listing or an order made by hand, a stock edit, an install code, an uninstall.
"""

from __future__ import annotations

from typing import Any

from lapak.sandboxes.kit.control_api import (
    Body,
    NewListing,
    NewOrder,
    read_body,
    route,
    shared_routes,
    store_listings,
    store_order,
    store_webhook,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class StockEdit(Body):
    sku: str
    stock: int


def _control(request: Request) -> Any:
    return request.app.state.control


def _store(request: Request) -> str:
    return str(request.path_params["store"])


async def shops(request: Request) -> Response:
    sandbox = request.app.state.sandbox
    with sandbox.lock:
        rows = [
            {
                "name": shop.name,
                "domain": shop.domain,
                "location_id": shop.location_id,
                "webhook_url": shop.push_url,
                "products": len(shop.products),
                "orders": len(shop.orders),
            }
            for shop in sandbox.stores.values()
        ]
    return JSONResponse(rows)


async def add_listing(request: Request) -> Response:
    body = await read_body(request, NewListing)
    item_id = _control(request).add_listing(
        _store(request),
        sku=body.sku,
        name=body.name,
        price=body.price,
        stock=body.stock,
        variants=body.variant_rows(),
    )
    return JSONResponse({"item_id": item_id}, status_code=201)


async def stock(request: Request) -> Response:
    body = await read_body(request, StockEdit)
    _control(request).set_stock(_store(request), body.sku, body.stock)
    return JSONResponse({"sku": body.sku, "stock": body.stock})


async def orders(request: Request) -> Response:
    body = await read_body(request, NewOrder)
    lines = body.line_pairs()
    order_id = _control(request).place_order(_store(request), lines, paid=body.paid)
    return JSONResponse({"order_id": order_id}, status_code=201)


async def auth_code(request: Request) -> Response:
    return JSONResponse({"code": request.app.state.sandbox.issue_auth_code(_store(request))})


async def revoke(request: Request) -> Response:
    request.app.state.sandbox.revoke_token(_store(request))
    return JSONResponse({"revoked": True})


SHOP = "/_sandbox/shops/{store}"
ROUTES = [
    *shared_routes(),
    route("/_sandbox/shops", shops, ["GET"]),
    route(f"{SHOP}/listings", store_listings, ["GET"]),
    route(f"{SHOP}/listings", add_listing, ["POST"]),
    route(f"{SHOP}/stock", stock, ["POST"]),
    route(f"{SHOP}/orders", orders, ["POST"]),
    route(f"{SHOP}/orders/{{order_id}}", store_order, ["GET"]),
    route(f"{SHOP}/orders/{{order_id}}/{{action}}", store_order, ["POST"]),
    route(f"{SHOP}/webhook", store_webhook, ["POST"]),
    route(f"{SHOP}/auth_code", auth_code, ["POST"]),
    route(f"{SHOP}/revoke", revoke, ["POST"]),
]
