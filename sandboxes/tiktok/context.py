"""What a TikTok API handler is given, and how handlers are found by path template."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lapak.sandboxes.kit.wire import Call
from lapak.sandboxes.tiktok.gate import Caller
from lapak.sandboxes.tiktok.state import Shop
from starlette.routing import compile_path

if TYPE_CHECKING:
    from lapak.sandboxes.tiktok.sandbox import TikTokSandbox


@dataclass(slots=True, kw_only=True)
class Ctx(Call):
    """One authenticated call."""

    sandbox: TikTokSandbox
    caller: Caller | None
    params: Mapping[str, str]

    @property
    def shop(self) -> Shop:
        if self.caller is None or self.caller.shop is None:
            raise RuntimeError("shop API handler called without a shop")
        return self.caller.shop

    @property
    def now(self) -> int:
        return self.sandbox.clock.now_s()


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


class Router:
    """Finds the routes of a path (one a method); `{name}` segments become path params."""

    def __init__(self, routes: list[Route]) -> None:
        by_template: dict[str, list[Route]] = {}
        for route in routes:
            by_template.setdefault(route.template, []).append(route)
        self._exact = {t: found for t, found in by_template.items() if "{" not in t}
        self._patterns = [(compile_path(t)[0], f) for t, f in by_template.items() if "{" in t]

    def match(self, path: str) -> tuple[list[Route], dict[str, str]]:
        """The routes of this path (any method) and its path params."""
        if path in self._exact:
            return self._exact[path], {}
        for pattern, found in self._patterns:
            matched = pattern.match(path)
            if matched:
                return found, matched.groupdict()
        return [], {}
