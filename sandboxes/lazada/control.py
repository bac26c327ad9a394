"""The sandbox control API under /_sandbox/ (ours, not Lazada's): JSON in and out, no sign.

A thin HTTP face of `LazadaControl` (stores by Lapak store name). Bodies are validated with
pydantic; errors answer {"detail": ...} with 400 (bad body or a move the order cannot
make) or 404 (unknown store, SKU or order). Also serves the images /image/migrate stored.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandboxes.kit.faults import settings_from_request
from sandboxes.lazada.surface import LazadaControl


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
    sku: str
    stock: int = Field(ge=0)


class LineIn(_Body):
    sku: str
    quantity: int = Field(default=1, ge=1)


class NewOrder(_Body):
    lines: list[LineIn] = Field(default_factory=list)
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


Endpoint = Callable[[Request], Awaitable[Response]]


async def _body(request: Request, model: type[BaseModel]) -> Any:
    return model.model_validate_json(await request.body() or b"{}")


def _guarded(endpoint: Endpoint) -> Endpoint:
    async def run(request: Request) -> Response:
        try:
            return await endpoint(request)
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_context=False, include_input=False)
            return JSONResponse({"detail": errors}, status_code=400)
        except LookupError as exc:
            return JSONResponse({"detail": str(exc).strip("'\"")}, status_code=404)
        except ValueError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=400)

    return run


def _control(request: Request) -> LazadaControl:
    return request.app.state.control


def _store(request: Request) -> str:
    return request.path_params["store"]


async def stores(request: Request) -> Response:
    sandbox = _control(request).sandbox
    with sandbox.lock:
        rows = [
            {
                "name": s.name,
                "seller_id": s.seller_id,
                "app_key": s.app_key,
                "webhook_url": s.webhook_url,
                "products": len(s.live_products()),
                "orders": len(s.orders),
            }
            for s in sandbox.sellers.values()
        ]
    return JSONResponse(rows)


async def listings(request: Request) -> Response:
    rows = [
        asdict(x) | {"price": str(x.price)} for x in _control(request).listings(_store(request))
    ]
    return JSONResponse(rows)


async def add_listing(request: Request) -> Response:
    body = await _body(request, NewProduct)
    variants = [(v.sku, v.option, v.price, v.stock) for v in body.variants]
    item_id = _control(request).add_listing(
        _store(request),
        sku=body.sku,
        name=body.name,
        price=body.price,
        stock=body.stock,
        variants=variants,
    )
    return JSONResponse({"item_id": item_id}, status_code=201)


async def edit_stock(request: Request) -> Response:
    body = await _body(request, StockEdit)
    _control(request).set_stock(_store(request), body.sku, body.stock)
    return JSONResponse({"sku": body.sku, "stock": body.stock})


async def place_order(request: Request) -> Response:
    body = await _body(request, NewOrder)
    lines = [(line.sku, line.quantity) for line in body.lines] or None
    order_id = _control(request).place_order(_store(request), lines, paid=body.paid)
    return JSONResponse({"order_id": order_id}, status_code=201)


async def change_order(request: Request) -> Response:
    action = request.path_params["action"]
    if action not in ("pay", "cancel", "complete", "return"):
        raise ValueError(f"unknown action {action!r} (pay, cancel, complete, return)")
    control, order_id = _control(request), request.path_params["order_id"]
    control.change_order(_store(request), order_id, action)
    return JSONResponse(asdict(control.order(_store(request), order_id)))


async def order(request: Request) -> Response:
    found = _control(request).order(_store(request), request.path_params["order_id"])
    return JSONResponse(asdict(found))


async def webhook(request: Request) -> Response:
    body = await _body(request, Webhook)
    _control(request).set_webhook_url(_store(request), body.url)
    return JSONResponse({"url": body.url})


async def expire_token(request: Request) -> Response:
    return JSONResponse({"expired": _control(request).sandbox.expire_token(_store(request))})


async def auth_code(request: Request) -> Response:
    return JSONResponse({"code": _control(request).sandbox.issue_auth_code(_store(request))})


async def faults(request: Request) -> Response:
    control = _control(request)
    if request.method == "POST":
        raw = await request.json() if await request.body() else {}
        if not isinstance(raw, dict):
            raise ValueError("fault settings must be a JSON object")
        control.set_faults(settings_from_request(raw))
    return JSONResponse(control.sandbox.faults.settings.as_dict())


async def rate_limit(request: Request) -> Response:
    body = await _body(request, RateLimit)
    limiter = _control(request).sandbox.limiter
    _control(request).set_rate_limit(body.per_second, body.burst)
    return JSONResponse({"per_second": limiter.per_second, "burst": limiter.burst})


async def calls(request: Request) -> Response:
    control = _control(request)
    if request.method == "DELETE":
        control.reset_calls()
    return JSONResponse(control.call_counts())


async def buyers(request: Request) -> Response:
    body = await _body(request, Buyers)
    simulator = _control(request).sandbox.buyers
    simulator.start(body.orders_per_second)
    return JSONResponse(
        {"orders_per_second": simulator.orders_per_second, "placed": simulator.placed}
    )


async def clock(request: Request) -> Response:
    control = _control(request)
    if request.method == "POST":
        control.advance_clock((await _body(request, ClockMove)).advance)
    return JSONResponse({"now": control.now()})


async def image(request: Request) -> Response:
    """An image /image/migrate stored, at the URL it handed out."""
    sandbox = _control(request).sandbox
    name = request.path_params["name"]
    with sandbox.lock:
        data = next(
            (v for k, v in sandbox.images.items() if k.endswith(f"/_sandbox/p/{name}")), None
        )
    if data is None:
        return JSONResponse({"detail": "no such image"}, status_code=404)
    kind = "png" if name.endswith(".png") else "jpeg"
    return Response(data, media_type=f"image/{kind}")


def _route(path: str, endpoint: Endpoint, methods: list[str]) -> Route:
    return Route(path, _guarded(endpoint), methods=methods)


STORE = "/_sandbox/stores/{store}"
ROUTES = [
    _route("/_sandbox/stores", stores, ["GET"]),
    _route(f"{STORE}/listings", listings, ["GET"]),
    _route(f"{STORE}/listings", add_listing, ["POST"]),
    _route(f"{STORE}/stock", edit_stock, ["POST"]),
    _route(f"{STORE}/orders", place_order, ["POST"]),
    _route(f"{STORE}/orders/{{order_id}}", order, ["GET"]),
    _route(f"{STORE}/orders/{{order_id}}/{{action}}", change_order, ["POST"]),
    _route(f"{STORE}/webhook", webhook, ["POST"]),
    _route(f"{STORE}/expire_token", expire_token, ["POST"]),
    _route(f"{STORE}/auth_code", auth_code, ["POST"]),
    _route("/_sandbox/faults", faults, ["GET", "POST"]),
    _route("/_sandbox/rate_limit", rate_limit, ["POST"]),
    _route("/_sandbox/calls", calls, ["GET", "DELETE"]),
    _route("/_sandbox/buyers", buyers, ["POST"]),
    _route("/_sandbox/clock", clock, ["GET", "POST"]),
    _route("/_sandbox/p/{name}", image, ["GET"]),
]
