"""The sandbox control API under /_sandbox/ (ours, not Tokopedia's): JSON in and out, no auth.

Bodies are validated with pydantic; errors answer {"detail": ...} with 400 (bad body),
404 (unknown shop/product/order) or 409 (stock too short for an order).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandboxes.kit.faults import settings_from_request
from sandboxes.tokopedia.orders import OutOfStockError


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VariantIn(_Body):
    sku: str
    option: str
    price: int = Field(gt=0)
    stock: int = Field(default=0, ge=0)


class NewProduct(_Body):
    sku: str
    name: str
    price: int = Field(gt=0)
    stock: int = Field(default=0, ge=0)
    variants: list[VariantIn] = Field(default_factory=list)


class StockEdit(_Body):
    stock: int = Field(ge=0)


class OrderLineIn(_Body):
    sku: str
    quantity: int = Field(default=1, ge=1)


class NewOrder(_Body):
    lines: list[OrderLineIn] = Field(default_factory=list)
    paid: bool = True


class StatusChange(_Body):
    status: int


class Webhook(_Body):
    url: str | None = None


class RateLimit(_Body):
    per_second: float = Field(ge=0)
    burst: int | None = Field(default=None, ge=1)


class Buyers(_Body):
    orders_per_second: float = Field(ge=0)


class ClockMove(_Body):
    advance: float


async def _body(request: Request, model: type[BaseModel]) -> Any:
    return model.model_validate_json(await request.body() or b"{}")


Endpoint = Callable[[Request], Awaitable[Response]]


def _guarded(endpoint: Endpoint) -> Endpoint:
    async def run(request: Request) -> Response:
        try:
            return await endpoint(request)
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_context=False, include_input=False)
            return JSONResponse({"detail": errors}, status_code=400)
        except OutOfStockError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=409)
        except ValueError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=400)
        except LookupError as exc:
            return JSONResponse({"detail": str(exc).strip("'\"")}, status_code=404)

    return run


def _sandbox(request: Request) -> Any:
    return request.app.state.sandbox


def _shop_id(request: Request) -> int:
    return _sandbox(request).shop(request.path_params["shop_id"]).shop_id


def _product_json(product: Any) -> dict[str, Any]:
    return {
        "product_id": product.product_id,
        "parent_id": product.parent_id,
        "children": list(product.children),
        "sku": product.sku,
        "name": product.name,
        "price": product.price,
        "stock": product.stock,
        "status": product.status,
    }


def _order_json(order: Any) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "invoice": order.invoice,
        "status": order.status,
        "awb": order.awb,
        "create_time": order.create_time,
        "update_time": order.update_time,
        "lines": [{"sku": x.sku, "quantity": x.quantity, "price": x.price} for x in order.lines],
    }


async def shops(request: Request) -> Response:
    sandbox = _sandbox(request)
    with sandbox.lock:
        rows = [
            {
                "name": s.name,
                "shop_id": s.shop_id,
                "fs_id": s.fs_id,
                "webhooks": dict(sandbox.apps[s.fs_id].urls),
                "products": len(s.products),
                "orders": len(s.orders),
            }
            for s in sandbox.shops.values()
        ]
    return JSONResponse(rows)


async def products(request: Request) -> Response:
    return JSONResponse([_product_json(p) for p in _sandbox(request).products(_shop_id(request))])


async def create_product(request: Request) -> Response:
    body = await _body(request, NewProduct)
    product_id = _sandbox(request).create_listing(
        _shop_id(request),
        sku=body.sku,
        name=body.name,
        price=body.price,
        stock=body.stock,
        variants=[(v.sku, v.option, v.price, v.stock) for v in body.variants],
    )
    return JSONResponse({"product_id": product_id}, status_code=201)


async def edit_stock(request: Request) -> Response:
    body = await _body(request, StockEdit)
    product_id = int(request.path_params["product_id"])
    _sandbox(request).set_stock(_shop_id(request), product_id, body.stock)
    return JSONResponse({"product_id": product_id, "stock": body.stock})


async def orders(request: Request) -> Response:
    return JSONResponse([_order_json(o) for o in _sandbox(request).orders(_shop_id(request))])


async def place_order(request: Request) -> Response:
    body = await _body(request, NewOrder)
    lines = [(line.sku, line.quantity) for line in body.lines] or None
    order_id = _sandbox(request).place_order(_shop_id(request), lines, paid=body.paid)
    return JSONResponse({"order_id": order_id}, status_code=201)


async def order_status(request: Request) -> Response:
    body = await _body(request, StatusChange)
    sandbox, shop_id = _sandbox(request), _shop_id(request)
    order_id = int(request.path_params["order_id"])
    sandbox.set_order_status(shop_id, order_id, body.status, by="control")
    return JSONResponse(_order_json(sandbox.order(shop_id, order_id)))


async def webhook(request: Request) -> Response:
    body = await _body(request, Webhook)
    _sandbox(request).set_webhook_urls(_shop_id(request), body.url)
    return JSONResponse({"url": body.url})


async def expire_token(request: Request) -> Response:
    return JSONResponse({"expired": _sandbox(request).expire_token(_shop_id(request))})


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


def _route(path: str, endpoint: Endpoint, methods: list[str]) -> Route:
    return Route(path, _guarded(endpoint), methods=methods)


ROUTES = [
    _route("/_sandbox/shops", shops, ["GET"]),
    _route("/_sandbox/shops/{shop_id}/products", products, ["GET"]),
    _route("/_sandbox/shops/{shop_id}/products", create_product, ["POST"]),
    _route("/_sandbox/shops/{shop_id}/products/{product_id}/stock", edit_stock, ["POST"]),
    _route("/_sandbox/shops/{shop_id}/orders", orders, ["GET"]),
    _route("/_sandbox/shops/{shop_id}/orders", place_order, ["POST"]),
    _route("/_sandbox/shops/{shop_id}/orders/{order_id}/status", order_status, ["POST"]),
    _route("/_sandbox/shops/{shop_id}/webhook", webhook, ["POST"]),
    _route("/_sandbox/shops/{shop_id}/expire_token", expire_token, ["POST"]),
    _route("/_sandbox/faults", faults, ["GET", "POST"]),
    _route("/_sandbox/rate_limit", rate_limit, ["POST"]),
    _route("/_sandbox/calls", calls, ["GET", "DELETE"]),
    _route("/_sandbox/buyers", buyers, ["POST"]),
    _route("/_sandbox/clock", clock, ["GET", "POST"]),
]
