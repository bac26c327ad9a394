"""What every sandbox's HTTP control API under /_sandbox/ shares (ours, not a platform's).

The request bodies (pydantic, unknown fields refused), the error answers ({"detail": ...}
with 400 for a bad body or value, 404 for an unknown store/item/order, 409 for stock too
short), and the endpoints that only need `SandboxControl` (`app.state.control`) and the
sandbox's faults, limiter and buyers (`app.state.sandbox`): faults, rate limit, calls, buyer
simulator and clock; and the store endpoints (`store_*`, path param {store}) over
`SandboxControl`: listings, stock, checkouts, order moves, webhook, token expiry. A
platform's control.py lists them under its own paths and adds what is its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict
from typing import Any, TypeVar, get_args

from lapak.sandboxes.kit.control import OrderAction
from lapak.sandboxes.kit.faults import settings_from_request
from lapak.sandboxes.kit.images import image_kind, image_response, placeholder_response
from lapak.sandboxes.kit.orders import OutOfStockError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

Endpoint = Callable[[Request], Awaitable[Response]]
Conflict = Callable[[Exception], bool]
"""Whether an error is the 409 kind (stock too short), by the platform's own exceptions."""
M = TypeVar("M", bound=BaseModel)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VariantIn(Body):
    sku: str
    option: str
    price: int = Field(gt=0)
    stock: int = Field(default=0, ge=0)


class NewListing(Body):
    sku: str
    name: str
    price: int = Field(gt=0)
    stock: int = Field(default=0, ge=0)
    variants: list[VariantIn] = Field(default_factory=list)

    def variant_rows(self) -> list[tuple[str, str, int, int]]:
        """(sku, option, price, stock) per variant, as `SandboxControl.add_listing` takes."""
        return [(v.sku, v.option, v.price, v.stock) for v in self.variants]


class LineIn(Body):
    sku: str
    quantity: int = Field(default=1, ge=1)


class NewOrder(Body):
    lines: list[LineIn] = Field(default_factory=list)
    paid: bool = True

    def line_pairs(self) -> list[tuple[str, int]] | None:
        """(sku, quantity) per line; None (random in-stock units) when there are none."""
        return [(line.sku, line.quantity) for line in self.lines] or None


class StockEdit(Body):
    sku: str | None = None
    """The SKU, when the path does not name it."""
    stock: int = Field(ge=0)


class WebhookUrl(Body):
    url: str | None = None


class RateLimit(Body):
    per_second: float = Field(ge=0)
    burst: int | None = Field(default=None, ge=1)


class BuyerRate(Body):
    orders_per_second: float = Field(ge=0)


class ClockMove(Body):
    advance: float


async def read_body(request: Request, model: type[M]) -> M:
    """The request's JSON body as `model` (an empty body is `{}`); ValidationError."""
    return model.model_validate_json(await request.body() or b"{}")


def out_of_stock(exc: Exception) -> bool:
    """The kit's conflict: an order the stock cannot fill (kit/orders.py)."""
    return isinstance(exc, OutOfStockError)


def guarded(endpoint: Endpoint, conflict: Conflict = out_of_stock) -> Endpoint:
    """`endpoint` with bad bodies and values answered 400, conflicts 409, unknowns 404."""

    async def run(request: Request) -> Response:
        try:
            return await endpoint(request)
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_context=False, include_input=False)
            return JSONResponse({"detail": errors}, status_code=400)
        except (ValueError, LookupError) as exc:
            if conflict(exc):
                return JSONResponse({"detail": str(exc)}, status_code=409)
            if isinstance(exc, ValueError):
                return JSONResponse({"detail": str(exc)}, status_code=400)
            return JSONResponse({"detail": _lookup_message(exc)}, status_code=404)
        except Exception as exc:
            if conflict(exc):
                return JSONResponse({"detail": str(exc)}, status_code=409)
            raise

    return run


def _lookup_message(exc: LookupError) -> str:
    """The message of an unknown store/item/order; a KeyError's without the quotes its
    str() adds."""
    if isinstance(exc, KeyError) and len(exc.args) == 1 and isinstance(exc.args[0], str):
        return exc.args[0]
    return str(exc)


def route(path: str, endpoint: Endpoint, methods: list[str]) -> Route:
    """A control API route answering its errors as `guarded` does."""
    return Route(path, guarded(endpoint), methods=methods)


def _control(request: Request) -> Any:
    return request.app.state.control


def _sandbox(request: Request) -> Any:
    return request.app.state.sandbox


async def faults(request: Request) -> Response:
    if request.method == "POST":
        raw = await request.json() if await request.body() else {}
        if not isinstance(raw, dict):
            raise ValueError("fault settings must be a JSON object")
        _control(request).set_faults(settings_from_request(raw))
    return JSONResponse(_sandbox(request).faults.settings.as_dict())


async def rate_limit(request: Request) -> Response:
    body = await read_body(request, RateLimit)
    _control(request).set_rate_limit(body.per_second, body.burst)
    limiter = _sandbox(request).limiter
    return JSONResponse({"per_second": limiter.per_second, "burst": limiter.burst})


async def calls(request: Request) -> Response:
    control = _control(request)
    if request.method == "DELETE":
        control.reset_calls()
    return JSONResponse(control.call_counts())


async def buyers(request: Request) -> Response:
    body = await read_body(request, BuyerRate)
    _control(request).start_buyers(body.orders_per_second)
    simulator = _sandbox(request).buyers
    return JSONResponse(
        {"orders_per_second": simulator.orders_per_second, "placed": simulator.placed}
    )


async def clock(request: Request) -> Response:
    control = _control(request)
    if request.method == "POST":
        control.advance_clock((await read_body(request, ClockMove)).advance)
    return JSONResponse({"now": control.now()})


async def store_list(request: Request) -> Response:
    """GET /_sandbox/stores: every store of a `StoreSandbox` (`Store.summary`)."""
    sandbox = _sandbox(request)
    with sandbox.lock:
        return JSONResponse([store.summary() for store in sandbox.stores.values()])


async def store_listings(request: Request) -> Response:
    """GET /_sandbox/.../{store}/...: every SKU of the store, as `SandboxListing` rows."""
    rows = _control(request).listings(request.path_params["store"])
    return JSONResponse([asdict(row) | {"price": str(row.price)} for row in rows])


async def new_listing(request: Request) -> str:
    """A seller's own listing (`NewListing` body) on the path's {store}; its item id."""
    body = await read_body(request, NewListing)
    return _control(request).add_listing(
        request.path_params["store"],
        sku=body.sku,
        name=body.name,
        price=body.price,
        stock=body.stock,
        variants=body.variant_rows(),
    )


async def new_order(request: Request) -> str:
    """A buyer's checkout (`NewOrder` body) on the path's {store}; its order id."""
    body = await read_body(request, NewOrder)
    return _control(request).place_order(
        request.path_params["store"], body.line_pairs(), paid=body.paid
    )


async def store_add_listing(request: Request) -> Response:
    """POST .../{store}/listings (`NewListing`): a seller's own listing; 201 {"item_id"}."""
    return JSONResponse({"item_id": await new_listing(request)}, status_code=201)


async def store_place_order(request: Request) -> Response:
    """POST .../{store}/orders (`NewOrder`): a buyer's checkout; 201 {"order_id"}."""
    return JSONResponse({"order_id": await new_order(request)}, status_code=201)


async def store_stock(request: Request) -> Response:
    """POST .../{store}/stock {"sku", "stock"} (or a path naming {sku}, body {"stock"}):
    the seller sets a SKU's stock; echoes {"sku", "stock"}."""
    body = await read_body(request, StockEdit)
    sku = request.path_params.get("sku", body.sku)
    if sku is None:
        raise ValueError("sku is required")
    _control(request).set_stock(request.path_params["store"], sku, body.stock)
    return JSONResponse({"sku": sku, "stock": body.stock})


async def store_order(request: Request) -> Response:
    """GET .../{store}/orders/{order_id}: the order as `SandboxOrder`; POST
    .../{order_id}/{action}: the order after pay, cancel, complete or return."""
    control, store = _control(request), request.path_params["store"]
    order_id, action = request.path_params["order_id"], request.path_params.get("action")
    if action is not None:
        if action not in get_args(OrderAction):
            raise ValueError(f"unknown action {action!r} (pay, cancel, complete, return)")
        control.change_order(store, order_id, action)
    return JSONResponse(asdict(control.order(store, order_id)))


async def store_expire_token(request: Request) -> Response:
    """POST .../{store}/expire_token: the store's access tokens die now."""
    _control(request).expire_token(request.path_params["store"])
    return JSONResponse({"expired": True})


async def store_expired_count(request: Request) -> Response:
    """POST .../{store}/expire_token: the store's access tokens die now; answers how many
    were alive (`StoreSandbox.expire_token`, the store by the sandbox's own key or name)."""
    expired = _sandbox(request).expire_token(request.path_params["store"])
    return JSONResponse({"expired": expired})


async def store_auth_code(request: Request) -> Response:
    """POST .../{store}/auth_code: a one-time code as the consent redirect gives it."""
    return JSONResponse({"code": _sandbox(request).issue_auth_code(request.path_params["store"])})


async def store_webhook(request: Request) -> Response:
    """POST .../{store}/webhook {"url"}: where the store's pushes go (null: nowhere)."""
    body = await read_body(request, WebhookUrl)
    _control(request).set_webhook_url(request.path_params["store"], body.url)
    return JSONResponse({"url": body.url})


async def placeholder_image(request: Request) -> Response:
    """GET /_sandbox/images/{name}.png: the placeholder PNG of that name (kit/images.py)."""
    return placeholder_response(request.path_params["name"])


def uploaded_image(param: str, kind: Callable[[bytes], str | None] = image_kind) -> Endpoint:
    """GET ...{param}: the image the sandbox keeps in its `images` under that path
    parameter (an upload: Shopee's image_id, TikTok's uri), typed by `kind`; 404 when
    there is none."""

    async def endpoint(request: Request) -> Response:
        data = _sandbox(request).images.get(request.path_params[param])
        return image_response(data, kind)

    return endpoint


def shared_routes() -> list[Route]:
    """/_sandbox/faults, rate_limit, calls, buyers and clock."""
    return [
        Route("/_sandbox/faults", guarded(faults), methods=["GET", "POST"]),
        Route("/_sandbox/rate_limit", guarded(rate_limit), methods=["POST"]),
        Route("/_sandbox/calls", guarded(calls), methods=["GET", "DELETE"]),
        Route("/_sandbox/buyers", guarded(buyers), methods=["POST"]),
        Route("/_sandbox/clock", guarded(clock), methods=["GET", "POST"]),
    ]


def store_routes(prefix: str) -> list[Route]:
    """The store endpoints every platform serves alike under `prefix` (naming {store}):
    listings (GET, POST), checkouts, an order and its moves, and the webhook URL."""
    return [
        route(f"{prefix}/listings", store_listings, ["GET"]),
        route(f"{prefix}/listings", store_add_listing, ["POST"]),
        route(f"{prefix}/orders", store_place_order, ["POST"]),
        route(f"{prefix}/orders/{{order_id}}", store_order, ["GET"]),
        route(f"{prefix}/orders/{{order_id}}/{{action}}", store_order, ["POST"]),
        route(f"{prefix}/webhook", store_webhook, ["POST"]),
    ]


def control_routes(
    stores: str, own: Mapping[str, Endpoint] | None = None, *, kit_store_routes: bool = True
) -> list[Route]:
    """A platform's whole control API: its `own` routes, GET /_sandbox/{stores} (the kit's
    store list), the kit's store routes under /_sandbox/{stores}/{store} (unless
    `kit_store_routes` is False) and the shared ones.

    `own` maps "METHOD path" to an endpoint: a path starting with "/" is absolute, any
    other is under the store's path. Listed first, an own route wins over a kit store
    route of the same method and path; "GET /_sandbox/{stores}" replaces the store list."""
    store = f"/_sandbox/{stores}/{{store}}"
    routes = []
    for key, endpoint in {f"GET /_sandbox/{stores}": store_list, **(own or {})}.items():
        method, _, path = key.partition(" ")
        full = path if path.startswith("/") else f"{store}/{path}"
        routes.append(route(full, endpoint, [method]))
    return [*routes, *(store_routes(store) if kit_store_routes else ()), *shared_routes()]
