"""Shopify's error bodies, throttle answers and cursor pages, as the sandbox speaks them.

REST errors are `{"errors": ...}`: a string (401, 404, 429, 5xx) or field → messages (400,
422). GraphQL answers HTTP 200 with top-level `errors` for request-level failures (THROTTLED,
MAX_INPUT_SIZE_EXCEEDED) and `extensions.cost` on every answer
(docs/MARKETPLACES.md#shopify-throttle; guessed wordings: #shopify-unconfirmed).
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from lapak.sandboxes.kit.wire import JSONBody
from starlette.responses import Response

INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
REST_THROTTLED = (
    "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted "
    "service."
)
"""429 text (the "2 calls" is the standard plan's leak rate)."""
SERVER_ERROR = "Internal Server Error"
RATE_LIMIT_DOCS = "https://shopify.dev/api/usage/rate-limits"
GRAPHQL_MUTATION_COST = 10
"""Requested cost of one mutation ("mutations cost 10 points", the GraphQL cost guide)."""

API_KIND: ContextVar[str] = ContextVar("shopify_api_kind", default="rest")
""""rest" or "graphql" for the request being served: an injected throttle or 5xx takes
the shape of that API's own answer."""


class ShopifyError(Exception):
    """A request Shopify would refuse: HTTP `status` and the `errors` value it carries."""

    def __init__(self, status: int, errors: Any):
        super().__init__(f"{status}: {errors}")
        self.status = status
        self.errors = errors


def not_found() -> ShopifyError:
    return ShopifyError(404, "Not Found")


def unprocessable(field: str, *messages: str) -> ShopifyError:
    """422 `{"errors": {field: [messages]}}` (REST validation failure shape)."""
    return ShopifyError(422, {field: list(messages)})


def bad_request(field: str, message: str) -> ShopifyError:
    """400 `{"errors": {field: message}}` (missing parameter, parameter conflict)."""
    return ShopifyError(400, {field: message})


def server_error() -> Response:
    return JSONBody({"errors": SERVER_ERROR}, status_code=500)


def rest_throttled(retry_after: float, bucket_size: int) -> Response:
    """HTTP 429 with Retry-After in seconds, one decimal (the time one request takes to
    leak out)."""
    headers = {
        "Retry-After": f"{max(0.1, retry_after):.1f}",
        "X-Shopify-Shop-Api-Call-Limit": f"{bucket_size}/{bucket_size}",
    }
    return JSONBody({"errors": REST_THROTTLED}, status_code=429, headers=headers)


def cost_extension(
    requested: int, actual: int | None, maximum: float, available: float, restore: float
) -> dict[str, Any]:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": float(maximum),
                "currentlyAvailable": math.floor(available),
                "restoreRate": float(restore),
            },
        }
    }


def graphql_throttled(requested: int, maximum: float, available: float, restore: float) -> Response:
    """HTTP 200, errors[THROTTLED], actualQueryCost null (the body Shopify's forum quotes)."""
    body = {
        "errors": [
            {
                "message": "Throttled",
                "extensions": {"code": "THROTTLED", "documentation": RATE_LIMIT_DOCS},
            }
        ],
        "extensions": cost_extension(requested, None, maximum, available, restore),
    }
    return JSONBody(body)


def graphql_error(message: str, code: str, path: list[str] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "extensions": {"code": code}}
    if path:
        error["path"] = path
    return error


def encode_page_info(cursor: Mapping[str, Any]) -> str:
    """An opaque page_info (Shopify's is base64 of a small JSON object too)."""
    raw = json.dumps(dict(cursor), separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_info(value: str) -> dict[str, Any]:
    try:
        padded = value + "=" * (-len(value) % 4)
        cursor = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        raise bad_request("page_info", "Invalid value.") from None
    if not isinstance(cursor, dict) or "last_id" not in cursor:
        raise bad_request("page_info", "Invalid value.")
    return cursor


def link_header(url: str, next_info: str | None, previous_info: str | None, extra: str) -> str:
    """`<url?limit=..&page_info=..>; rel="next", <...>; rel="previous"` (REST pagination
    guide syntax; `extra` is the kept `limit`/`fields` query)."""
    parts = []
    if next_info:
        parts.append(f'<{url}?{extra}page_info={next_info}>; rel="next"')
    if previous_info:
        parts.append(f'<{url}?{extra}page_info={previous_info}>; rel="previous"')
    return ", ".join(parts)
