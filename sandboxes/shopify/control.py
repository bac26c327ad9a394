"""The sandbox control API under /_sandbox/ (ours, not Shopify's): JSON in and out.

Shops are named as in Lapak's config. Bodies are validated with pydantic; errors answer
{"detail": ...} with 400 (bad body), 404 (unknown shop/SKU/order) or 409 (stock short).
"""

from __future__ import annotations

from dataclasses import asdict
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


async def listings(request: Request) -> Response:
    control = _control(request)
    if request.method == "POST":
        body = await read_body(request, NewListing)
        variants = body.variant_rows()
        item_id = control.add_listing(
            _store(request),
            sku=body.sku,
            name=body.name,
            price=body.price,
            stock=body.stock,
            variants=variants,
        )
        return JSONResponse({"item_id": item_id}, status_code=201)
    rows = control.listings(_store(request))
    return JSONResponse([asdict(row) | {"price": str(row.price)} for row in rows])


async def stock(request: Request) -> Response:
    body = await read_body(request, StockEdit)
    _control(request).set_stock(_store(request), body.sku, body.stock)
    return JSONResponse({"sku": body.sku, "stock": body.stock})


async def orders(request: Request) -> Response:
    body = await read_body(request, NewOrder)
    lines = body.line_pairs()
    order_id = _control(request).place_order(_store(request), lines, paid=body.paid)
    return JSONResponse({"order_id": order_id}, status_code=201)


async def order_action(request: Request) -> Response:
    control = _control(request)
    order_id, action = request.path_params["order_id"], request.path_params["action"]
    if action not in ("pay", "cancel", "complete", "return"):
        raise ValueError(f"unknown order action {action!r}")
    control.change_order(_store(request), order_id, action)
    view = control.order(_store(request), order_id)
    return JSONResponse(
        {"order_id": view.external_id, "status": view.status, "tracking": view.tracking_number}
    )


async def webhook(request: Request) -> Response:
    body = await read_body(request, WebhookUrl)
    _control(request).set_webhook_url(_store(request), body.url)
    return JSONResponse({"url": body.url})


async def auth_code(request: Request) -> Response:
    return JSONResponse({"code": request.app.state.sandbox.issue_auth_code(_store(request))})


async def revoke(request: Request) -> Response:
    request.app.state.sandbox.revoke_token(_store(request))
    return JSONResponse({"revoked": True})


ROUTES = [
    *shared_routes(),
    route("/_sandbox/shops", shops, ["GET"]),
    route("/_sandbox/shops/{store}/listings", listings, ["GET", "POST"]),
    route("/_sandbox/shops/{store}/stock", stock, ["POST"]),
    route("/_sandbox/shops/{store}/orders", orders, ["POST"]),
    route("/_sandbox/shops/{store}/orders/{order_id}/{action}", order_action, ["POST"]),
    route("/_sandbox/shops/{store}/webhook", webhook, ["POST"]),
    route("/_sandbox/shops/{store}/auth_code", auth_code, ["POST"]),
    route("/_sandbox/shops/{store}/revoke", revoke, ["POST"]),
]
