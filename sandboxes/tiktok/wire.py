"""TikTok Shop's envelope, error bodies, the checks every call passes, and what a handler is
given.

Every answer is {"code", "message", "request_id", "data"} (code 0 = success), codes and
messages as TikTok's common errors and each API's reference give them; HTTP 429 for
throttling, 500 for internal errors (docs/MARKETPLACES.md#tiktok-shop-throttle). 401 for
credential refusals and 200 with the code for the others are the sandbox's guesses
(docs/MARKETPLACES.md#tiktok-shop-unconfirmed).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lapak.sandboxes.kit.wire import JSONBody, SandboxCall, given, is_int
from lapak.sandboxes.tiktok.state import Shop
from starlette.responses import Response

if TYPE_CHECKING:
    from lapak.sandboxes.tiktok.sandbox import TikTokSandbox

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
BAD_APP_KEY = "Invalid credentials. Invalid `app_key` query parameter."

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


def time_bounds(
    body: Mapping[str, Any], names: tuple[str, ...], error: Callable[[str], TikTokError]
) -> list[int | None]:
    """The body's optional unix-time filters `names`, refused with `error` when one is not
    an integer."""
    for name in names:
        if body.get(name) is not None and not is_int(body.get(name)):
            raise error(f"{name} is a unix timestamp.")
    return [body.get(name) for name in names]


# --- the gate -------------------------------------------------------------------------
# In the sandbox's order (docs/MARKETPLACES.md#tiktok-shop-unconfirmed): app_key, sign and
# timestamp present; timestamp within [now − 5 min, now + 30 s]; app_key known; sign correct
# (docs/MARKETPLACES.md#tiktok-shop-auth-and-signing); x-tts-access-token valid and not
# expired; shop_cipher present for shop APIs (absent for the others) and the token's.

PAST_SKEW_SECONDS = 300
FUTURE_SKEW_SECONDS = 30
UNSIGNED = frozenset({"sign", "access_token"})


@dataclass(frozen=True, slots=True)
class Caller:
    app_key: str
    shop_cipher: str
    shop: Shop | None
    """The shop named by shop_cipher (None for the APIs that take none)."""


def expected_sign(app_secret: str, path: str, query: Mapping[str, str], body: str) -> str:
    pairs = "".join(f"{k}{query[k]}" for k in sorted(query) if k not in UNSIGNED)
    wrapped = f"{app_secret}{path}{pairs}{body}{app_secret}"
    return hmac.new(app_secret.encode(), wrapped.encode(), hashlib.sha256).hexdigest()


def _check_timestamp(raw: str | None, now: float) -> None:
    try:
        value = int(raw or "")
    except ValueError:
        value = -1
    if value < 0:
        rule = "be lesser than 0"
    elif value < now - PAST_SKEW_SECONDS:
        rule = "be earlier than 5 minutes before the current time"
    elif value > now + FUTURE_SKEW_SECONDS:
        rule = "exceed the current time by more than 30 seconds"
    else:
        return
    raise TikTokError(
        CREDENTIALS,
        f"Invalid timestamp. The value of the `timestamp` query parameter must not {rule}.",
    )


def authenticate(
    sandbox: TikTokSandbox,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: str,
    *,
    shop_scoped: bool,
) -> Caller:
    """The calling app and shop, or a `TikTokError`. `body` is "" for multipart. Lock held."""
    app_key = query.get("app_key")
    if not app_key:
        raise TikTokError(CREDENTIALS, BAD_APP_KEY)
    given_sign = query.get("sign")
    if not given_sign:
        raise TikTokError(
            CREDENTIALS,
            "Missing credentials. The request does not include a required signature in the query.",
        )
    _check_timestamp(query.get("timestamp"), sandbox.clock.now())
    secret = sandbox.apps.get(app_key)
    if secret is None:
        raise TikTokError(CREDENTIALS, BAD_APP_KEY)
    if not hmac.compare_digest(expected_sign(secret, path, query, body), given_sign.lower()):
        raise TikTokError(BAD_SIGN, "Invalid credentials. The `sign` query parameter is invalid.")
    token = headers.get("x-tts-access-token", "")
    grant = sandbox.tokens.access(token) if token else None
    if grant is None or grant.owner[0] != app_key:
        raise TikTokError(
            CREDENTIALS, "Invalid credentials. The `x-tts-access-token` header is invalid."
        )
    if sandbox.tokens.expired(grant):
        raise TikTokError(
            EXPIRED,
            "Expired credentials. The `access_token` or `x-tts-access-token` header has expired.",
        )
    cipher = query.get("shop_cipher", "")
    if not shop_scoped:
        if cipher:
            raise TikTokError(
                CREDENTIALS,
                "Unexpected identifier. The `shop_cipher` query parameter is not required for "
                "this request.",
            )
        return Caller(app_key, grant.owner[1], None)
    if not cipher:
        raise TikTokError(
            NO_SHOP_CIPHER,
            "Missing identifier. The `shop_cipher` query parameter is required to identify "
            "the target shop.",
        )
    shop = sandbox.by_cipher.get(cipher)
    if shop is None or cipher != grant.owner[1] or shop.app_key != app_key:
        raise TikTokError(
            TOKEN_SHOP_MISMATCH,
            "Invalid query or header. The `x-tts-access-token` header is invalid: the "
            "associated shop does not match the provided `shop_cipher` query parameter.",
        )
    return Caller(app_key, cipher, shop)


# --- handlers and their routes (kit/wire.py's `Router` finds them by path template) ---------


@dataclass(slots=True, kw_only=True)
class Ctx(SandboxCall):
    """One authenticated call."""

    sandbox: TikTokSandbox
    caller: Caller | None
    params: Mapping[str, str]

    @property
    def shop(self) -> Shop:
        return given(self.caller.shop if self.caller is not None else None, "shop")


Handler = Callable[[Ctx], Any]
"""Returns the `data` of the envelope (or raises `TikTokError`)."""


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    template: str
    handler: Handler
    shop: bool = True
    """The API takes shop_cipher (is_shop_chiper_exist in the reference page)."""
    multipart: bool = False
    signed: bool = True
    """False for the auth host's token endpoints (app secret in the query, no sign)."""
