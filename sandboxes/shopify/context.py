"""What a Shopify API handler is given, parameter readers, and cursor pagination.

REST cursor pagination (REST Admin API "Make paginated requests" guide): a list answers the
first page; a `Link` header names the next/previous page by an opaque `page_info`; a
request carrying `page_info` may add only `limit` and `fields` (anything else is refused:
"created_at_min cannot be passed when page_info is present.", quoted on Shopify's forum);
`limit` is 1..250 (default 50). Refusing a `limit` above 250 rather than capping it is the
sandbox's stricter reading (UNCONFIRMED).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lapak.sandboxes.shopify.state import Shop
from lapak.sandboxes.shopify.wire import (
    ShopifyError,
    bad_request,
    decode_page_info,
    encode_page_info,
    link_header,
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


@dataclass(slots=True)
class Ctx:
    """One authenticated call. `params` are the path's captured ids (as text)."""

    sandbox: ShopifySandbox
    shop: Shop
    version: str
    query: QueryParams
    body: dict[str, Any]
    params: Mapping[str, str]
    base_url: str
    """Scheme and host the caller used, for the URLs of Link headers."""
    resource_url: str

    @property
    def now(self) -> int:
        return self.sandbox.clock.now_s()

    def param_id(self, name: str) -> int:
        try:
            return int(self.params[name])
        except (KeyError, ValueError):
            raise ShopifyError(404, "Not Found") from None


Handler = Callable[[Ctx], Reply]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    pattern: str
    """The path after /admin/api/{version}/, with {name} for a numeric id."""
    handler: Handler


# --- parameter readers -----------------------------------------------------------------------


def id_list(raw: str | None, field: str) -> list[int] | None:
    """A comma-separated id list (`ids=1,2,3`), or None when absent."""
    if raw is None or raw == "":
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


def limit_of(query: QueryParams) -> int:
    raw = query.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise bad_request("limit", "Invalid value.") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise bad_request("limit", f"limit must be between 1 and {MAX_LIMIT}")
    return limit


# --- cursor pages ------------------------------------------------------------------------------


def page(
    ctx: Ctx,
    rows: Callable[[Mapping[str, str]], Sequence[Any]],
    *,
    key: Callable[[Any], int],
    descending: bool = False,
) -> tuple[list[Any], dict[str, str] | None]:
    """One page of `rows(filters)` ordered by `key` (the id), with its Link header.

    The first request's filters (every parameter but limit/fields/page_info) travel
    inside the page_info, so later pages see the same result set.
    """
    query = ctx.query
    limit = limit_of(query)
    raw_info = query.get("page_info")
    if raw_info:
        extra = sorted(set(query.keys()) - PAGE_KEEPS)
        if extra:
            name = extra[0]
            raise bad_request(name, f"{name} cannot be passed when page_info is present.")
        cursor = decode_page_info(raw_info)
        filters = {str(k): str(v) for k, v in dict(cursor.get("filters") or {}).items()}
    else:
        cursor = None
        filters = {k: v for k, v in query.items() if k not in PAGE_KEEPS}
    ordered = sorted(rows(filters), key=key, reverse=descending)
    start = 0
    if cursor is not None:
        start = _position(
            ordered, key, int(cursor["last_id"]), cursor.get("direction"), limit, descending
        )
    chunk = ordered[start : start + limit]
    more_after = start + limit < len(ordered)
    headers = None
    if chunk and (more_after or start > 0):
        next_info = _info(filters, key(chunk[-1]), "next") if more_after else None
        previous_info = _info(filters, key(chunk[0]), "prev") if start > 0 else None
        kept = f"limit={limit}&"
        if query.get("fields"):
            kept += f"fields={query['fields']}&"
        link = link_header(ctx.resource_url, next_info, previous_info, kept)
        headers = {"Link": link}
    return chunk, headers


def _info(filters: Mapping[str, str], last_id: int, direction: str) -> str:
    return encode_page_info({"filters": dict(filters), "last_id": last_id, "direction": direction})


def _position(
    ordered: Sequence[Any],
    key: Callable[[Any], int],
    last_id: int,
    direction: Any,
    limit: int,
    descending: bool,
) -> int:
    """Where the page after (or before) the row `last_id` starts; rows that vanished in
    between do not shift it (the cursor is a key, not an offset)."""
    if direction == "prev":
        before = sum(1 for row in ordered if _before(key(row), last_id, descending))
        return max(0, before - limit)
    return sum(1 for row in ordered if not _after(key(row), last_id, descending))


def _after(row_id: int, last_id: int, descending: bool) -> bool:
    return row_id < last_id if descending else row_id > last_id


def _before(row_id: int, last_id: int, descending: bool) -> bool:
    return row_id > last_id if descending else row_id < last_id


def filtered(items: Iterable[Any], *tests: Callable[[Any], bool]) -> list[Any]:
    return [item for item in items if all(test(item) for test in tests)]
