"""Tokopedia's envelope, error bodies and request-field readers, as the sandbox speaks them.

Success: `{"header": {"process_time", "messages"}, "data": ...}`; a refusal's header adds
`reason` and `error_code` and `data` is null. Statuses: 400 refusals, 401 a missing, unknown
or expired token, 403 an fs_id or shop the token does not own, 404 unknown paths, 429 rate
limited, 500 server errors; all but 401 and 429 are the sandbox's choice
(docs/MARKETPLACES.md#tokopedia-unconfirmed).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any

from lapak.sandboxes.kit.wire import JSONBody, query_list
from starlette.responses import Response

OK = "Your request has been processed successfully"
MALFORMED = "We could not process your request due to malformed request, please check again"
SERVER = "We had a problem with our server. Try again later."


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


def too_many_requests() -> TokopediaError:
    """HTTP 429 (body UNCONFIRMED: the envelope with ERR_TOO_MANY_REQUEST, the message
    Tokopedia gives a throttled bulk row)."""
    return TokopediaError(
        "rate limit exceeded", "ERR_TOO_MANY_REQUEST", status=429, messages="Too Many Requests"
    )


def process_time() -> float:
    return round(random.uniform(0.01, 0.2), 9)


def envelope(data: Any) -> dict[str, Any]:
    return {"header": {"process_time": process_time(), "messages": OK}, "data": data}


def error_body(error: TokopediaError) -> dict[str, Any]:
    header = {
        "process_time": process_time(),
        "messages": error.messages,
        "reason": error.reason,
        "error_code": error.error_code,
    }
    return {"header": header, "data": None}


def error_response(error: TokopediaError, headers: Mapping[str, str] | None = None) -> Response:
    merged = {**(headers or {}), **error.headers}
    return JSONBody(error_body(error), status_code=error.status, headers=merged or None)


def server_error() -> Response:
    return error_response(TokopediaError("", 0, status=500, messages=SERVER))


def ratelimit_headers(
    per_second: float, burst: int, remaining: float, reset_after: float
) -> dict[str, str]:
    """Tokopedia's X-Ratelimit-* headers (guides/rate-limit): Reset-After is "-0.000000"
    while requests remain."""
    limit = f"{per_second:g} req/s (burst {burst})" if per_second > 0 else "unlimited"
    full = (burst - remaining) / per_second if per_second > 0 else 0.0
    return {
        "X-Ratelimit-Limit": limit,
        "X-Ratelimit-Remaining": str(max(0, math.floor(remaining))),
        "X-Ratelimit-Reset-After": f"{reset_after:.6f}" if reset_after > 0 else "-0.000000",
        "X-Ratelimit-Full-Reset-After": f"{max(0.0, full):.6f}",
    }


def throttled() -> Response:
    """An injected throttle: 429 with the headers of an empty 5 req/s bucket."""
    return error_response(too_many_requests(), ratelimit_headers(5, 5, 0, 1.0))


# --- field readers ------------------------------------------------------------------------


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
