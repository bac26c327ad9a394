"""Shopee's envelope, error bodies and request-field readers, and what a handler is given.

Error codes and messages are those of the Shopee v2 reference pages; module-prefixed codes
(`product.error_param`, `logistics.error_param`, `order.order_list_invalid_time`) are used
where the page of that module shows them. HTTP statuses are the sandbox's choice (the pages
state none; UNCONFIRMED): 403 auth/sign, 404 not found, 429 throttled, 500 server, else 400.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from lapak.sandboxes.kit.wire import JSONBody, SandboxCall, given, int_field, is_int
from lapak.sandboxes.shopee.state import Shop
from starlette.responses import Response

if TYPE_CHECKING:
    from lapak.sandboxes.shopee.sandbox import ShopeeSandbox

T = TypeVar("T", int, str, list[Any])
AUTH_ERRORS = frozenset(
    {
        "error_auth",
        "error_sign",
        "error_shop",
        "error_permission",
        "refresh_token_expired",
        "error_shop_refresh_token",
    }
)
SERVER_ERRORS = frozenset({"error_server", "error_inner", "error_network"})
THROTTLED = "error_too_many_request"
PRODUCT_PARAM = "product.error_param"
LOGISTICS_PARAM = "logistics.error_param"


def http_status(error: str) -> int:
    if error in AUTH_ERRORS:
        return 403
    if error == THROTTLED:
        return 429
    if error in SERVER_ERRORS:
        return 500
    return 404 if error.endswith("not_found") else 400


class ShopeeError(Exception):
    """A request Shopee would refuse: `error` code and `message` as on the wire."""

    def __init__(self, error: str, message: str):
        super().__init__(f"{error}: {message}")
        self.error = error
        self.message = message


def missing(field: str, error: str = PRODUCT_PARAM) -> ShopeeError:
    """Shopee's "field is required" error (product pages: `invalid field X: value must  Not Null`,
    the double space verbatim from the reference page's error example)."""
    if error == PRODUCT_PARAM:
        camel = "".join(part.capitalize() for part in field.split("_"))
        return ShopeeError(error, f"invalid field {camel}: value must  Not Null")
    return ShopeeError(error, f"Wrong parameters, detail: {field} is required.")


def invalid(detail: str, error: str = "error_param") -> ShopeeError:
    if error == PRODUCT_PARAM:
        return ShopeeError(error, f"Parameter is not match the constraints, {detail}.")
    return ShopeeError(error, f"Wrong parameters, detail: {detail}.")


def request_id() -> str:
    return os.urandom(16).hex()


def error_response(
    error: str, message: str, status: int | None = None, headers: Mapping[str, str] | None = None
) -> Response:
    body = {"request_id": request_id(), "error": error, "message": message}
    code = status if status is not None else http_status(error)
    return JSONBody(body, status_code=code, headers=headers or None)


def server_error() -> Response:
    return error_response("error_server", "Something wrong. Please try later.")


def throttled(retry_after_seconds: float = 1.0) -> Response:
    """HTTP 429 with Shopee's (UNCONFIRMED) throttle error and a Retry-After in whole seconds."""
    seconds = str(max(1, math.ceil(retry_after_seconds)))
    return error_response(
        THROTTLED, "Too many requests, please try again later.", headers={"Retry-After": seconds}
    )


@dataclass(slots=True)
class Reply:
    """A handler's answer: `response` goes under "response" unless `top_level` (auth APIs)."""

    response: dict[str, Any] | None = None
    warning: str = ""
    top_level: bool = False

    def envelope(self) -> dict[str, Any]:
        if self.top_level:
            return {**(self.response or {}), "request_id": request_id(), "error": "", "message": ""}
        body = {"request_id": request_id(), "error": "", "message": "", "warning": self.warning}
        return body if self.response is None else {**body, "response": self.response}


@dataclass(slots=True, kw_only=True)
class Ctx(SandboxCall):
    """One authenticated call: the partner, and the shop of a shop API."""

    sandbox: ShopeeSandbox
    partner_id: int
    shop_or_none: Shop | None

    @property
    def shop(self) -> Shop:
        return given(self.shop_or_none, "shop")


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    handler: Callable[[Ctx], Reply]
    raw_body: bool = False  # multipart upload: hand the bytes over unparsed


_KIND_NAMES = {int: "an integer", str: "a string", list: "a list"}


def body_value(body: Mapping[str, Any], field: str, kind: type[T], error: str = PRODUCT_PARAM) -> T:
    """A required body field of `kind` (int, str or list); an empty string or list is missing."""
    value = body.get(field)
    if value is None or (kind is not int and value == kind()):
        raise missing(field, error)
    if not (is_int(value) if kind is int else isinstance(value, kind)):
        raise invalid(f"{field} should be {_KIND_NAMES[kind]}", error)
    return value


def query_int(query: Mapping[str, str], field: str, error: str, *, default: int | None = None):
    value = int_field(query.get(field), lambda _: invalid(f"{field} should be an integer", error))
    if value is not None:
        return value
    if default is not None:
        return default
    raise missing(field, error)
