"""The sandbox control API under /_sandbox/ (ours, not WooCommerce's): JSON in and out, no
authentication. Bodies are validated with pydantic; errors answer {"detail": ...} with 400
(bad body or action), 404 (unknown store, SKU or order) or 409 (stock too short).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from lapak.sandboxes.kit.faults import settings_from_request
from lapak.sandboxes.woocommerce.orders import OutOfStockError
from lapak.sandboxes.woocommerce.views import order_view, product_view, variation_view
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Variant(_Body):
    sku: str
    option: str
    price: int = Field(ge=0)
    stock: int = Field(default=0, ge=0)


class NewListing(_Body):
    sku: str
    name: str
    price: int = Field(ge=0)
    stock: int = Field(default=0, ge=0)
    variants: list[Variant] = Field(default_factory=list)


class StockEdit(_Body):
    stock: int = Field(ge=0)


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


Handler = Callable[[Request], Awaitable[Any]]


def _endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            result = await handler(request)
        except ValidationError as exc:
            return JSONResponse({"detail": exc.errors(include_url=False)}, status_code=400)
        except OutOfStockError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=409)
        except LookupError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=404)
        except ValueError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=400)
        return JSONResponse(result)

    return endpoint


async def _json(request: Request) -> Any:
    raw = await request.body()
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise ValueError("request body is not valid JSON") from None


async def shops(request: Request) -> Any:
    sandbox = request.app.state.sandbox
    with sandbox.lock:
        return [
            {
                "name": shop.name,
                "consumer_key": shop.consumer_key,
                "site_url": shop.site_url,
                "products": len(shop.products),
                "orders": len(shop.orders),
                "webhooks": [
                    {"topic": w.topic, "url": w.delivery_url, "status": w.status}
                    for w in shop.webhooks
                ],
            }
            for shop in sandbox.shops.values()
        ]


async def products(request: Request) -> Any:
    sandbox = request.app.state.sandbox
    name = request.path_params["store"]
    if request.method == "POST":
        listing = NewListing.model_validate(await _json(request))
        variants = [(v.sku, v.option, v.price, v.stock) for v in listing.variants]
        item = sandbox.add_listing(
            name,
            sku=listing.sku,
            title=listing.name,
            price=listing.price,
            stock=listing.stock,
            variants=variants,
        )
        return {"id": item}
    with sandbox.lock:
        shop = sandbox.shop(name)
        return [
            variation_view(shop, p) if p.type == "variation" else product_view(shop, p)
            for p in shop.products.values()
        ]


async def stock(request: Request) -> Any:
    edit = StockEdit.model_validate(await _json(request))
    request.app.state.sandbox.set_stock(
        request.path_params["store"], request.path_params["sku"], edit.stock
    )
    return {"ok": True}


async def orders(request: Request) -> Any:
    sandbox = request.app.state.sandbox
    name = request.path_params["store"]
    if request.method == "POST":
        new = NewOrder.model_validate(await _json(request))
        lines = [(line.sku, line.quantity) for line in new.lines] or None
        return {"id": sandbox.place_order(name, lines, paid=new.paid)}
    with sandbox.lock:
        shop = sandbox.shop(name)
        return [order_view(shop, o) for o in shop.orders.values()]


async def order(request: Request) -> Any:
    sandbox = request.app.state.sandbox
    name, order_id = request.path_params["store"], request.path_params["order"]
    if request.method == "POST":
        sandbox.change_order(name, order_id, request.path_params["action"])
    with sandbox.lock:
        shop = sandbox.shop(name)
        return order_view(shop, sandbox.order_in(shop, order_id))


async def webhook(request: Request) -> Any:
    config = WebhookConfig.model_validate(await _json(request))
    request.app.state.sandbox.set_webhook_url(request.path_params["store"], config.url)
    return {"ok": True}


async def faults(request: Request) -> Any:
    settings = settings_from_request(await _json(request))
    return request.app.state.sandbox.set_faults(settings).as_dict()


async def rate_limit(request: Request) -> Any:
    limit = RateLimit.model_validate(await _json(request))
    request.app.state.sandbox.set_rate_limit(limit.per_second, limit.burst)
    return {"per_second": limit.per_second, "burst": request.app.state.sandbox.limiter.burst}


async def buyers(request: Request) -> Any:
    wanted = Buyers.model_validate(await _json(request))
    request.app.state.sandbox.buyers.start(wanted.orders_per_second)
    return {"orders_per_second": request.app.state.sandbox.buyers.orders_per_second}


async def calls(request: Request) -> Any:
    return request.app.state.sandbox.call_counts()


ROUTES = [
    Route("/_sandbox/shops", _endpoint(shops)),
    Route("/_sandbox/shops/{store}/products", _endpoint(products), methods=["GET", "POST"]),
    Route("/_sandbox/shops/{store}/stock/{sku}", _endpoint(stock), methods=["POST"]),
    Route("/_sandbox/shops/{store}/orders", _endpoint(orders), methods=["GET", "POST"]),
    Route("/_sandbox/shops/{store}/orders/{order}", _endpoint(order)),
    Route("/_sandbox/shops/{store}/orders/{order}/{action}", _endpoint(order), methods=["POST"]),
    Route("/_sandbox/shops/{store}/webhook", _endpoint(webhook), methods=["POST"]),
    Route("/_sandbox/faults", _endpoint(faults), methods=["POST"]),
    Route("/_sandbox/rate_limit", _endpoint(rate_limit), methods=["POST"]),
    Route("/_sandbox/buyers", _endpoint(buyers), methods=["POST"]),
    Route("/_sandbox/calls", _endpoint(calls)),
]
