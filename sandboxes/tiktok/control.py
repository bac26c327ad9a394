"""The sandbox control API under /_sandbox/ (ours, not TikTok's): JSON in and out, no sign.

The kit's shared and store routes (kit/control_api.py, answering errors as its `guarded`
does) over `TikTokControl`, and TikTok's own: its stores, stock by SKU path, auth codes and
the images Upload Product Image stored.
"""

from __future__ import annotations

from lapak.sandboxes.kit.control_api import (
    Body,
    read_body,
    route,
    shared_routes,
    store_add_listing,
    store_expire_token,
    store_listings,
    store_order,
    store_place_order,
    store_webhook,
)
from lapak.sandboxes.kit.images import image_response
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


async def stock(request: Request) -> Response:
    body = await read_body(request, StockEdit)
    _control(request).set_stock(_store(request), request.path_params["sku"], body.stock)
    return JSONResponse({"sku": request.path_params["sku"], "stock": body.stock})


async def auth_code(request: Request) -> Response:
    return JSONResponse({"auth_code": request.app.state.sandbox.issue_auth_code(_store(request))})


async def image(request: Request) -> Response:
    """An uploaded image, typed by TikTok's wider set of formats (WEBP, BMP, HEIC too)."""
    data = request.app.state.sandbox.images.get(request.path_params["uri"])
    if data is None:
        return image_response(None)
    return Response(data, media_type=f"image/{image_kind(data) or 'png'}")


ROUTES = [
    *shared_routes(),
    route("/_sandbox/stores", stores, ["GET"]),
    route("/_sandbox/stores/{store}/listings", store_listings, ["GET"]),
    route("/_sandbox/stores/{store}/listings", store_add_listing, ["POST"]),
    route("/_sandbox/stores/{store}/listings/{sku}/stock", stock, ["POST"]),
    route("/_sandbox/stores/{store}/orders", store_place_order, ["POST"]),
    route("/_sandbox/stores/{store}/orders/{order_id}", store_order, ["GET"]),
    route("/_sandbox/stores/{store}/orders/{order_id}/{action}", store_order, ["POST"]),
    route("/_sandbox/stores/{store}/expire_token", store_expire_token, ["POST"]),
    route("/_sandbox/stores/{store}/auth_code", auth_code, ["POST"]),
    route("/_sandbox/stores/{store}/webhook", store_webhook, ["POST"]),
    route("/_sandbox/images/{uri:path}", image, ["GET"]),
]
