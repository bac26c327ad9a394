"""LazOP's envelope, error bodies and request readers, as the sandbox speaks them, and what a
handler is given (`Ctx`) and how it is registered (`Route`).

Success: `{"code": "0", "data": ..., "request_id": ...}`; errors as in
docs/MARKETPLACES.md#lazada-throttle. Business codes and messages are those of the API
pages' error tables where one fits; the sandbox's own guesses (error types, HTTP statuses,
some codes) are listed in docs/MARKETPLACES.md#lazada-unconfirmed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from lapak.sandboxes.kit.catalog import Id
from lapak.sandboxes.kit.wire import JSONBody, SandboxCall, given, int_field
from lapak.sandboxes.lazada.state import Seller
from starlette.responses import Response

if TYPE_CHECKING:
    from lapak.sandboxes.lazada.sandbox import LazadaSandbox

WIB = timezone(timedelta(hours=7))
ISV, ISP, SYSTEM = "ISV", "ISP", "SYSTEM"


@dataclass(eq=False)
class LazadaError(Exception):
    """A request Lazada would refuse: its `code`, `message`, `type` and per-SKU `detail`."""

    code: str
    message: str
    _: KW_ONLY
    type: str = ISP
    detail: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


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
    message = "The request has failed due to a temporary failure of the server."
    return error_response(LazadaError("ServiceUnavailable", message, type=SYSTEM, status=503))


def throttled(seconds: int = 1) -> Response:
    """ApiCallLimit, verbatim from the Create/Update Product Q&A (Q10); HTTP 200 UNCONFIRMED."""
    message = f"Api access frequency exceeds the limit. this ban will last {seconds} seconds."
    return error_response(LazadaError("ApiCallLimit", message, type=ISV))


def shop_sku(item_id: Id, sku_id: Id | None) -> str:
    return f"{item_id}_ID-{sku_id}"


# --- handlers ------------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class Ctx(SandboxCall):
    """One authenticated call: its parameters (query and form body merged) and its caller."""

    sandbox: LazadaSandbox
    app_key: str
    seller_or_none: Seller | None
    params: Mapping[str, str]

    @property
    def seller(self) -> Seller:
        return given(self.seller_or_none, "seller")


@dataclass(frozen=True, slots=True)
class Route:
    """`methods` as the API page gives them; `seller` False for the token APIs (signed
    without access_token, answered at the top level); `key` where the answer goes ("data",
    "result" for the fulfilment APIs). A coroutine handler runs outside the sandbox lock
    (it takes the lock itself)."""

    methods: frozenset[str]
    handler: Callable[[Ctx], Any]
    seller: bool = True
    key: str = "data"


def route(
    methods: str, handler: Callable[[Ctx], Any], *, seller: bool = True, key: str = "data"
) -> Route:
    return Route(frozenset(methods.split("/")), handler, seller, key)


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


def time_filter(params: Mapping[str, str], created: str) -> Callable[[int, int], bool]:
    """Whether a (created, updated) pair of unix seconds passes the ISO 8601 filters
    `{created}_after`, `{created}_before`, `update_after` and `update_before` (inclusive,
    each optional; read in that order)."""
    names = (f"{created}_after", f"{created}_before", "update_after", "update_before")
    low, high, updated_low, updated_high = (
        parse_iso(params[name]) if params.get(name) else None for name in names
    )

    def within(created_at: int, updated_at: int) -> bool:
        return _between(low, created_at, high) and _between(updated_low, updated_at, updated_high)

    return within


def _between(low: int | None, moment: int, high: int | None) -> bool:
    return (low is None or low <= moment) and (high is None or moment <= high)


# --- parameters ----------------------------------------------------------------------------


def page(params: Mapping[str, str], default_limit: int, limit_max: int, offset_max: int) -> slice:
    """The `limit` (E019) and `offset` (E014) paging parameters, as a slice of the hits."""
    limit = _bounded(params, "limit", default_limit, 1, limit_max, "19", "Invalid Limit")
    offset = _bounded(params, "offset", 0, 0, offset_max, "14", "Invalid Offset")
    return slice(offset, offset + limit)


def _bounded(
    params: Mapping[str, str], name: str, default: int, low: int, high: int, code: str, what: str
) -> int:
    def refused(raw: str) -> LazadaError:
        return LazadaError(code, f'E{code:0>3}: "{raw}" {what}')

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
        if child.tag not in result:
            result[child.tag] = value
        elif isinstance(result[child.tag], list):
            result[child.tag].append(value)
        else:
            result[child.tag] = [result[child.tag], value]
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


def stripped(fields: Mapping[str, Any], name: str) -> str:
    """A payload field as trimmed text ("" when absent)."""
    return text(fields.get(name)).strip()
