"""Shopify's wire as the sandbox speaks it: error bodies, the two throttles and their answers,
what a handler is given, and cursor pages.

REST errors are `{"errors": ...}`: a string (401, 404, 429, 5xx) or field → messages (400,
422). GraphQL answers HTTP 200 with top-level `errors` for request-level failures (THROTTLED,
MAX_INPUT_SIZE_EXCEEDED) and `extensions.cost` on every answer
(docs/MARKETPLACES.md#shopify-throttle; guessed wordings: #shopify-unconfirmed).

Rate limits, per app+store, as leaky buckets (the kit's token buckets: a bucket filling up
to `size` is one emptying from `size` tokens). REST (REST Admin API rate limits page): 40
requests leaking 2 per second on the standard plan; a full bucket answers 429; every REST
answer reports the fill as `X-Shopify-Shop-Api-Call-Limit: n/40`. GraphQL (GraphQL Admin API
rate limits page): calculated query cost, restoring 100 points per second. The bucket size
is not on the current page: 2,000 points is UNCONFIRMED (older pages and forum answers show
1,000 with a 50/s restore). A query whose requested cost exceeds what is available is
THROTTLED. The GraphQL bucket keeps Shopify's proportion to the REST one (50 points per REST
request: 100/2 per second, 2000/40 in size).

REST cursor pagination ("Make paginated requests" guide, docs/MARKETPLACES.md#shopify): a
`Link` header names the next/previous page by an opaque `page_info`; a request carrying
`page_info` may add only `limit` and `fields`; `limit` is 1..250 (default 50), a larger one
refused rather than capped (the sandbox's stricter reading, UNCONFIRMED).
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lapak.sandboxes.kit.ratelimit import TokenBuckets
from lapak.sandboxes.kit.wire import JSONBody, SandboxCall, int_field
from starlette.responses import Response

if TYPE_CHECKING:
    from lapak.sandboxes.shopify.sandbox import ShopifySandbox
    from lapak.sandboxes.shopify.state import Shop

INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
REST_THROTTLED = (
    "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted "
    "service."
)
"""429 text (the "2 calls" is the standard plan's leak rate)."""
RATE_LIMIT_DOCS = "https://shopify.dev/api/usage/rate-limits"
REST_BUCKET = 40
REST_LEAK_PER_SECOND = 2.0
POINTS_PER_REQUEST = 50.0
GRAPHQL_BUCKET = REST_BUCKET * POINTS_PER_REQUEST
GRAPHQL_RESTORE_PER_SECOND = REST_LEAK_PER_SECOND * POINTS_PER_REQUEST
GRAPHQL_MUTATION_COST = 10
"""Requested cost of one mutation ("mutations cost 10 points", the GraphQL cost guide)."""
MAX_LIMIT = 250
DEFAULT_LIMIT = 50
PAGE_KEEPS = frozenset({"limit", "fields", "page_info"})

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
    return JSONBody({"errors": "Internal Server Error"}, status_code=500)


# --- throttles -----------------------------------------------------------------------------


def rest_throttled(rest: TokenBuckets) -> Response:
    """HTTP 429 with Retry-After in seconds, one decimal: the time one request takes to leak
    out (Shopify sends a fixed Retry-After; its exact value, "2.0" in forum captures, is
    UNCONFIRMED)."""
    retry_after = 1.0 / (rest.per_second or REST_LEAK_PER_SECOND)
    headers = {
        "Retry-After": f"{max(0.1, retry_after):.1f}",
        "X-Shopify-Shop-Api-Call-Limit": f"{rest.burst}/{rest.burst}",
    }
    return JSONBody({"errors": REST_THROTTLED}, status_code=429, headers=headers)


def cost_extension(points: TokenBuckets, key: Hashable, actual: int | None) -> dict[str, Any]:
    """`extensions.cost` of a mutation on `key`'s bucket (None: an emptied one, as an
    injected throttle has it)."""
    if points.unlimited:
        maximum = available = GRAPHQL_BUCKET
        restore = GRAPHQL_RESTORE_PER_SECOND
    else:
        maximum, restore = float(points.burst), points.per_second
        available = float(points.burst - points.level(key))
    status = {
        "maximumAvailable": float(maximum),
        "currentlyAvailable": 0 if key is None else math.floor(available),
        "restoreRate": float(restore),
    }
    return {
        "cost": {
            "requestedQueryCost": GRAPHQL_MUTATION_COST,
            "actualQueryCost": actual,
            "throttleStatus": status,
        }
    }


def graphql_throttled(points: TokenBuckets, key: Hashable) -> Response:
    """HTTP 200, errors[THROTTLED], actualQueryCost null (the body Shopify's forum quotes)."""
    error = {
        "message": "Throttled",
        "extensions": {"code": "THROTTLED", "documentation": RATE_LIMIT_DOCS},
    }
    return JSONBody({"errors": [error], "extensions": cost_extension(points, key, None)})


# --- handlers --------------------------------------------------------------------------------


@dataclass(slots=True)
class Reply:
    """A handler's answer: JSON `body`, HTTP `status`, extra headers (Link)."""

    body: dict[str, Any]
    status: int = 200
    headers: dict[str, str] | None = None


@dataclass(slots=True, kw_only=True)
class Ctx(SandboxCall):
    """One authenticated call. `params` are the path's captured ids (as text)."""

    sandbox: ShopifySandbox
    shop: Shop
    params: Mapping[str, str]

    def param_id(self, name: str) -> int:
        try:
            return int(self.params[name])
        except (KeyError, ValueError):
            raise not_found() from None

    def fields(self, view: dict[str, Any]) -> dict[str, Any]:
        """`fields=id,title`: only those top-level fields of `view`."""
        fields = self.query.get("fields")
        if not fields:
            return view
        wanted = [f.strip() for f in fields.split(",") if f.strip()]
        return {key: view[key] for key in wanted if key in view}


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    template: str
    """The path after /admin/api/{version}/, with {name:int} for a numeric id."""
    handler: Callable[[Ctx], Reply]


def id_list(raw: str | None, field: str) -> list[int] | None:
    """A comma-separated id list (`ids=1,2,3`), or None when absent."""
    if not raw:
        return None
    try:
        return [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise bad_request(field, "expected a comma-separated list of ids") from None


def filtered(items: Iterable[Any], *tests: Callable[[Any], bool]) -> list[Any]:
    return [item for item in items if all(test(item) for test in tests)]


def page(
    ctx: Ctx,
    rows: Callable[[Mapping[str, str]], Sequence[Any]],
    *,
    key: Callable[[Any], int],
    descending: bool = False,
) -> tuple[list[Any], dict[str, str] | None]:
    """One page of `rows(filters)` ordered by `key` (the id), with its Link header.

    The first request's filters travel inside the page_info, so later pages see the same
    result set; the cursor is the last id seen, so rows that vanish in between shift nothing.
    """
    query = ctx.query
    limit = int_field(query.get("limit"), lambda _: bad_request("limit", "Invalid value."))
    limit = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= limit <= MAX_LIMIT:
        raise bad_request("limit", f"limit must be between 1 and {MAX_LIMIT}")
    sign = -1 if descending else 1
    raw_info = query.get("page_info")
    start = 0
    if raw_info:
        extra = sorted(set(query.keys()) - PAGE_KEEPS)
        if extra:
            raise bad_request(extra[0], f"{extra[0]} cannot be passed when page_info is present.")
        cursor = _decode_page_info(raw_info)
        filters = {str(k): str(v) for k, v in dict(cursor.get("filters") or {}).items()}
    else:
        filters = {k: v for k, v in query.items() if k not in PAGE_KEEPS}
    ordered = sorted(rows(filters), key=lambda row: sign * key(row))
    if raw_info:
        mark = sign * int(cursor["last_id"])
        if cursor.get("direction") == "prev":
            start = max(0, sum(1 for row in ordered if sign * key(row) < mark) - limit)
        else:
            start = sum(1 for row in ordered if sign * key(row) <= mark)
    chunk = ordered[start : start + limit]
    more_after = start + limit < len(ordered)
    if not chunk or not (more_after or start > 0):
        return chunk, None
    # `<url?limit=..&page_info=..>; rel="next", <...>; rel="previous"` (REST pagination guide
    # syntax), keeping `limit` and `fields`
    url = f"{ctx.base_url}{ctx.request.url.path}"
    kept = f"limit={limit}&" + (f"fields={query['fields']}&" if query.get("fields") else "")
    infos = {}
    if more_after:
        infos["next"] = _encode_page_info(filters, key(chunk[-1]), "next")
    if start > 0:
        infos["previous"] = _encode_page_info(filters, key(chunk[0]), "prev")
    links = (f'<{url}?{kept}page_info={info}>; rel="{rel}"' for rel, info in infos.items())
    return chunk, {"Link": ", ".join(links)}


def _encode_page_info(filters: Mapping[str, str], last_id: int, direction: str) -> str:
    """An opaque page_info (Shopify's is base64 of a small JSON object too)."""
    cursor = {"filters": dict(filters), "last_id": last_id, "direction": direction}
    raw = json.dumps(cursor, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_page_info(value: str) -> dict[str, Any]:
    try:
        padded = value + "=" * (-len(value) % 4)
        cursor = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        raise bad_request("page_info", "Invalid value.") from None
    if not isinstance(cursor, dict) or "last_id" not in cursor:
        raise bad_request("page_info", "Invalid value.")
    return cursor
