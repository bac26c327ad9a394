"""The sandbox control API under /_sandbox/ (ours, not TikTok's): JSON in and out, no sign.

It drives the same `TikTokControl` as Python callers. Bodies are validated with pydantic;
errors answer {"detail": ...} with 400 (bad body or action), 404 (unknown store, SKU or
order) or 409 (stock too short for an order).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandboxes.kit.faults import settings_from_request
from sandboxes.tiktok.images import image_kind
from sandboxes.tiktok.orders import OutOfStockError


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VariantIn(_Body):
    sku: str
    option: str
    price: int = Field(gt=0)
    stock: int = Field(default=0, ge=0)


class NewListing(_Body):
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
            status = 409 if isinstance(exc.__cause__, OutOfStockError) else 400
            return JSONResponse({"detail": str(exc)}, status_code=status)
        except LookupError as exc:
            return JSONResponse({"detail": str(exc).strip("'\"")}, status_code=404)

    return run


def _control(request: Request):
    return request.app.state.control


def _store(request: Request) -> str:
    name = request.path_params["store"]
    request.app.state.sandbox.shop(name)  # 404 for an unknown store
    return name


async def stores(request: Request) -> Response:
    sandbox = request.app.state.sandbox
    with sandbox.lock:
        rows = [
            {
                "name": s.name,
                "shop_cipher": s.shop_cipher,
                "shop_id": s.shop_id,
                "webhook_url": s.webhook_url,
                "products": len(s.live_products()),
                "orders": len(s.orders),
            }
            for s in sandbox.shops.values()
        ]
    return JSONResponse(rows)


async def listings(request: Request) -> Response:
    control, store = _control(request), _store(request)
    if request.method == "POST":
        body = await _body(request, NewListing)
        variants = [(v.sku, v.option, v.price, v.stock) for v in body.variants]
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
    body = await _body(request, StockEdit)
    _control(request).set_stock(_store(request), request.path_params["sku"], body.stock)
    return JSONResponse({"sku": request.path_params["sku"], "stock": body.stock})


async def orders(request: Request) -> Response:
    body = await _body(request, NewOrder)
    lines = [(line.sku, line.quantity) for line in body.lines] or None
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
    body = await _body(request, Webhook)
    _control(request).set_webhook_url(_store(request), body.url)
    return JSONResponse({"url": body.url})


async def faults(request: Request) -> Response:
    control = _control(request)
    if request.method == "POST":
        raw = await request.json() if await request.body() else {}
        if not isinstance(raw, dict):
            raise ValueError("fault settings must be a JSON object")
        control.set_faults(settings_from_request(raw))
    return JSONResponse(request.app.state.sandbox.faults.settings.as_dict())


async def rate_limit(request: Request) -> Response:
    body = await _body(request, RateLimit)
    _control(request).set_rate_limit(body.per_second, body.burst)
    limiter = request.app.state.sandbox.limiter
    return JSONResponse({"per_second": limiter.per_second, "burst": limiter.burst})


async def calls(request: Request) -> Response:
    control = _control(request)
    if request.method == "DELETE":
        control.reset_calls()
    return JSONResponse(control.call_counts())


async def buyers(request: Request) -> Response:
    body = await _body(request, Buyers)
    _control(request).start_buyers(body.orders_per_second)
    simulator = request.app.state.sandbox.buyers
    return JSONResponse(
        {"orders_per_second": simulator.orders_per_second, "placed": simulator.placed}
    )


async def clock(request: Request) -> Response:
    control = _control(request)
    if request.method == "POST":
        control.advance_clock((await _body(request, ClockMove)).advance)
    return JSONResponse({"now": control.now()})


async def image(request: Request) -> Response:
    data = request.app.state.sandbox.images.get(request.path_params["uri"])
    if data is None:
        return JSONResponse({"detail": "no such image"}, status_code=404)
    return Response(data, media_type=f"image/{image_kind(data) or 'png'}")


def _route(path: str, endpoint: Endpoint, methods: list[str]) -> Route:
    return Route(path, _guarded(endpoint), methods=methods)


ROUTES = [
    _route("/_sandbox/stores", stores, ["GET"]),
    _route("/_sandbox/stores/{store}/listings", listings, ["GET", "POST"]),
    _route("/_sandbox/stores/{store}/listings/{sku}/stock", stock, ["POST"]),
    _route("/_sandbox/stores/{store}/orders", orders, ["POST"]),
    _route("/_sandbox/stores/{store}/orders/{order}", order, ["GET"]),
    _route("/_sandbox/stores/{store}/orders/{order}/{action}", order, ["POST"]),
    _route("/_sandbox/stores/{store}/expire_token", expire_token, ["POST"]),
    _route("/_sandbox/stores/{store}/auth_code", auth_code, ["POST"]),
    _route("/_sandbox/stores/{store}/webhook", webhook, ["POST"]),
    _route("/_sandbox/faults", faults, ["GET", "POST"]),
    _route("/_sandbox/rate_limit", rate_limit, ["POST"]),
    _route("/_sandbox/calls", calls, ["GET", "DELETE"]),
    _route("/_sandbox/buyers", buyers, ["POST"]),
    _route("/_sandbox/clock", clock, ["GET", "POST"]),
    _route("/_sandbox/images/{uri:path}", image, ["GET"]),
]
