"""What a Tokopedia API handler is given, and how handlers are routed by method and path
(kit/wire.py's `Router`, by the doc's path templates)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lapak.sandboxes.kit.wire import Router, SandboxCall
from lapak.sandboxes.tokopedia.ratelimit import bucket_headers
from lapak.sandboxes.tokopedia.state import App, Shop
from lapak.sandboxes.tokopedia.wire import TokopediaError, forbidden, query_int

if TYPE_CHECKING:
    from lapak.sandboxes.tokopedia.sandbox import TokopediaSandbox


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
        if found is None or found.fs_id != self.app.fs_id:
            raise forbidden(f"shop_id {shop_id} is not linked to fs_id {self.app.fs_id}")
        return found

    def shops(self) -> list[Shop]:
        """Every shop linked to the caller's fs_id."""
        return [s for s in self.sandbox.stores.values() if s.fs_id == self.app.fs_id]

    def rows_allowed(self, rows: int) -> int:
        """How many rows of a bulk call the per-row rate limit lets through."""
        buckets = self.sandbox.limiter.rows
        grant = buckets.take_upto((self.app.fs_id, self.route.name), rows)
        self.row_limits = bucket_headers(buckets, grant)
        return grant.granted


Handler = Callable[[Ctx], Any]


@dataclass(frozen=True, slots=True)
class Route:
    """`name` is the path template as the doc writes it ("/v2/fs/:fs_id/order")."""

    method: str
    name: str
    handler: Handler

    @property
    def template(self) -> str:
        """The kit Router's spelling of `name` ("/v2/fs/{fs_id}/order")."""
        return re.sub(r":(\w+)", r"{\1}", self.name)


def find_route(router: Router[Route], method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route of a call; 404/405 as an API gateway answers them."""

    def no_method(routes: list[Route]) -> TokopediaError:
        allowed = ", ".join(sorted({r.method for r in routes}))
        return TokopediaError(f"method {method} not allowed ({allowed})", "NOT_ALLOWED", status=405)

    def no_path() -> TokopediaError:
        return TokopediaError(f"path {path} not found", "NOT_FOUND", status=404)

    return router.find(method, path, no_path=no_path, no_method=no_method)
