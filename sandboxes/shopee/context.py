"""What a Shopee API handler is given, and how the handlers are registered by path."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lapak.sandboxes.shopee.state import Shop
from lapak.sandboxes.shopee.wire import Reply

if TYPE_CHECKING:
    from lapak.sandboxes.shopee.sandbox import ShopeeSandbox
    from starlette.datastructures import QueryParams
    from starlette.requests import Request


@dataclass(slots=True)
class Ctx:
    """One authenticated call. `body` is the parsed JSON object (POST JSON) or raw bytes."""

    sandbox: ShopeeSandbox
    partner_id: int
    shop_or_none: Shop | None
    query: QueryParams
    body: Any
    content_type: str
    request: Request

    @property
    def shop(self) -> Shop:
        if self.shop_or_none is None:
            raise RuntimeError("shop API handler called without a shop")
        return self.shop_or_none

    @property
    def json(self) -> Mapping[str, Any]:
        return self.body if isinstance(self.body, Mapping) else {}

    @property
    def base_url(self) -> str:
        """Scheme and host the caller used, for URLs the sandbox hands out."""
        url = self.request.url
        return f"{url.scheme}://{url.netloc}"

    @property
    def now(self) -> int:
        return self.sandbox.clock.now_s()


Handler = Callable[[Ctx], Reply]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    handler: Handler
    raw_body: bool = False  # multipart upload: hand the bytes over unparsed
