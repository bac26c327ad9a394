"""The sandbox control API under /_sandbox/ (ours, not Shopee's): JSON in and out, no sign.

Bodies are validated with pydantic; errors answer {"detail": ...} with 400 (bad body),
404 (unknown shop/item/order) or 409 (stock too short for an order).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandboxes.kit.faults import settings_from_request
from sandboxes.shopee.images import image_kind, placeholder_png
from sandboxes.shopee.orders import OutOfStockError


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StockEdit(_Body):
    model_id: int = 0
    stock: int = Field(ge=0)


class OrderLineIn(_Body):
    sku: str
    quantity: int = Field(default=1, ge=1)


class NewOrder(_Body):
    lines: list[OrderLineIn] = Field(default_factory=list)
    paid: bool = True


class StatusChange(_Body):
    status: str


class PushConfig(_Body):
    callback_url: str | None = None


class RateLimit(_Body):
    per_second: float = Field(ge=0)
    burst: int | None = Field(default=None, ge=1)


class Buyers(_Body):
    orders_per_second: float = Field(ge=0)


class ClockMove(_Body):
    advance: float


class VariantIn(_Body):
    sku: str
    option: str
    price: int = Field(gt=0)
    stock: int = Field(default=0, ge=0)


class NewItem(_Body):
    sku: str
    name: str
    price: int = Field(gt=0)
    stock: int = Field(default=0, ge=0)
    variants: list[VariantIn] = Field(default_factory=list)


async def _body(request: Request, model: type[BaseModel]) -> Any:
    raw = await request.body()
    return model.model_validate_json(raw or b"{}")


Endpoint = Callable[[Request], Awaitable[Response]]


def _guarded(endpoint: Endpoint) -> Endpoint:
    async def run(request: Request) -> Response:
        try:
            return await endpoint(request)
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_context=False, include_input=False)
            return JSONResponse({"detail": errors}, status_code=400)
        except ValueError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=400)
        except OutOfStockError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=409)
        except LookupError as exc:
            return JSONResponse({"detail": str(exc).strip("'\"")}, status_code=404)

    return run


def _sandbox(request: Request):
    return request.app.state.sandbox


def _shop_id(request: Request) -> int:
    return _sandbox(request).shop(request.path_params["shop_id"]).shop_id


async def shops(request: Request) -> Response:
    return JSONResponse(_sandbox(request).shop_list())


async def items(request: Request) -> Response:
    return JSONResponse(_sandbox(request).items(_shop_id(request)))


async def create_item(request: Request) -> Response:
    body = await _body(request, NewItem)
    variants = [(v.sku, v.option, v.price, v.stock) for v in body.variants]
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
    body = await _body(request, StockEdit)
    item_id = int(request.path_params["item_id"])
    _sandbox(request).set_stock(_shop_id(request), item_id, body.model_id, body.stock)
    return JSONResponse({"item_id": item_id, "model_id": body.model_id, "stock": body.stock})


async def place_order(request: Request) -> Response:
    body = await _body(request, NewOrder)
    lines = [(line.sku, line.quantity) for line in body.lines] or None
    order_sn = _sandbox(request).place_order(_shop_id(request), lines, paid=body.paid)
    return JSONResponse({"order_sn": order_sn}, status_code=201)


async def orders(request: Request) -> Response:
    return JSONResponse(_sandbox(request).orders(_shop_id(request)))


async def order_status(request: Request) -> Response:
    body = await _body(request, StatusChange)
    sn = request.path_params["order_sn"]
    return JSONResponse(_sandbox(request).set_order_status(_shop_id(request), sn, body.status))


async def push_config(request: Request) -> Response:
    body = await _body(request, PushConfig)
    _sandbox(request).set_push_config(_shop_id(request), body.callback_url)
    return JSONResponse({"callback_url": body.callback_url})


async def expire_token(request: Request) -> Response:
    expired = _sandbox(request).expire_token(_shop_id(request))
    return JSONResponse({"expired": expired})


async def auth_code(request: Request) -> Response:
    return JSONResponse({"code": _sandbox(request).issue_auth_code(_shop_id(request))})


async def faults(request: Request) -> Response:
    sandbox = _sandbox(request)
    if request.method == "POST":
        raw = await request.json() if await request.body() else {}
        if not isinstance(raw, dict):
            raise ValueError("fault settings must be a JSON object")
        sandbox.set_faults(settings_from_request(raw))
    return JSONResponse(sandbox.faults.settings.as_dict())


async def rate_limit(request: Request) -> Response:
    body = await _body(request, RateLimit)
    sandbox = _sandbox(request)
    sandbox.set_rate_limit(body.per_second, body.burst)
    return JSONResponse({"per_second": sandbox.limiter.per_second, "burst": sandbox.limiter.burst})


async def calls(request: Request) -> Response:
    sandbox = _sandbox(request)
    if request.method == "DELETE":
        sandbox.reset_calls()
    return JSONResponse(sandbox.call_counts())


async def buyers(request: Request) -> Response:
    body = await _body(request, Buyers)
    simulator = _sandbox(request).buyers
    simulator.start(body.orders_per_second)
    return JSONResponse(
        {"orders_per_second": simulator.orders_per_second, "placed": simulator.placed}
    )


async def clock(request: Request) -> Response:
    sandbox = _sandbox(request)
    if request.method == "POST":
        sandbox.clock.advance((await _body(request, ClockMove)).advance)
    return JSONResponse({"now": sandbox.clock.now()})


async def placeholder_image(request: Request) -> Response:
    return Response(placeholder_png(request.path_params["name"], 600), media_type="image/png")


async def uploaded_image(request: Request) -> Response:
    data = _sandbox(request).images.get(request.path_params["image_id"])
    if data is None:
        return JSONResponse({"detail": "no such image"}, status_code=404)
    return Response(data, media_type=f"image/{image_kind(data) or 'png'}")


def _route(path: str, endpoint: Endpoint, methods: list[str]) -> Route:
    return Route(path, _guarded(endpoint), methods=methods)


ROUTES = [
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
    _route("/_sandbox/faults", faults, ["GET", "POST"]),
    _route("/_sandbox/rate_limit", rate_limit, ["POST"]),
    _route("/_sandbox/calls", calls, ["GET", "DELETE"]),
    _route("/_sandbox/buyers", buyers, ["POST"]),
    _route("/_sandbox/clock", clock, ["GET", "POST"]),
    _route("/_sandbox/images/{name}.png", placeholder_image, ["GET"]),
    _route("/_sandbox/uploads/{image_id}", uploaded_image, ["GET"]),
]
