"""What a Shopee API handler is given, and how the handlers are registered by path."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lapak.sandboxes.kit.wire import Call
from lapak.sandboxes.shopee.state import Shop
from lapak.sandboxes.shopee.wire import Reply

if TYPE_CHECKING:
    from lapak.sandboxes.shopee.sandbox import ShopeeSandbox


@dataclass(slots=True, kw_only=True)
class Ctx(Call):
    """One authenticated call: the partner, and the shop of a shop API."""

    sandbox: ShopeeSandbox
    partner_id: int
    shop_or_none: Shop | None

    @property
    def shop(self) -> Shop:
        if self.shop_or_none is None:
            raise RuntimeError("shop API handler called without a shop")
        return self.shop_or_none

    @property
    def now(self) -> int:
        return self.sandbox.clock.now_s()


Handler = Callable[[Ctx], Reply]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    handler: Handler
    raw_body: bool = False  # multipart upload: hand the bytes over unparsed
