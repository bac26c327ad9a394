"""LazOP's envelope, error bodies and request readers, as the sandbox speaks them.

Success: `{"code": "0", "data": ..., "request_id": ...}`; errors as in
docs/MARKETPLACES.md#lazada-throttle. Business codes and messages are those of the API
pages' error tables where one fits; the sandbox's own guesses (error types, HTTP statuses,
some codes) are listed in docs/MARKETPLACES.md#lazada-unconfirmed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from xml.etree import ElementTree

from lapak.sandboxes.kit.wire import JSONBody, int_field
from starlette.responses import Response

WIB = timezone(timedelta(hours=7))
ISV, ISP, SYSTEM = "ISV", "ISP", "SYSTEM"


class LazadaError(Exception):
    """A request Lazada would refuse: its `code`, `message`, `type` and per-SKU `detail`."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        type: str = ISP,
        detail: list[dict[str, Any]] | None = None,
        status: int = 200,
    ):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.type = type
        self.detail = detail or []
        self.status = status


def missing(name: str) -> LazadaError:
    """The API pages' "missing required parameter: X" under the signature guide's code
    (docs/MARKETPLACES.md#lazada-unconfirmed)."""
    return LazadaError("MissingParameter", f"missing required parameter: {name}", type=ISV)


def invalid_format(detail: str = "") -> LazadaError:
    message = "E005: Invalid Request Format" + (f" ({detail})" if detail else "")
    return LazadaError("5", message)


def request_id() -> str:
    return os.urandom(12).hex() + "0"


def ok(data: Any, key: str = "data") -> dict[str, Any]:
    return {"code": "0", key: data, "request_id": request_id()}


def error_response(error: LazadaError) -> Response:
    body: dict[str, Any] = {
        "type": error.type,
        "code": error.code,
        "message": error.message,
        "request_id": request_id(),
    }
    if error.detail:
        body["detail"] = error.detail
    return JSONBody(body, status_code=error.status)


def server_error() -> Response:
    """A platform failure: "ServiceUnavailable" is the API pages' example of an error code;
    the text is the sandbox's."""
    error = LazadaError(
        "ServiceUnavailable",
        "The request has failed due to a temporary failure of the server.",
        type=SYSTEM,
        status=503,
    )
    return error_response(error)


def throttled(seconds: int = 1) -> Response:
    """ApiCallLimit, verbatim from the Create/Update Product Q&A (Q10); HTTP 200 UNCONFIRMED."""
    message = f"Api access frequency exceeds the limit. this ban will last {seconds} seconds."
    return error_response(LazadaError("ApiCallLimit", message, type=ISV))


# --- times ---------------------------------------------------------------------------------


def iso(seconds: int) -> str:
    """Unix seconds as Lazada shows them: ISO 8601 in WIB ("2024-05-01T10:00:00+07:00")."""
    return datetime.fromtimestamp(seconds, WIB).isoformat()


def parse_iso(value: str) -> int:
    """Unix seconds from an ISO 8601 parameter (±HH:MM or ±HHMM; none: UTC), else E017."""
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        raise LazadaError("17", f'E017: "{value}" Invalid Date Format') from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def time_bounds(params: Mapping[str, str], *names: str) -> dict[str, int]:
    """The ISO 8601 time filters given among `names`, as unix seconds."""
    return {name: parse_iso(params[name]) for name in names if params.get(name)}


def in_window(bounds: Mapping[str, int], after: str, before: str, moment: int) -> bool:
    """`moment` within the bounds named `after` and `before` (inclusive; either may lack)."""
    return bounds.get(after, moment) <= moment <= bounds.get(before, moment)


def millis(seconds: int) -> str:
    return str(seconds * 1000)


# --- parameters ----------------------------------------------------------------------------


def int_param(
    params: Mapping[str, str], name: str, default: int, low: int, high: int, code: str, text: str
) -> int:
    def refused(raw: str) -> LazadaError:
        return LazadaError(code, text.format(value=raw))

    value = int_field(params.get(name), refused)
    if value is None:
        return default
    if not low <= value <= high:
        raise refused(params[name])
    return value


def json_list(params: Mapping[str, str], name: str, code: str, text: str) -> list[Any]:
    raw = params.get(name)
    if raw is None or raw.strip() == "":
        raise missing(name)
    try:
        value = json.loads(raw)
    except ValueError:
        raise LazadaError(code, text) from None
    if not isinstance(value, list):
        raise LazadaError(code, text)
    return value


# --- payloads (XML or JSON) ----------------------------------------------------------------


def payload(params: Mapping[str, str]) -> dict[str, Any]:
    """The `payload` parameter as a dict rooted at "Request" (XML or, since 2022, JSON)."""
    raw = params.get("payload")
    if raw is None or raw.strip() == "":
        raise missing("payload")
    text = raw.strip()
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            raise LazadaError("1001", "The parameters are not in JSON format") from None
    else:
        try:
            root = ElementTree.fromstring(text)
        except ElementTree.ParseError:
            raise invalid_format("payload is not XML") from None
        parsed = {root.tag: xml_to_dict(root)}
    request = parsed.get("Request") if isinstance(parsed, dict) else None
    if not isinstance(request, dict):
        raise LazadaError("30", "E030: Empty Request")
    return request


def xml_to_dict(element: ElementTree.Element) -> Any:
    """An element as JSON-like data: text for a leaf, a dict of children otherwise (a tag
    repeated among siblings becomes a list)."""
    children = list(element)
    if not children:
        return (element.text or "").strip()
    result: dict[str, Any] = {}
    for child in children:
        value = xml_to_dict(child)
        if child.tag in result:
            existing = result[child.tag]
            result[child.tag] = (
                [*existing, value] if isinstance(existing, list) else [existing, value]
            )
        else:
            result[child.tag] = value
    return result


def as_list(value: Any) -> list[Any]:
    """`Image`/`Sku`/`option` as a list whether given as a list, one value, or nothing."""
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)
