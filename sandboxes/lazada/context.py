"""What a LazOP API handler is given, and how the handlers are registered by path."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lapak.sandboxes.lazada.state import Seller

if TYPE_CHECKING:
    from lapak.sandboxes.lazada.sandbox import LazadaSandbox


@dataclass(slots=True)
class Ctx:
    """One authenticated call: its parameters (query and form body merged) and its caller."""

    sandbox: LazadaSandbox
    app_key: str
    seller_or_none: Seller | None
    params: Mapping[str, str]
    base_url: str
    """Scheme and host the caller used, for URLs the sandbox hands out."""

    @property
    def seller(self) -> Seller:
        if self.seller_or_none is None:
            raise RuntimeError("seller API handler called without a seller")
        return self.seller_or_none

    @property
    def now(self) -> int:
        return self.sandbox.clock.now_s()


Handler = Callable[[Ctx], Any]
AsyncHandler = Callable[[Ctx], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Route:
    """`methods` as the API page gives them; `seller` False for the token APIs (signed
    without access_token, answered at the top level); `key` where the answer goes ("data",
    "result" for the fulfilment APIs); an `async_handler` runs outside the sandbox lock
    (it takes the lock itself)."""

    methods: frozenset[str]
    handler: Handler | None = None
    async_handler: AsyncHandler | None = None
    seller: bool = True
    key: str = "data"


def route(methods: str, handler: Handler, *, seller: bool = True, key: str = "data") -> Route:
    return Route(frozenset(methods.split("/")), handler=handler, seller=seller, key=key)


def async_route(methods: str, handler: AsyncHandler) -> Route:
    return Route(frozenset(methods.split("/")), async_handler=handler)
