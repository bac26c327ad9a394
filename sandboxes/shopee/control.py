"""The sandbox control API under /_sandbox/ (ours, not Shopee's): JSON in and out, no sign.

Bodies are validated with pydantic; errors answer {"detail": ...} with 400 (bad body),
404 (unknown shop/item/order) or 409 (stock too short for an order).
"""

from __future__ import annotations

from lapak.sandboxes.kit.control_api import (
    Body,
    Endpoint,
    NewListing,
    NewOrder,
    guarded,
    read_body,
    shared_routes,
)
from lapak.sandboxes.kit.images import image_kind, placeholder_png
from lapak.sandboxes.kit.orders import OutOfStockError
from lapak.sandboxes.shopee.sandbox import order_view
from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


class StockEdit(Body):
    model_id: int = 0
    stock: int = Field(ge=0)


class StatusChange(Body):
    status: str


class PushConfig(Body):
    callback_url: str | None = None


def _conflict(exc: Exception) -> bool:
    return isinstance(exc, OutOfStockError)


def _sandbox(request: Request):
    return request.app.state.sandbox


def _shop_id(request: Request) -> int:
    return _sandbox(request).store(request.path_params["shop_id"]).shop_id


async def shops(request: Request) -> Response:
    return JSONResponse(_sandbox(request).shop_list())


async def items(request: Request) -> Response:
    return JSONResponse(_sandbox(request).items(_shop_id(request)))


async def create_item(request: Request) -> Response:
    body = await read_body(request, NewListing)
    variants = body.variant_rows()
    item_id = _sandbox(request).create_item(
        _shop_id(request),
        sku=body.sku,
        name=body.name,
        price=body.price,
        stock=body.stock,
        variants=variants,
    )
    return JSONResponse({"item_id": item_id}, status_code=201)


async def edit_stock(request: Request) -> Response:
    body = await read_body(request, StockEdit)
    item_id = int(request.path_params["item_id"])
    _sandbox(request).set_stock(_shop_id(request), item_id, body.model_id, body.stock)
    return JSONResponse({"item_id": item_id, "model_id": body.model_id, "stock": body.stock})


async def place_order(request: Request) -> Response:
    body = await read_body(request, NewOrder)
    lines = body.line_pairs()
    order_sn = _sandbox(request).place_order(_shop_id(request), lines, paid=body.paid)
    return JSONResponse({"order_sn": order_sn}, status_code=201)


async def orders(request: Request) -> Response:
    return JSONResponse(_sandbox(request).orders(_shop_id(request)))


async def order_status(request: Request) -> Response:
    body = await read_body(request, StatusChange)
    sn = request.path_params["order_sn"]
    order = _sandbox(request).set_order_status(_shop_id(request), sn, body.status)
    return JSONResponse(order_view(order))


async def push_config(request: Request) -> Response:
    body = await read_body(request, PushConfig)
    _sandbox(request).set_push_config(_shop_id(request), body.callback_url)
    return JSONResponse({"callback_url": body.callback_url})


async def expire_token(request: Request) -> Response:
    expired = _sandbox(request).expire_token(_shop_id(request))
    return JSONResponse({"expired": expired})


async def auth_code(request: Request) -> Response:
    return JSONResponse({"code": _sandbox(request).issue_auth_code(_shop_id(request))})


async def placeholder_image(request: Request) -> Response:
    return Response(placeholder_png(request.path_params["name"], 600), media_type="image/png")


async def uploaded_image(request: Request) -> Response:
    data = _sandbox(request).images.get(request.path_params["image_id"])
    if data is None:
        return JSONResponse({"detail": "no such image"}, status_code=404)
    return Response(data, media_type=f"image/{image_kind(data) or 'png'}")


def _route(path: str, endpoint: Endpoint, methods: list[str]) -> Route:
    return Route(path, guarded(endpoint, _conflict), methods=methods)


ROUTES = [
    *shared_routes(),
    _route("/_sandbox/shops", shops, ["GET"]),
    _route("/_sandbox/shops/{shop_id}/items", items, ["GET"]),
    _route("/_sandbox/shops/{shop_id}/items", create_item, ["POST"]),
    _route("/_sandbox/shops/{shop_id}/items/{item_id}/stock", edit_stock, ["POST"]),
    _route("/_sandbox/shops/{shop_id}/orders", orders, ["GET"]),
    _route("/_sandbox/shops/{shop_id}/orders", place_order, ["POST"]),
    _route("/_sandbox/shops/{shop_id}/orders/{order_sn}/status", order_status, ["POST"]),
    _route("/_sandbox/shops/{shop_id}/push_config", push_config, ["POST"]),
    _route("/_sandbox/shops/{shop_id}/expire_token", expire_token, ["POST"]),
    _route("/_sandbox/shops/{shop_id}/auth_code", auth_code, ["POST"]),
    _route("/_sandbox/images/{name}.png", placeholder_image, ["GET"]),
    _route("/_sandbox/uploads/{image_id}", uploaded_image, ["GET"]),
]
