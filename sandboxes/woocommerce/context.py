"""What an API handler is given, how handlers are registered by route, and the collection
helpers every list endpoint shares (paging headers, `_fields`)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from lapak.sandboxes.kit.wire import Call
from lapak.sandboxes.woocommerce.media import Fetched
from lapak.sandboxes.woocommerce.state import Shop
from lapak.sandboxes.woocommerce.wire import API, Reply, WooError, int_param, no_route

if TYPE_CHECKING:
    from lapak.sandboxes.woocommerce.sandbox import WooSandbox

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
