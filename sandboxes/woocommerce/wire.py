"""WordPress REST error bodies, JSON rendering and query-parameter validation, as the
sandbox speaks them.

Errors have the WP REST shape `{"code", "message", "data": {"status", ...}}` (WP_Error
through `WP_REST_Server::error_to_response`). Parameter errors follow WordPress core's
`rest_validate_value_from_schema` ("Invalid parameter(s): per_page" with `params` and
`details`). Codes and messages are WooCommerce's own where the sandbox reproduces a
refusal (class-wc-rest-authentication.php, class-wc-rest-controller.php,
class-wc-rest-crud-controller.php, class-wc-product.php).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lapak.sandboxes.kit.wire import int_field
from lapak.sandboxes.woocommerce.state import SITE_TZ
from starlette.responses import Response

API = "/wp-json/wc/v3"
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}(?::\d{2})?)?$")
"""`rest_parse_date`'s pattern (RFC 3339, the offset optional)."""


class WooError(Exception):
    """A refusal as WooCommerce words it: `code`, `message`, HTTP `status`, extra `data`."""

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        *,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.data = dict(data or {})
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "data": self.data_body()}

    def data_body(self) -> dict[str, Any]:
        return {"status": self.status, **self.data}


def invalid_param(name: str, message: str, code: str = "rest_invalid_param") -> WooError:
    """WordPress core's refusal of one query/body parameter."""
    detail = {"code": code, "message": message, "data": None}
    return WooError(
        "rest_invalid_param",
        f"Invalid parameter(s): {name}",
        400,
        data={"params": {name: message}, "details": {name: detail}},
    )


def no_route() -> WooError:
    return WooError("rest_no_route", "No route was found matching the URL and request method.", 404)


def php_json(payload: Any) -> bytes:
    """`wp_json_encode` output: compact, "/" escaped, non-ASCII as \\uXXXX."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=True)
    return text.replace("/", "\\/").encode()


class JSONBody(Response):
    media_type = "application/json; charset=UTF-8"

    def render(self, content: Any) -> bytes:
        return php_json(content)


def error_response(error: WooError) -> Response:
    return JSONBody(error.body(), status_code=error.status, headers=error.headers or None)


def server_error() -> Response:
    """What WordPress answers a REST call that hit a PHP fatal error (WP_Fatal_Error_Handler)."""
    message = (
        '<p>There has been a critical error on this website.</p><p><a href="https://wordpress'
        '.org/documentation/article/faq-troubleshooting/">Learn more about troubleshooting '
        "WordPress.</a></p>"
    )
    body = {
        "code": "internal_server_error",
        "message": message,
        "data": {"status": 500},
        "additional_errors": [],
    }
    return JSONBody(body, status_code=500)


def throttled(retry_after_seconds: float = 1.0, limit: int = 0) -> Response:
    """HTTP 429 with Retry-After, as a host's or firewall's limiter in front of WordPress
    answers (UNCONFIRMED: WooCommerce's REST API v3 has no limiter; the body follows the
    WP error shape, the code that of WooCommerce's Store API limiter, `RateLimits`)."""
    seconds = max(1, math.ceil(retry_after_seconds))
    error = WooError(
        "rate_limit_exceeded",
        f"Too many requests. Please wait {seconds} seconds before trying again.",
        429,
        headers={
            "Retry-After": str(seconds),
            "RateLimit-Retry-After": str(seconds),
            "RateLimit-Limit": str(limit),
            "RateLimit-Remaining": "0",
        },
    )
    return error_response(error)


@dataclass(slots=True)
class Reply:
    """A handler's answer: JSON `body`, HTTP `status` and extra headers."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


# --- query parameters ------------------------------------------------------------------------


def int_param(
    params: Mapping[str, str], name: str, default: int, minimum: int, maximum: int | None = None
) -> int:
    value = int_field(
        params.get(name), lambda _: invalid_param(name, f"{name} is not of type integer.")
    )
    if value is None:
        return default
    if value < minimum or (maximum is not None and value > maximum):
        bounds = (
            f"between {minimum} (inclusive) and {maximum} (inclusive)"
            if maximum is not None
            else f"greater than or equal to {minimum}"
        )
        raise invalid_param(name, f"{name} must be {bounds}", "rest_out_of_bounds")
    return value


def enum_param(params: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = params.get(name) or default
    if value not in allowed:
        raise invalid_param(name, f"{name} is not one of {', '.join(allowed)}.")
    return value


def list_param(params: Mapping[str, str], name: str) -> list[str]:
    """A list sent comma-joined (`wp_parse_list`)."""
    raw = params.get(name) or ""
    return [part.strip() for part in raw.split(",") if part.strip()]


def id_list_param(params: Mapping[str, str], name: str) -> list[int]:
    ids = []
    for position, part in enumerate(list_param(params, name)):
        try:
            ids.append(int(part))
        except ValueError:
            raise invalid_param(name, f"{name}[{position}] is not of type integer.") from None
    return ids


def bool_param(params: Mapping[str, str], name: str) -> bool:
    raw = (params.get(name) or "").lower()
    if raw in ("", "0", "false"):
        return False
    if raw in ("1", "true"):
        return True
    raise invalid_param(name, f"{name} is not of type boolean.")


def date_param(params: Mapping[str, str], name: str, *, gmt: bool) -> float | None:
    """A date-time parameter as unix seconds.

    WP_Date_Query turns the value into a bare "Y-m-d H:i:s" with `strtotime` (PHP runs in
    UTC under WordPress, so an offset in the value is applied) and compares it with the GMT
    column when `dates_are_gmt`, else with the site-time column: a bare value is UTC in the
    first case and site time in the second.
    """
    raw = params.get(name)
    if not raw:
        return None
    if not DATE.match(raw):
        raise invalid_param(name, "Invalid date.")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        raise invalid_param(name, "Invalid date.") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(tzinfo=UTC if gmt else SITE_TZ).timestamp()
