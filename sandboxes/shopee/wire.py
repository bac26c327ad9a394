"""Shopee's envelope, error bodies and request-field readers, as the sandbox speaks them.

Error codes and messages are those of the Shopee v2 reference pages; module-prefixed codes
(`product.error_param`, `logistics.error_param`, `order.order_list_invalid_time`) are used
where the page of that module shows them. HTTP statuses are the sandbox's choice (the pages
state none; UNCONFIRMED): 403 auth/sign, 404 not found, 429 throttled, 500 server, else 400.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lapak.sandboxes.kit.wire import JSONBody, int_field, is_int
from starlette.responses import Response

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
    if error.endswith("not_found"):
        return 404
    return 400


class ShopeeError(Exception):
    """A request Shopee would refuse: `error` code and `message` as on the wire."""

    def __init__(self, error: str, message: str, *, status: int | None = None):
        super().__init__(f"{error}: {message}")
        self.error = error
        self.message = message
        self.status = status if status is not None else http_status(error)


def camel(field: str) -> str:
    return "".join(part.capitalize() for part in field.split("_"))


def missing(field: str, error: str = PRODUCT_PARAM) -> ShopeeError:
    """Shopee's "field is required" error (product pages: `invalid field X: value must  Not Null`).

    The double space is verbatim from the reference page's error example.
    """
    if error == PRODUCT_PARAM:
        return ShopeeError(error, f"invalid field {camel(field)}: value must  Not Null")
    return ShopeeError(error, f"Wrong parameters, detail: {field} is required.")


def invalid(detail: str, error: str = "error_param") -> ShopeeError:
    if error == PRODUCT_PARAM:
        return ShopeeError(error, f"Parameter is not match the constraints, {detail}.")
    return ShopeeError(error, f"Wrong parameters, detail: {detail}.")


def request_id() -> str:
    return os.urandom(16).hex()


def error_response(
    error: str,
    message: str,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
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


def envelope(reply: Reply) -> dict[str, Any]:
    if reply.top_level:
        return {**(reply.response or {}), "request_id": request_id(), "error": "", "message": ""}
    body: dict[str, Any] = {
        "request_id": request_id(),
        "error": "",
        "message": "",
        "warning": reply.warning,
    }
    if reply.response is not None:
        body["response"] = reply.response
    return body


# --- field readers ------------------------------------------------------------------------


def body_int(body: Mapping[str, Any], field: str, error: str = PRODUCT_PARAM) -> int:
    value = body.get(field)
    if value is None:
        raise missing(field, error)
    if not is_int(value):
        raise invalid(f"{field} should be an integer", error)
    return value


def body_str(body: Mapping[str, Any], field: str, error: str = PRODUCT_PARAM) -> str:
    value = body.get(field)
    if value is None or value == "":
        raise missing(field, error)
    if not isinstance(value, str):
        raise invalid(f"{field} should be a string", error)
    return value


def body_list(body: Mapping[str, Any], field: str, error: str = PRODUCT_PARAM) -> list[Any]:
    value = body.get(field)
    if value is None or value == []:
        raise missing(field, error)
    if not isinstance(value, list):
        raise invalid(f"{field} should be a list", error)
    return value


def query_int(query: Mapping[str, str], field: str, error: str, *, default: int | None = None):
    value = int_field(query.get(field), lambda _: invalid(f"{field} should be an integer", error))
    if value is not None:
        return value
    if default is not None:
        return default
    raise missing(field, error)
