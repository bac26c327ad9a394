"""The sandbox control API under /_sandbox/ (ours, not Shopee's): JSON in and out, no sign.

Shopee's own routes, shops by shop_id, with the kit's shared ones and its errors
(kit/control_api.py): bodies are validated with pydantic; errors answer {"detail": ...}
with 400 (bad body), 404 (unknown shop/item/order) or 409 (stock too short for an order).
"""

from __future__ import annotations

from lapak.sandboxes.kit.control_api import (
    Body,
    NewListing,
    NewOrder,
    control_routes,
    read_body,
    store_auth_code,
    store_expired_count,
)
from lapak.sandboxes.kit.images import image_response, placeholder_png
from lapak.sandboxes.shopee.sandbox import ShopeeSandbox, order_view
from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class StockEdit(Body):
    model_id: int = 0
    stock: int = Field(ge=0)


class StatusChange(Body):
    status: str


class PushConfig(Body):
    callback_url: str | None = None


def _sandbox(request: Request) -> ShopeeSandbox:
    return request.app.state.sandbox


def _shop_id(request: Request) -> int:
    return _sandbox(request).store(request.path_params["store"]).shop_id


async def shops(request: Request) -> Response:
    return JSONResponse(_sandbox(request).shop_list())


async def items(request: Request) -> Response:
    return JSONResponse(_sandbox(request).items(_shop_id(request)))


async def create_item(request: Request) -> Response:
    body = await read_body(request, NewListing)
    listing = body.model_dump() | {"variants": body.variant_rows()}
    item_id = _sandbox(request).create_item(_shop_id(request), **listing)
    return JSONResponse({"item_id": item_id}, status_code=201)


async def edit_stock(request: Request) -> Response:
    body = await read_body(request, StockEdit)
    item_id = int(request.path_params["item_id"])
    _sandbox(request).set_stock(_shop_id(request), item_id, body.model_id, body.stock)
    return JSONResponse({"item_id": item_id, "model_id": body.model_id, "stock": body.stock})


async def place_order(request: Request) -> Response:
    body = await read_body(request, NewOrder)
    order_sn = _sandbox(request).place_order(_shop_id(request), body.line_pairs(), paid=body.paid)
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


async def placeholder_image(request: Request) -> Response:
    return Response(placeholder_png(request.path_params["name"], 600), media_type="image/png")


async def uploaded_image(request: Request) -> Response:
    return image_response(_sandbox(request).images.get(request.path_params["image_id"]))


ROUTES = control_routes(
    "shops",
    {
        "GET /_sandbox/shops": shops,
        "GET items": items,
        "POST items": create_item,
        "POST items/{item_id}/stock": edit_stock,
        "GET orders": orders,
        "POST orders": place_order,
        "POST orders/{order_sn}/status": order_status,
        "POST push_config": push_config,
        "POST expire_token": store_expired_count,
        "POST auth_code": store_auth_code,
        "GET /_sandbox/images/{name}.png": placeholder_image,
        "GET /_sandbox/uploads/{image_id}": uploaded_image,
    },
    kit_store_routes=False,
)
