"""WordPress REST error bodies, JSON rendering and query-parameter validation, as the
sandbox speaks them.

Errors have the WP REST shape `{"code", "message", "data": {"status", ...}}` (WP_Error
through `WP_REST_Server::error_to_response`). Parameter errors follow WordPress core's
`rest_validate_value_from_schema` ("Invalid parameter(s): per_page" with `params` and
`details`). Codes and messages are WooCommerce's own where the sandbox reproduces a
refusal (class-wc-rest-authentication.php, class-wc-rest-controller.php,
class-wc-rest-crud-controller.php, class-wc-product.php). Also what an API handler is
given (`Ctx`), how handlers are routed, and the paging and ordering of list endpoints.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from lapak.sandboxes.kit.wire import Call, int_field
from lapak.sandboxes.woocommerce.state import SITE_TZ, Shop
from starlette.responses import Response

if TYPE_CHECKING:
    from lapak.sandboxes.woocommerce.media import Fetched
    from lapak.sandboxes.woocommerce.sandbox import WooSandbox

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


# --- handlers, routes and collections ----------------------------------------------------


PERMISSION: dict[str, tuple[str, str]] = {
    "list": ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
    "read": ("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."),
    "create": ("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."),
    "edit": ("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."),
    "delete": (
        "woocommerce_rest_cannot_delete",
        "Sorry, you are not allowed to delete this resource.",
    ),
    "batch": (
        "woocommerce_rest_cannot_batch",
        "Sorry, you are not allowed to batch manipulate this resource.",
    ),
}
"""The permission callbacks' refusals of an unauthenticated call (401: nobody logged in)."""


@dataclass(slots=True, kw_only=True)
class Ctx(Call):
    """One call that passed authentication (`caller` None: no credentials were sent)."""

    sandbox: WooSandbox
    caller: Shop | None
    ids: Mapping[str, int]
    now: float
    images: Mapping[str, Fetched]

    def require(self, action: str) -> Shop:
        if self.caller is None:
            code, message = PERMISSION[action]
            raise WooError(code, message, 401)
        return self.caller


Handler = Callable[[Ctx], Reply]
EDITABLE = ("POST", "PUT", "PATCH")
"""`WP_REST_Server::EDITABLE`."""


@dataclass(frozen=True, slots=True)
class Route:
    pattern: re.Pattern[str]
    methods: Mapping[str, Handler]
    fetches_images: bool = False


def route(
    path: str, methods: Mapping[str | tuple[str, ...], Handler], *, images: bool = False
) -> Route:
    """A route under /wp-json/wc/v3; `(?P<id>\\d+)`-style groups become `Ctx.ids`."""
    flat: dict[str, Handler] = {}
    for names, handler in methods.items():
        for name in (names,) if isinstance(names, str) else names:
            flat[name] = handler
    return Route(re.compile(f"^{re.escape(API)}{path}/?$"), flat, images)


def match(routes: Sequence[Route], path: str, method: str) -> tuple[Route, Handler, dict[str, int]]:
    for candidate in routes:
        found = candidate.pattern.match(path)
        if found and method in candidate.methods:
            ids = {key: int(value) for key, value in found.groupdict().items()}
            return candidate, candidate.methods[method], ids
    raise no_route()


def paginate(
    ctx: Ctx, path: str, rows: Sequence[Any], default_per_page: int = 10
) -> tuple[Sequence[Any], dict[str, str]]:
    """One page of `rows` and the X-WP-Total / X-WP-TotalPages / Link headers."""
    page = int_param(ctx.query, "page", 1, 1)
    per_page = int_param(ctx.query, "per_page", default_per_page, 1, 100)
    total = len(rows)
    pages = math.ceil(total / per_page)
    start = (page - 1) * per_page
    headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
    links = []
    base = {k: v for k, v in ctx.query.items() if not k.startswith("oauth_")}
    url = f"{ctx.base_url}{API}{path}"
    if page > 1:
        links.append(
            f'<{url}?{urlencode(base | {"page": min(page - 1, max(pages, 1))})}>; rel="prev"'
        )
    if pages > page:
        links.append(f'<{url}?{urlencode(base | {"page": page + 1})}>; rel="next"')
    if links:
        headers["Link"] = ", ".join(links)
    return rows[start : start + per_page], headers


def sort_rows(rows: list[Any], orderby: str, order: str, include: Sequence[int]) -> list[Any]:
    """WordPress orderings (date and modified fall back to the id, as WooCommerce adds it)."""
    keys: dict[str, Callable[[Any], Any]] = {
        "date": lambda r: (r.created, r.id),
        "modified": lambda r: (r.updated, r.id),
        "id": lambda r: r.id,
        "title": lambda r: (getattr(r, "name", ""), r.id),
        "slug": lambda r: (getattr(r, "name", "").lower(), r.id),
    }
    if orderby == "include" and include:
        position = {value: n for n, value in enumerate(include)}
        return sorted(rows, key=lambda r: position.get(r.id, len(position)))
    return sorted(rows, key=keys.get(orderby, keys["date"]), reverse=order == "desc")
