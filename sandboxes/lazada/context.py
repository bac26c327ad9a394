"""What a LazOP API handler is given, and how the handlers are registered by path."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lapak.sandboxes.kit.wire import SandboxCall, given
from lapak.sandboxes.lazada.state import Seller

if TYPE_CHECKING:
    from lapak.sandboxes.lazada.sandbox import LazadaSandbox


@dataclass(slots=True, kw_only=True)
class Ctx(SandboxCall):
    """One authenticated call: its parameters (query and form body merged) and its caller."""

    sandbox: LazadaSandbox
    app_key: str
    seller_or_none: Seller | None
    params: Mapping[str, str]

    @property
    def seller(self) -> Seller:
        return given(self.seller_or_none, "seller")


@dataclass(frozen=True, slots=True)
class Route:
    """`methods` as the API page gives them; `seller` False for the token APIs (signed
    without access_token, answered at the top level); `key` where the answer goes ("data",
    "result" for the fulfilment APIs). A coroutine handler runs outside the sandbox lock
    (it takes the lock itself)."""

    methods: frozenset[str]
    handler: Callable[[Ctx], Any]
    seller: bool = True
    key: str = "data"


def route(
    methods: str, handler: Callable[[Ctx], Any], *, seller: bool = True, key: str = "data"
) -> Route:
    return Route(frozenset(methods.split("/")), handler, seller, key)
