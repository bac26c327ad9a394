"""Tokopedia's envelope, error bodies and request-field readers, as the sandbox speaks them.

Success: `{"header": {"process_time", "messages"}, "data": ...}`; a refusal's header adds
`reason` and `error_code` and `data` is null. Statuses: 400 refusals, 401 a missing, unknown
or expired token, 403 an fs_id or shop the token does not own, 404 unknown paths, 429 rate
limited, 500 server errors; all but 401 and 429 are the sandbox's choice
(docs/MARKETPLACES.md#tokopedia-unconfirmed).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from lapak.sandboxes.kit.wire import JSONBody, query_list
from lapak.sandboxes.tokopedia.ratelimit import ratelimit_headers
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
