"""What a TikTok API handler is given, and the routes (kit/wire.py's `Router` finds them by
path template)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lapak.sandboxes.kit.wire import SandboxCall, given
from lapak.sandboxes.tiktok.gate import Caller
from lapak.sandboxes.tiktok.state import Shop

if TYPE_CHECKING:
    from lapak.sandboxes.tiktok.sandbox import TikTokSandbox


@dataclass(slots=True, kw_only=True)
class Ctx(SandboxCall):
    """One authenticated call."""

    sandbox: TikTokSandbox
    caller: Caller | None
    params: Mapping[str, str]

    @property
    def shop(self) -> Shop:
        return given(self.caller.shop if self.caller is not None else None, "shop")


Handler = Callable[[Ctx], Any]
"""Returns the `data` of the envelope (or raises `TikTokError`)."""


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    template: str
    handler: Handler
    shop: bool = True
    """The API takes shop_cipher (is_shop_chiper_exist in the reference page)."""
    multipart: bool = False
    signed: bool = True
    """False for the auth host's token endpoints (app secret in the query, no sign)."""
