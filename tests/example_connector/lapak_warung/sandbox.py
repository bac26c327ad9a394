"""A fake Warung Online: its API (listed in `connector.py`), its own state, a buyer simulator
and signed webhook pushes, all driven through `lapak.sandboxes.kit.control.SandboxControl`.

Registered apart from the connector, under its own entry point (`sandbox` at the end of this
module; a connector needs a sandbox only to run Lapak's conformance suite).

`create_app(shops)` builds the Starlette app; `app.state.control` (also `app.state.sandbox`) is
the `WarungSandbox`, with stores keyed by name. Every API request is counted, then goes
through the `FaultInjector` (a 503 or a 429 on demand), the shop's token bucket and the
bearer token check. One lock guards the state: the API, the control methods, the buyer
thread and the push thread all take it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import math
import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

import httpx
from lapak.sandboxes.kit.control import OrderAction, SandboxListing, SandboxOrder
from lapak.sandboxes.kit.faults import FaultInjector, FaultSettings
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

B = TypeVar("B", bound=BaseModel)
TOKEN_SECONDS = 7200
WINDOW_SECONDS = 7 * 86400
CATEGORIES = {"101": "Makanan & Minuman", "102": "Fashion", "103": "Kerajinan"}
BUYERS = (("Sari", "Bandung"), ("Budi", "Surabaya"), ("Wati", "Medan"), ("Agus", "Makassar"))
LATER: tuple[OrderAction, ...] = ("pay", "pay", "cancel")
MOVES: dict[str, tuple[set[str], str]] = {  # action: (from statuses, to status)
    "pay": ({"awaiting_payment"}, "paid"),
    "cancel": ({"awaiting_payment", "paid"}, "cancelled"),
    "complete": ({"shipped"}, "delivered"),
    "return": ({"shipped", "delivered"}, "returned"),
}


class ApiError(Exception):
    """A refusal, answered as Warung Online shapes it: {"error": {"code", "message"}}."""

    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after

    def response(self) -> Response:
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after else None
        body = {"error": {"code": self.code, "message": self.message}}
        return Json(body, status_code=self.status, headers=headers)


class Json(JSONResponse):
    """Amounts (`Decimal`) go out as strings, "75000.50", as Warung Online sends them."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, default=str).encode()


def _throttled(wait: float) -> ApiError:
    return ApiError(429, "rate_limited", "too many requests", retry_after=max(1, math.ceil(wait)))


# --- request bodies --------------------------------------------------------------------------


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TokenRequest(_Body):
    api_key: str
    api_secret: str


class NewVariant(_Body):
    sku: str = Field(min_length=1)
    name: str | None = None
    price: Decimal = Field(gt=0)
    stock: int = Field(ge=0)


class NewItem(_Body):
    name: str = Field(min_length=1)
    description: str = ""
    category_id: str
    weight_grams: int = Field(gt=0)
    images: list[str] = Field(min_length=1)
    variants: list[NewVariant] = Field(min_length=1, max_length=50)


class VariantName(_Body):
    id: str
    name: str | None = None


class ItemPatch(_Body):
    name: str | None = Field(default=None, min_length=1)
    description: str | None = None
    variants: list[VariantName | NewVariant] = Field(default_factory=list, max_length=50)


class Row(_Body):  # a row of POST /v1/stock (stock) or /v1/prices (price)
    variant_id: str
    stock: int | None = None
    price: Decimal | None = None


class Batch(_Body):
    updates: list[Row] = Field(min_length=1, max_length=100)


class Shipment(_Body):
    tracking_number: str = Field(min_length=1)


def _parse(model: type[B], body: bytes) -> B:
    try:
        return model.model_validate_json(body or b"{}")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise ApiError(400, "invalid_request", f"{where}: {first['msg']}") from None


def _query_int(request: Request, name: str, default: int | None = None) -> int:
    value = request.query_params.get(name)
    if value is None and default is not None:
        return default
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ApiError(400, "invalid_request", f"{name}: an integer is required") from None


def _query_ids(request: Request, most: int) -> list[str]:
    ids = [i for i in request.query_params.get("ids", "").split(",") if i]
    if not 1 <= len(ids) <= most:
        raise ApiError(400, "invalid_request", f"ids: between 1 and {most} ids")
    return ids


# --- state -----------------------------------------------------------------------------------


@dataclass
class Variant:
    id: str
    sku: str
    name: str | None
    price: Decimal
    stock: int


@dataclass
class Item:
    id: str
    name: str
    description: str
    category_id: str
    variants: list[Variant]


@dataclass
class Line:
    line_id: str
    sku: str
    name: str
    quantity: int
    unit_price: Decimal


@dataclass
class Order:
    id: str
    status: str
    created_at: float
    updated_at: float
    ship_by: float
    total: Decimal
    buyer: dict[str, str]  # name and city
    lines: list[Line]
    currency: str = "IDR"
    tracking_number: str | None = None


@dataclass
class Shop:
    name: str
    api_key: str
    api_secret: str
    items: dict[str, Item] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    webhook_url: str | None = None

    def rows(self) -> Iterator[tuple[Item, Variant]]:
        return ((item, variant) for item in self.items.values() for variant in item.variants)

    def variant(self, variant_id: str) -> tuple[Item, Variant] | None:
        return next((row for row in self.rows() if row[1].id == variant_id), None)

    def by_sku(self, sku: str) -> tuple[Item, Variant]:
        found = next((row for row in self.rows() if row[1].sku == sku), None)
        if found is None:
            raise LookupError(f"{self.name}: no listing with SKU {sku!r}")
        return found

    def order(self, order_id: str) -> Order:
        if order_id not in self.orders:
            raise LookupError(f"{self.name}: no order {order_id}")
        return self.orders[order_id]


# --- the sandbox -----------------------------------------------------------------------------


Handler = Callable[[Any, Request, bytes], dict[str, Any]]


class WarungSandbox:
    """The fake marketplace and its `SandboxControl`."""

    platform = "warung"
    tokens_expire = True
    sample_category = "101"

    def __init__(self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0):
        self._shops = {s["name"]: Shop(s["name"], s["api_key"], s["api_secret"]) for s in shops}
        self._lock = threading.RLock()
        self._random = random.Random(seed)
        self._ids = itertools.count(10001)
        self._order_ids = itertools.count(1)
        self._offset = 0.0
        self._tokens: dict[str, tuple[str, float]] = {}  # token: (shop, expires at)
        self._calls: Counter[str] = Counter()
        self._rate: tuple[float, int] = (10.0, 20)  # calls a second per shop, burst
        self._buckets: dict[str, tuple[float, float]] = {}  # shop: (tokens, monotonic time)
        self._faults = FaultInjector(
            error_response=lambda: ApiError(503, "internal_error", "try again later").response(),
            throttle_response=lambda: _throttled(1).response(),
            seed=seed,
        )
        self._pushes: queue.Queue[tuple[str, str, bytes] | None] = queue.Queue()
        self._pusher = threading.Thread(target=self._push_loop, name="warung-push", daemon=True)
        self._pusher.start()
        self._buyers: tuple[threading.Thread, threading.Event] | None = None

    # --- the API -------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        return [
            self._route("POST", "/v1/auth/token", self._issue_token, auth=False),
            self._route("GET", "/v1/items", self._list_items),
            self._route("POST", "/v1/items", self._create_item),
            self._route("PATCH", "/v1/items/{item_id}", self._patch_item),
            self._route("GET", "/v1/variants", self._list_variants),
            self._route("POST", "/v1/stock", self._set_stock_rows),
            self._route("POST", "/v1/prices", self._set_price_rows),
            self._route("GET", "/v1/orders", self._list_orders),
            self._route("GET", "/v1/orders/batch", self._order_batch),
            self._route("POST", "/v1/orders/{order_id}/ship", self._ship),
        ]

    def _route(self, method: str, path: str, handler: Handler, *, auth: bool = True) -> Route:
        async def endpoint(request: Request) -> Response:
            body = await request.body()
            with self._lock:
                self._calls[path] += 1

            async def serve() -> Response:
                try:
                    with self._lock:
                        shop = self._authorize(request) if auth else None
                        return Json(handler(shop, request, body))
                except ApiError as exc:
                    return exc.response()

            return await self._faults.run(request.url.path, serve)

        return Route(path, endpoint, methods=[method])

    def _authorize(self, request: Request) -> Shop:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        held = self._tokens.get(token) if scheme == "Bearer" else None
        if held is None:
            raise ApiError(401, "invalid_token", "missing or unknown access token")
        if self.now() >= held[1]:
            raise ApiError(401, "token_expired", "the access token has expired")
        per_second, burst = self._rate
        if per_second > 0:  # the shop's token bucket (real time, not the sandbox clock)
            now = time.monotonic()
            tokens, last = self._buckets.get(held[0], (burst, now))
            tokens = min(burst, tokens + (now - last) * per_second)
            self._buckets[held[0]] = (tokens - 1 if tokens >= 1 else tokens, now)
            if tokens < 1:
                raise _throttled((1 - tokens) / per_second)
        return self._shops[held[0]]

    def _issue_token(self, _: None, request: Request, body: bytes) -> dict[str, Any]:
        asked = _parse(TokenRequest, body)
        shop = next((s for s in self._shops.values() if s.api_key == asked.api_key), None)
        if shop is None or not hmac.compare_digest(shop.api_secret, asked.api_secret):
            raise ApiError(401, "invalid_credentials", "unknown API key or wrong secret")
        token = f"wt_{self._random.getrandbits(128):032x}"
        self._tokens[token] = (shop.name, self.now() + TOKEN_SECONDS)
        return {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_SECONDS}

    def _list_items(self, shop: Shop, request: Request, _: bytes) -> dict[str, Any]:
        page, size = _query_int(request, "page", 1), _query_int(request, "page_size", 20)
        if page < 1 or not 1 <= size <= 100:
            raise ApiError(400, "invalid_request", "page from 1, page_size 1 to 100")
        items = list(shop.items.values())
        return {
            "items": [asdict(i) for i in items[(page - 1) * size : page * size]],
            "has_more": page * size < len(items),
        }

    def _create_item(self, shop: Shop, _: Request, body: bytes) -> dict[str, Any]:
        new = _parse(NewItem, body)
        if new.category_id not in CATEGORIES:
            raise ApiError(400, "invalid_category", f"no category {new.category_id!r}")
        return asdict(
            self._add_item(shop, new.name, new.description, new.category_id, new.variants)
        )

    def _patch_item(self, shop: Shop, request: Request, body: bytes) -> dict[str, Any]:
        patch = _parse(ItemPatch, body)
        item = shop.items.get(request.path_params["item_id"])
        if item is None:
            raise ApiError(404, "not_found", "no such item")
        held = {v.id: v for v in item.variants}
        renamed = [v for v in patch.variants if isinstance(v, VariantName)]
        added = [v for v in patch.variants if isinstance(v, NewVariant)]
        if any(v.id not in held for v in renamed):
            raise ApiError(404, "not_found", "a variant id is not on this item")
        _unique([v.sku for v in item.variants] + [v.sku for v in added])
        item.name = patch.name or item.name
        item.description = item.description if patch.description is None else patch.description
        for v in renamed:
            held[v.id].name = v.name
        item.variants += [Variant(self._id(), v.sku, v.name, v.price, v.stock) for v in added]
        return asdict(item)

    def _list_variants(self, shop: Shop, request: Request, _: bytes) -> dict[str, Any]:
        found = [shop.variant(i) for i in _query_ids(request, 100)]
        return {"variants": [{**asdict(v), "item_id": i.id} for i, v in filter(None, found)]}

    def _set_stock_rows(self, shop: Shop, _: Request, body: bytes) -> dict[str, Any]:
        def apply(variant: Variant, row: Row) -> str | None:
            if row.stock is None or row.stock < 0:
                return "stock: 0 or more is required"
            variant.stock = row.stock
            return None

        return _rows(shop, _parse(Batch, body).updates, apply)

    def _set_price_rows(self, shop: Shop, _: Request, body: bytes) -> dict[str, Any]:
        def apply(variant: Variant, row: Row) -> str | None:
            if row.price is None or row.price <= 0:
                return "price: more than 0 is required"
            variant.price = row.price
            return None

        return _rows(shop, _parse(Batch, body).updates, apply)

    def _list_orders(self, shop: Shop, request: Request, _: bytes) -> dict[str, Any]:
        start, stop = _query_int(request, "updated_from"), _query_int(request, "updated_to")
        limit = _query_int(request, "limit", 50)
        if stop - start > WINDOW_SECONDS:
            raise ApiError(400, "window_too_wide", "updated_from to updated_to: 7 days at most")
        if stop < start or not 1 <= limit <= 50:
            raise ApiError(400, "invalid_request", "updated_to before updated_from, or limit")
        hits = sorted(
            (o.updated_at, o.id) for o in shop.orders.values() if start <= o.updated_at <= stop
        )
        if cursor := request.query_params.get("cursor"):  # "updated_at:id" of the last one sent
            try:
                at, last = cursor.split(":", 1)
                hits = [hit for hit in hits if hit > (float(at), last)]
            except ValueError:
                raise ApiError(400, "invalid_cursor", "cursor is not one we gave") from None
        page = hits[:limit]
        more = len(hits) > limit
        return {
            "orders": [{"id": oid, "updated_at": at} for at, oid in page],
            "next_cursor": f"{page[-1][0]!r}:{page[-1][1]}" if more else None,
        }

    def _order_batch(self, shop: Shop, request: Request, _: bytes) -> dict[str, Any]:
        ids = _query_ids(request, 50)
        return {"orders": [asdict(shop.orders[i]) for i in ids if i in shop.orders]}

    def _ship(self, shop: Shop, request: Request, body: bytes) -> dict[str, Any]:
        tracking = _parse(Shipment, body).tracking_number
        order = shop.orders.get(request.path_params["order_id"])
        if order is None:
            raise ApiError(404, "not_found", "no such order")
        if order.status in ("shipped", "delivered", "returned"):
            if order.tracking_number != tracking:
                raise ApiError(409, "already_shipped", f"order {order.id} left with another number")
        elif order.status != "paid":
            raise ApiError(409, "not_shippable", f"order {order.id} is {order.status}")
        else:
            order.tracking_number = tracking
            self._move(shop, order, "shipped")
        return asdict(order)

    # --- shared by the API and the control -----------------------------------------------

    def _id(self) -> str:
        return str(next(self._ids))

    def _add_item(
        self,
        shop: Shop,
        name: str,
        description: str,
        category_id: str,
        variants: Sequence[NewVariant],
    ) -> Item:
        _unique([v.sku for v in variants])
        rows = [Variant(self._id(), v.sku, v.name, v.price, v.stock) for v in variants]
        item = Item(self._id(), name, description, category_id, rows)
        shop.items[item.id] = item
        return item

    def _move(self, shop: Shop, order: Order, status: str) -> None:
        order.status, order.updated_at = status, self.now()
        if status in ("cancelled", "returned"):  # the units are sellable again
            for line in order.lines:
                with contextlib.suppress(LookupError):  # unless the seller deleted it since
                    shop.by_sku(line.sku)[1].stock += line.quantity
        self._push(shop, order, "order.updated")

    def _push(self, shop: Shop, order: Order, event: str) -> None:
        if shop.webhook_url:
            payload = {
                "event": event,
                "order_id": order.id,
                "status": order.status,
                "delivery_id": f"{self._random.getrandbits(64):016x}",
                "sent_at": self.now(),
            }
            self._pushes.put((shop.webhook_url, shop.api_secret, json.dumps(payload).encode()))

    def _push_loop(self) -> None:
        with httpx.Client(timeout=5.0) as client:
            while (job := self._pushes.get()) is not None:
                try:
                    _deliver(client, *job)
                finally:
                    self._pushes.task_done()
            self._pushes.task_done()

    # --- SandboxControl ------------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self._offset

    def advance_clock(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def add_listing(
        self,
        store: str,
        *,
        sku: str,
        name: str,
        price: int,
        stock: int = 0,
        variants: Sequence[tuple[str, str, int, int]] = (),
    ) -> str:
        rows = [NewVariant(sku=s, name=o, price=Decimal(p), stock=q) for s, o, p, q in variants]
        rows = rows or [NewVariant(sku=sku, price=Decimal(price), stock=stock)]
        with self._lock:
            return self._add_item(self._shops[store], name, "", self.sample_category, rows).id

    def listings(self, store: str) -> list[SandboxListing]:
        with self._lock:
            return [
                SandboxListing(v.sku, i.id, v.id, i.name, v.price, v.stock)
                for i in self._shops[store].items.values()
                for v in i.variants
            ]

    def set_stock(self, store: str, sku: str, stock: int) -> None:
        with self._lock:
            self._shops[store].by_sku(sku)[1].stock = stock

    def remove_listing(self, store: str, sku: str) -> None:
        with self._lock:
            shop = self._shops[store]
            del shop.items[shop.by_sku(sku)[0].id]

    def place_order(
        self, store: str, lines: Sequence[tuple[str, int]] | None = None, *, paid: bool = True
    ) -> str:
        with self._lock:
            shop = self._shops[store]
            if lines is None:
                stocked = [v for _, v in shop.rows() if v.stock > 0]
                if not stocked:
                    raise ValueError(f"{store}: nothing in stock")
                lines = [(v.sku, 1) for v in self._random.sample(stocked, min(2, len(stocked)))]
            wanted: Counter[str] = Counter()
            for sku, quantity in lines:
                wanted[sku] += quantity
            for sku, quantity in wanted.items():
                if shop.by_sku(sku)[1].stock < quantity:
                    raise ValueError(f"{store}: fewer than {quantity} of {sku} in stock")
            order_id, now = f"WO{next(self._order_ids):06d}", self.now()
            rows = []
            for n, (sku, quantity) in enumerate(lines, 1):
                item, variant = shop.by_sku(sku)
                variant.stock -= quantity
                rows.append(Line(f"{order_id}-{n}", sku, item.name, quantity, variant.price))
            total = sum((line.quantity * line.unit_price for line in rows), Decimal(0))
            name, city = self._random.choice(BUYERS)
            status = "paid" if paid else "awaiting_payment"
            order = Order(
                order_id,
                status,
                now,
                now,
                now + 2 * 86400,
                total,
                {"name": name, "city": city},
                rows,
            )
            shop.orders[order.id] = order
            self._push(shop, order, "order.created")
            return order.id

    def change_order(self, store: str, external_id: str, action: OrderAction) -> None:
        with self._lock:
            shop = self._shops[store]
            order = shop.order(external_id)
            sources, status = MOVES[action]
            if order.status not in sources:
                raise ValueError(f"cannot {action} order {order.id}: it is {order.status}")
            self._move(shop, order, status)

    def order(self, store: str, external_id: str) -> SandboxOrder:
        with self._lock:
            order = self._shops[store].order(external_id)
            lines = tuple((line.sku, line.quantity) for line in order.lines)
            return SandboxOrder(order.id, order.status, order.tracking_number, lines)

    def order_ids(self, store: str) -> list[str]:
        with self._lock:
            return list(self._shops[store].orders)

    def expire_token(self, store: str) -> None:
        with self._lock:
            for token, (shop, _) in list(self._tokens.items()):
                if shop == store:
                    self._tokens[token] = (shop, self.now())

    def set_faults(self, settings: FaultSettings | None = None, **changes: Any) -> FaultSettings:
        return self._faults.configure(settings or FaultSettings(), **changes)

    def set_rate_limit(self, per_second: float, burst: int | None = None) -> None:
        with self._lock:
            self._rate = (per_second, burst or max(1, math.ceil(per_second * 2)))
            self._buckets.clear()

    def set_webhook_url(self, store: str, url: str | None) -> None:
        with self._lock:
            self._shops[store].webhook_url = url

    def flush_webhooks(self, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._pushes.all_tasks_done:
            while self._pushes.unfinished_tasks:
                if not self._pushes.all_tasks_done.wait(deadline - time.monotonic()):
                    return False
        return True

    def call_counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._calls)

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def start_buyers(self, orders_per_second: float) -> None:
        """Random shoppers: one checkout a tick (one in five unpaid), and an unpaid order
        moves on (paid, or now and then cancelled)."""
        self.stop_buyers()
        if orders_per_second <= 0:
            return
        stop = threading.Event()

        def shop_around() -> None:
            while not stop.wait(1 / orders_per_second):
                with self._lock:
                    shop = self._random.choice(list(self._shops.values()))
                    unpaid = [o.id for o in shop.orders.values() if o.status == "awaiting_payment"]
                    try:
                        self.place_order(shop.name, paid=self._random.random() < 0.8)
                        if unpaid:  # someone pays (or gives up on) an earlier checkout
                            action = self._random.choice(LATER)
                            self.change_order(shop.name, self._random.choice(unpaid), action)
                    except ValueError:
                        pass  # nothing in stock

        thread = threading.Thread(target=shop_around, name="warung-buyers", daemon=True)
        self._buyers = (thread, stop)
        thread.start()

    def stop_buyers(self) -> None:
        if self._buyers is not None:
            thread, stop = self._buyers
            stop.set()
            thread.join(5.0)
            self._buyers = None

    def close(self) -> None:
        self.stop_buyers()
        self._pushes.put(None)
        self._pusher.join(5.0)


def _deliver(client: httpx.Client, url: str, secret: str, body: bytes) -> None:
    """One push: X-Warung-Signature = hex HMAC-SHA256(API secret, raw body). Tried three
    times, then dropped."""
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Warung-Signature": signature}
    for attempt in range(3):
        with contextlib.suppress(httpx.HTTPError):
            if client.post(url, content=body, headers=headers).is_success:
                return
        if attempt < 2:
            time.sleep(0.2 * (attempt + 1))


def _unique(skus: list[str]) -> None:
    if len(set(skus)) != len(skus):
        raise ApiError(400, "duplicate_sku", "a SKU appears twice in one item")


def _rows(shop: Shop, rows: list[Row], apply: Callable[[Variant, Row], str | None]) -> dict:
    """One result per row of a stock or price batch: a bad row fails alone."""
    results: list[dict[str, Any]] = []
    for row in rows:
        found = shop.variant(row.variant_id)
        problem = "no such variant" if found is None else apply(found[1], row)
        result: dict[str, Any] = {"variant_id": row.variant_id, "ok": problem is None}
        if problem:
            code = "not_found" if found is None else "invalid_value"
            result["error"] = {"code": code, "message": problem}
        results.append(result)
    return {"results": results}


def create_app(shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> Starlette:
    """The fake Warung Online for these shops (each `{"name", "api_key", "api_secret"}`)."""
    sandbox = WarungSandbox(shops, seed=seed)
    app = Starlette(routes=sandbox.routes())
    app.state.sandbox = app.state.control = sandbox
    return app


class WarungSandboxEntry:
    """What the `lapak.sandboxes` entry point names (`sandboxes.registry.Sandbox`): Lapak's
    conformance suite, `lapak demo` and `lapak sandbox` find the fake Warung Online here."""

    platform: str = "warung"

    def credentials(self, name: str, index: int) -> dict[str, Any]:
        """Fake but well-formed keys, the same for the same store every time."""
        digest = hashlib.sha256(f"warung/{name}/{index}".encode()).hexdigest()
        return {"api_key": f"wk_{digest[:16]}", "api_secret": f"ws_{digest[16:48]}"}

    def app(self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> Starlette:
        return create_app(shops, seed=seed)


sandbox = WarungSandboxEntry()
