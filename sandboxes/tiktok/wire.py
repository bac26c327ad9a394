"""TikTok Shop's envelope, error bodies and request-field readers, as the sandbox speaks them.

Every answer is {"code", "message", "request_id", "data"} (code 0 = success), codes and
messages as TikTok's common errors and each API's reference give them; HTTP 429 for
throttling, 500 for internal errors (docs/MARKETPLACES.md#tiktok-shop-throttle). 401 for
credential refusals and 200 with the code for the others are the sandbox's guesses
(docs/MARKETPLACES.md#tiktok-shop-unconfirmed).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping
from typing import Any

from lapak.sandboxes.kit.wire import JSONBody, is_int
from starlette.responses import Response

THROTTLED = 36009002
INTERNAL = 36009003
INVALID_PATH = 36009009
INVALID_METHOD = 36009010
INVALID_FORMAT = 36009022
CREDENTIALS = 36009004
EXPIRED = 105002
BAD_SIGN = 106001
NO_SHOP_CIPHER = 106013
TOKEN_SHOP_MISMATCH = 101000
PRODUCT_PARAM = 12052910
"""Invalid input parameters. Refer to the API documentation for details."""
ORDER_PARAM = 11001002
"""invalid param. (order and return searches: their pages list no parameter error;
UNCONFIRMED, borrowed from Ship Package's table)"""
FULFILLMENT_PARAM = 21001001

AUTH_ERRORS = frozenset({CREDENTIALS, EXPIRED, BAD_SIGN, NO_SHOP_CIPHER, TOKEN_SHOP_MISMATCH})
HTTP_STATUS = dict.fromkeys(AUTH_ERRORS, 401) | {
    THROTTLED: 429,
    INTERNAL: 500,
    INVALID_PATH: 404,
    INVALID_METHOD: 405,
    INVALID_FORMAT: 400,
}
"""Codes answered with another HTTP status than 200."""


class TikTokError(Exception):
    """A request TikTok would refuse: `code` and `message` as on the wire."""

    def __init__(self, code: int, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def product_param(detail: str) -> TikTokError:
    return TikTokError(PRODUCT_PARAM, f"Invalid input parameters. {detail}")


def order_param(detail: str) -> TikTokError:
    return TikTokError(ORDER_PARAM, f"invalid param. {detail}")


def request_id() -> str:
    """Like TikTok's: a UTC timestamp (YYYYMMDDhhmmss) + 20 upper-case hex digits."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + os.urandom(10).hex().upper()


def success(data: Any) -> Response:
    return JSONBody({"code": 0, "message": "Success", "request_id": request_id(), "data": data})


def error_response(code: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    body = {"code": code, "message": message, "request_id": request_id(), "data": None}
    return JSONBody(body, status_code=HTTP_STATUS.get(code, 200), headers=headers)


def server_error() -> Response:
    return error_response(
        INTERNAL,
        "Internal error. Please try again. If the issue persists after multiple attempts, "
        "please contact platform support.",
    )


def throttled(retry_after_seconds: float | None = None) -> Response:
    """HTTP 429 with code 36009002. TikTok documents no Retry-After header (UNCONFIRMED);
    the sandbox's own rate limiter names its wait when it knows it."""
    headers = {}
    if retry_after_seconds is not None:
        headers["Retry-After"] = str(max(1, math.ceil(retry_after_seconds)))
    return error_response(
        THROTTLED,
        "Too many requests. You've made too many requests in a short period of time.",
        headers=headers,
    )


def page_size(query: Mapping[str, str], allowed: range, error: TikTokError) -> int:
    """The query's page_size, refused with `error` when missing or outside `allowed`."""
    try:
        size = int(query.get("page_size", ""))
    except ValueError:
        size = 0
    if size not in allowed:
        raise error
    return size


def optional_int(body: Mapping[str, Any], field: str, error: TikTokError) -> int | None:
    value = body.get(field)
    if value is None:
        return None
    if not is_int(value):
        raise error
    return value
