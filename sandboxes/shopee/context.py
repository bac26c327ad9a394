"""What a Shopee API handler is given, and how the handlers are registered by path."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lapak.sandboxes.kit.wire import SandboxCall, given
from lapak.sandboxes.shopee.state import Shop
from lapak.sandboxes.shopee.wire import Reply

if TYPE_CHECKING:
    from lapak.sandboxes.shopee.sandbox import ShopeeSandbox


@dataclass(slots=True, kw_only=True)
class Ctx(SandboxCall):
    """One authenticated call: the partner, and the shop of a shop API."""

    sandbox: ShopeeSandbox
    partner_id: int
    shop_or_none: Shop | None

    @property
    def shop(self) -> Shop:
        return given(self.shop_or_none, "shop")


Handler = Callable[[Ctx], Reply]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    handler: Handler
    raw_body: bool = False  # multipart upload: hand the bytes over unparsed
