"""Tokopedia's envelope, error bodies, rate limits and request readers, as the sandbox
speaks them, and the `Ctx` a handler is given.

Success: `{"header": {"process_time", "messages"}, "data": ...}`; a refusal's header adds
`reason` and `error_code` and `data` is null. Statuses: 400 refusals, 401 a missing, unknown
or expired token, 403 an fs_id or shop the token does not own, 404 unknown paths, 429 rate
limited, 500 server errors; all but 401 and 429 are the sandbox's choice
(docs/MARKETPLACES.md#tokopedia-unconfirmed).

Rate limits: per-app, per-endpoint token buckets (docs/MARKETPLACES.md#tokopedia-rate-limits).
Bulk endpoints count each row; their rows get `ROW_FACTOR` times the call rate and burst
(the sandbox's guess: docs/MARKETPLACES.md#tokopedia-unconfirmed).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from lapak.sandboxes.kit.ratelimit import Grant, TokenBuckets
from lapak.sandboxes.kit.wire import JSONBody, SandboxCall, query_list
from lapak.sandboxes.tokopedia.state import App, Shop
from starlette.responses import Response

if TYPE_CHECKING:
    from lapak.sandboxes.tokopedia.sandbox import TokopediaSandbox

OK = "Your request has been processed successfully"
MALFORMED = "We could not process your request due to malformed request, please check again"
SERVER = "We had a problem with our server. Try again later."
DEFAULT_PER_SECOND = 5.0
DEFAULT_BURST = 5
ROW_FACTOR = 20


class TokopediaError(Exception):
    """A request Tokopedia would refuse: `reason` and `error_code` as on the wire."""

    def __init__(
        self,
        reason: str,
        error_code: str | int,
        *,
        status: int = 400,
        messages: str = MALFORMED,
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(f"{error_code}: {reason}")
        self.reason = reason
        self.error_code = error_code
        self.status = status
        self.messages = messages
        self.headers = dict(headers or {})


def unauthorized(reason: str = "invalid or expired access token") -> TokopediaError:
    return TokopediaError(reason, "UNAUTHORIZED", status=401, messages="Unauthorized")


def forbidden(reason: str) -> TokopediaError:
    return TokopediaError(reason, "FORBIDDEN", status=403, messages="Forbidden")


def too_many_requests(headers: Mapping[str, str] | None = None) -> TokopediaError:
    """HTTP 429 (body UNCONFIRMED: the envelope with ERR_TOO_MANY_REQUEST, the message
    Tokopedia gives a throttled bulk row)."""
    return TokopediaError(
        "rate limit exceeded",
        "ERR_TOO_MANY_REQUEST",
        status=429,
        messages="Too Many Requests",
        headers=headers,
    )


def process_time() -> float:
    return round(random.uniform(0.01, 0.2), 9)


def envelope(data: Any) -> dict[str, Any]:
    return {"header": {"process_time": process_time(), "messages": OK}, "data": data}


def error_response(error: TokopediaError) -> Response:
    header = {
        "process_time": process_time(),
        "messages": error.messages,
        "reason": error.reason,
        "error_code": error.error_code,
    }
    body = {"header": header, "data": None}
    return JSONBody(body, status_code=error.status, headers=error.headers or None)


def server_error() -> Response:
    return error_response(TokopediaError("", 0, status=500, messages=SERVER))


def throttled() -> Response:
    """An injected throttle: 429 with the headers of an empty 5 req/s bucket."""
    return error_response(too_many_requests(ratelimit_headers(5, 5, 0, 1.0)))


# --- rate limits ---------------------------------------------------------------------------


class EndpointLimiter(TokenBuckets):
    """The calls' buckets, keyed by (fs_id, endpoint); `rows` the bulk endpoints' rows'
    buckets, at `ROW_FACTOR` times their rate and burst. `per_second` 0 lifts both."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.rows = TokenBuckets(DEFAULT_PER_SECOND * ROW_FACTOR, DEFAULT_BURST * ROW_FACTOR, now)
        super().__init__(DEFAULT_PER_SECOND, DEFAULT_BURST, now)

    def configure(self, per_second: float, burst: int | None = None) -> None:
        super().configure(per_second, burst)
        self.rows.configure(per_second * ROW_FACTOR, self.burst * ROW_FACTOR)


def ratelimit_headers(
    per_second: float, burst: int, remaining: float, reset_after: float
) -> dict[str, str]:
    """Tokopedia's X-Ratelimit-* headers (docs/MARKETPLACES.md#tokopedia-throttle);
    Reset-After is "-0.000000" while requests remain."""
    limit = f"{per_second:g} req/s (burst {burst})" if per_second > 0 else "unlimited"
    full = (burst - remaining) / per_second if per_second > 0 else 0.0
    return {
        "X-Ratelimit-Limit": limit,
        "X-Ratelimit-Remaining": str(max(0, math.floor(remaining))),
        "X-Ratelimit-Reset-After": f"{reset_after:.6f}" if reset_after > 0 else "-0.000000",
        "X-Ratelimit-Full-Reset-After": f"{max(0.0, full):.6f}",
    }


def bucket_headers(buckets: TokenBuckets, grant: Grant) -> dict[str, str]:
    """The X-Ratelimit-* headers of a bucket after `grant`."""
    return ratelimit_headers(buckets.per_second, buckets.burst, grant.remaining, grant.wait)


# --- handlers' context and field readers ---------------------------------------------------


class Route(NamedTuple):
    """An API endpoint; its path `template` (kit/wire.py `Router`) keys its rate limit."""

    method: str
    template: str
    handler: Callable[[Ctx], Any]


@dataclass(slots=True, kw_only=True)
class Ctx(SandboxCall):
    """One authorized call: the app its token belongs to and the path parameters."""

    sandbox: TokopediaSandbox
    app: App
    route: Route
    params: Mapping[str, str]
    row_limits: dict[str, str] = field(default_factory=dict)
    """The rows' bucket's X-Ratelimit-* headers (bulk endpoints), which the answer then
    carries (UNCONFIRMED which bucket Tokopedia's headers show)."""

    def shop(self, code: str = "PRD_DLV_042") -> Shop:
        """The shop of `shop_id` in the query; it must be linked to the caller's fs_id.

        (PRD_DLV_042 "Invalid field [shop_id] format, value [] should be int": fixture
        create-product-fail.)"""
        shop_id = query_int(self.query, "shop_id", code)
        found = self.sandbox.stores.get(shop_id)
        if found is None or found.app is not self.app:
            raise forbidden(f"shop_id {shop_id} is not linked to fs_id {self.app.fs_id}")
        return found

    def shops(self) -> list[Shop]:
        """Every shop linked to the caller's fs_id."""
        return [s for s in self.sandbox.stores.values() if s.app is self.app]

    def rows_allowed(self, rows: int) -> int:
        """How many rows of a bulk call the per-row rate limit lets through."""
        buckets = self.sandbox.limiter.rows
        grant = buckets.take_upto((self.app.fs_id, self.route.template), rows)
        self.row_limits = bucket_headers(buckets, grant)
        return grant.granted


def query_int(
    query: Mapping[str, str], field: str, code: str, *, default: int | None = None
) -> int:
    """An integer query parameter; a missing or non-integer one is refused the way the
    create-product-fail fixture shows ("Invalid field [shop_id] format, value [] should be
    int", PRD_DLV_042), with the endpoint's `code`."""
    raw = query.get(field)
    if (raw is None or raw == "") and default is not None:
        return default
    try:
        return int(raw or "")
    except ValueError:
        raise TokopediaError(
            f"Invalid field [{field}] format, value [{raw or ''}] should be int", code
        ) from None


def query_ids(values: list[str]) -> list[int]:
    """Ids sent comma-joined, repeated, or both; non-numbers are dropped."""
    return [int(part) for part in query_list(values) if part.isdigit()]
