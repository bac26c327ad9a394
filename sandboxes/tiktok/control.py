"""The sandbox control API under /_sandbox/ (ours, not TikTok's): JSON in and out, no sign.

It drives the same `TikTokControl` as Python callers. Bodies are validated with pydantic;
errors answer {"detail": ...} with 400 (bad body or action), 404 (unknown store, SKU or
order) or 409 (stock too short for an order).
"""

from __future__ import annotations

import dataclasses

from lapak.sandboxes.kit.control_api import (
    Body,
    NewListing,
    NewOrder,
    WebhookUrl,
    read_body,
    route,
    shared_routes,
)
from lapak.sandboxes.tiktok.images import image_kind
from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class StockEdit(Body):
    stock: int = Field(ge=0)


def _control(request: Request):
    return request.app.state.control


def _store(request: Request) -> str:
    """The store the path names (an unknown one is the control's LookupError: 404)."""
    return str(request.path_params["store"])


async def stores(request: Request) -> Response:
    sandbox = request.app.state.sandbox
    with sandbox.lock:
        rows = [
            {
                "name": s.name,
                "shop_cipher": s.shop_cipher,
                "shop_id": s.shop_id,
                "webhook_url": s.push_url,
                "products": len(s.catalog.live()),
                "orders": len(s.orders),
            }
            for s in sandbox.stores.values()
        ]
    return JSONResponse(rows)


async def listings(request: Request) -> Response:
    control, store = _control(request), _store(request)
    if request.method == "POST":
        body = await read_body(request, NewListing)
        variants = body.variant_rows()
        item_id = control.add_listing(
            store,
            sku=body.sku,
            name=body.name,
            price=body.price,
            stock=body.stock,
            variants=variants,
        )
        return JSONResponse({"product_id": item_id}, status_code=201)
    rows = [dataclasses.asdict(row) | {"price": str(row.price)} for row in control.listings(store)]
    return JSONResponse(rows)


async def stock(request: Request) -> Response:
    body = await read_body(request, StockEdit)
    _control(request).set_stock(_store(request), request.path_params["sku"], body.stock)
    return JSONResponse({"sku": request.path_params["sku"], "stock": body.stock})


async def orders(request: Request) -> Response:
    body = await read_body(request, NewOrder)
    lines = body.line_pairs()
    order_id = _control(request).place_order(_store(request), lines, paid=body.paid)
    return JSONResponse({"order_id": order_id}, status_code=201)


async def order(request: Request) -> Response:
    control, store, order_id = _control(request), _store(request), request.path_params["order"]
    action = request.path_params.get("action")
    if action is not None:
        control.change_order(store, order_id, action)
    view = control.order(store, order_id)
    return JSONResponse(dataclasses.asdict(view))


async def expire_token(request: Request) -> Response:
    _control(request).expire_token(_store(request))
    return JSONResponse({"expired": True})


async def auth_code(request: Request) -> Response:
    return JSONResponse({"auth_code": request.app.state.sandbox.issue_auth_code(_store(request))})


async def webhook(request: Request) -> Response:
    body = await read_body(request, WebhookUrl)
    _control(request).set_webhook_url(_store(request), body.url)
    return JSONResponse({"url": body.url})


async def image(request: Request) -> Response:
    data = request.app.state.sandbox.images.get(request.path_params["uri"])
    if data is None:
        return JSONResponse({"detail": "no such image"}, status_code=404)
    return Response(data, media_type=f"image/{image_kind(data) or 'png'}")


ROUTES = [
    *shared_routes(),
    route("/_sandbox/stores", stores, ["GET"]),
    route("/_sandbox/stores/{store}/listings", listings, ["GET", "POST"]),
    route("/_sandbox/stores/{store}/listings/{sku}/stock", stock, ["POST"]),
    route("/_sandbox/stores/{store}/orders", orders, ["POST"]),
    route("/_sandbox/stores/{store}/orders/{order}", order, ["GET"]),
    route("/_sandbox/stores/{store}/orders/{order}/{action}", order, ["POST"]),
    route("/_sandbox/stores/{store}/expire_token", expire_token, ["POST"]),
    route("/_sandbox/stores/{store}/auth_code", auth_code, ["POST"]),
    route("/_sandbox/stores/{store}/webhook", webhook, ["POST"]),
    route("/_sandbox/images/{uri:path}", image, ["GET"]),
]
