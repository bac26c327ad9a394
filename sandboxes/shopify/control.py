"""The sandbox control API under /_sandbox/ (ours, not Shopify's): JSON in and out.

Shops are named as in Lapak's config. Bodies are validated with pydantic; errors answer
{"detail": ...} with 400 (bad body), 404 (unknown shop/SKU/order) or 409 (stock short).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandboxes.kit.faults import settings_from_request
from sandboxes.shopify.orders import OutOfStockError


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
    sku: str
    stock: int


class OrderLineIn(_Body):
    sku: str
    quantity: int = Field(default=1, ge=1)


class NewOrder(_Body):
    lines: list[OrderLineIn] = Field(default_factory=list)
    paid: bool = True


class WebhookConfig(_Body):
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
        except OutOfStockError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=409)
        except ValueError as exc:
            status = 409 if "in stock" in str(exc) else 400
            return JSONResponse({"detail": str(exc)}, status_code=status)
        except LookupError as exc:
            return JSONResponse({"detail": str(exc).strip("'\"")}, status_code=404)

    return run


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
                "webhook_url": shop.webhook_url,
                "products": len(shop.products),
                "orders": len(shop.orders),
            }
            for shop in sandbox.shops.values()
        ]
    return JSONResponse(rows)


async def listings(request: Request) -> Response:
    control = _control(request)
    if request.method == "POST":
        body = await _body(request, NewListing)
        variants = [(v.sku, v.option, v.price, v.stock) for v in body.variants]
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
    return JSONResponse(
        [
            {
                "sku": r.sku,
                "item_id": r.item_id,
                "variant_id": r.variant_id,
                "name": r.name,
                "price": str(r.price),
                "stock": r.stock,
            }
            for r in rows
        ]
    )


async def stock(request: Request) -> Response:
    body = await _body(request, StockEdit)
    _control(request).set_stock(_store(request), body.sku, body.stock)
    return JSONResponse({"sku": body.sku, "stock": body.stock})


async def orders(request: Request) -> Response:
    body = await _body(request, NewOrder)
    lines = [(line.sku, line.quantity) for line in body.lines] or None
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
    body = await _body(request, WebhookConfig)
    _control(request).set_webhook_url(_store(request), body.url)
    return JSONResponse({"url": body.url})


async def auth_code(request: Request) -> Response:
    return JSONResponse({"code": request.app.state.sandbox.issue_auth_code(_store(request))})


async def revoke(request: Request) -> Response:
    request.app.state.sandbox.revoke_token(_store(request))
    return JSONResponse({"revoked": True})


async def faults(request: Request) -> Response:
    sandbox = request.app.state.sandbox
    if request.method == "POST":
        raw = await request.json() if await request.body() else {}
        if not isinstance(raw, dict):
            raise ValueError("fault settings must be a JSON object")
        sandbox.set_faults(settings_from_request(raw))
    return JSONResponse(sandbox.faults.settings.as_dict())


async def rate_limit(request: Request) -> Response:
    body = await _body(request, RateLimit)
    _control(request).set_rate_limit(body.per_second, body.burst)
    return JSONResponse({"per_second": body.per_second, "burst": body.burst})


async def calls(request: Request) -> Response:
    control = _control(request)
    if request.method == "DELETE":
        control.reset_calls()
    return JSONResponse(control.call_counts())


async def buyers(request: Request) -> Response:
    body = await _body(request, Buyers)
    _control(request).start_buyers(body.orders_per_second)
    return JSONResponse({"orders_per_second": body.orders_per_second})


async def clock(request: Request) -> Response:
    control = _control(request)
    if request.method == "POST":
        control.advance_clock((await _body(request, ClockMove)).advance)
    return JSONResponse({"now": control.now()})


def _route(path: str, endpoint: Endpoint, methods: list[str]) -> Route:
    return Route(path, _guarded(endpoint), methods=methods)


ROUTES = [
    _route("/_sandbox/shops", shops, ["GET"]),
    _route("/_sandbox/shops/{store}/listings", listings, ["GET", "POST"]),
    _route("/_sandbox/shops/{store}/stock", stock, ["POST"]),
    _route("/_sandbox/shops/{store}/orders", orders, ["POST"]),
    _route("/_sandbox/shops/{store}/orders/{order_id}/{action}", order_action, ["POST"]),
    _route("/_sandbox/shops/{store}/webhook", webhook, ["POST"]),
    _route("/_sandbox/shops/{store}/auth_code", auth_code, ["POST"]),
    _route("/_sandbox/shops/{store}/revoke", revoke, ["POST"]),
    _route("/_sandbox/faults", faults, ["GET", "POST"]),
    _route("/_sandbox/rate_limit", rate_limit, ["POST"]),
    _route("/_sandbox/calls", calls, ["GET", "DELETE"]),
    _route("/_sandbox/buyers", buyers, ["POST"]),
    _route("/_sandbox/clock", clock, ["GET", "POST"]),
]
