"""What a Shopify API handler is given, parameter readers, and cursor pagination.

REST cursor pagination ("Make paginated requests" guide, docs/MARKETPLACES.md#shopify): a
`Link` header names the next/previous page by an opaque `page_info`; a request carrying
`page_info` may add only `limit` and `fields`; `limit` is 1..250 (default 50), a larger one
refused rather than capped (the sandbox's stricter reading, UNCONFIRMED).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lapak.sandboxes.kit.wire import SandboxCall
from lapak.sandboxes.shopify.state import Shop
from lapak.sandboxes.shopify.wire import (
    bad_request,
    decode_page_info,
    encode_page_info,
    link_header,
    not_found,
)

if TYPE_CHECKING:
    from lapak.sandboxes.shopify.sandbox import ShopifySandbox
    from starlette.datastructures import QueryParams

MAX_LIMIT = 250
DEFAULT_LIMIT = 50
PAGE_KEEPS = frozenset({"limit", "fields", "page_info"})


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

    @property
    def resource_url(self) -> str:
        """The called URL without its query, for the Link header."""
        return f"{self.base_url}{self.request.url.path}"

    def param_id(self, name: str) -> int:
        try:
            return int(self.params[name])
        except (KeyError, ValueError):
            raise not_found() from None


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


def project(obj: dict[str, Any], fields: str | None) -> dict[str, Any]:
    """`fields=id,title`: only those top-level fields."""
    if not fields:
        return obj
    wanted = [f.strip() for f in fields.split(",") if f.strip()]
    return {key: obj[key] for key in wanted if key in obj}


def filtered(items: Iterable[Any], *tests: Callable[[Any], bool]) -> list[Any]:
    return [item for item in items if all(test(item) for test in tests)]


def _limit(query: QueryParams) -> int:
    raw = query.get("limit")
    if not raw:
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise bad_request("limit", "Invalid value.") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise bad_request("limit", f"limit must be between 1 and {MAX_LIMIT}")
    return limit


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
    limit = _limit(query)
    sign = -1 if descending else 1
    raw_info = query.get("page_info")
    start = 0
    if raw_info:
        extra = sorted(set(query.keys()) - PAGE_KEEPS)
        if extra:
            raise bad_request(extra[0], f"{extra[0]} cannot be passed when page_info is present.")
        cursor = decode_page_info(raw_info)
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
    next_info = _info(filters, key(chunk[-1]), "next") if more_after else None
    previous_info = _info(filters, key(chunk[0]), "prev") if start > 0 else None
    kept = f"limit={limit}&" + (f"fields={query['fields']}&" if query.get("fields") else "")
    return chunk, {"Link": link_header(ctx.resource_url, next_info, previous_info, kept)}


def _info(filters: Mapping[str, str], last_id: int, direction: str) -> str:
    return encode_page_info({"filters": dict(filters), "last_id": last_id, "direction": direction})
