"""`ConnectorBase`: what every built-in connector's constructor does the same way.

A connector is built by `PlatformPlugin.create` from a store, its credentials, the store's
pacer and token vault, and the tuning every connector takes (transport, retry policy,
timeout, clock). The base keeps the store, the retry policy and the clock, opens one HTTP
client and hands the platform a `Wiring` to build its own client from (`_connect`); it
closes the HTTP client on `close`. A platform with more tuning overrides `__init__`,
keeps its own keywords and passes the rest (`Plumbing`) on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar, Generic, Required, TypedDict, TypeVar

import httpx
import structlog
from lapak.connectors.http import Retrier, RetryPolicy, make_client
from lapak.connectors.kit.client import Wiring
from lapak.connectors.kit.updates import B, Plan, Results, Update, push_plan
from lapak.sync.protocol import AuthError, ConnectorLimits, Pacer, StoreSpec, TokenVault
from lapak.sync.types import ItemResult, ListingRef, RemoteListing

C = TypeVar("C")

log = structlog.get_logger(__name__)


class Plumbing(TypedDict, total=False):
    """The keywords every connector takes besides its store and credentials."""

    pacer: Required[Pacer]
    tokens: Required[TokenVault]
    transport: httpx.BaseTransport | None
    retry_policy: RetryPolicy | None
    timeout: float
    clock: Callable[[], float]


def not_connected_yet(store: StoreSpec) -> AuthError:
    """The refusal to build a connector for a store `lapak connect` has not connected."""
    return AuthError(f"{store.name}: not connected yet: run `lapak connect {store.name}`")


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """The value of the header `name` (any case), or None."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


class ConnectorBase(Generic[C]):
    """A connector for one store of `platform`. Subclasses supply `_connect`."""

    platform: ClassVar[str]
    limits: ClassVar[ConnectorLimits]
    relative_paths: ClassVar[bool] = True
    """Whether the platform's client sends paths relative to the store's base URL (else it
    builds whole URLs itself, and the HTTP client has no base URL)."""

    def __init__(
        self,
        store: StoreSpec,
        credentials: C,
        *,
        pacer: Pacer,
        tokens: TokenVault,
        transport: httpx.BaseTransport | None = None,
        retry_policy: RetryPolicy | None = None,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ):
        """`timeout` is per HTTP call (seconds); `clock` gives the unix seconds that sign
        and date requests (tests pass a sandbox's clock)."""
        self.store = store
        self._retry_policy = retry_policy or RetryPolicy()
        self._clock = clock
        base_url = store.base_url if self.relative_paths else ""
        self._http = make_client(base_url=base_url, timeout=timeout, transport=transport)
        wiring = Wiring(self._http, Retrier(self._retry_policy), pacer, tokens, store.name, clock)
        try:
            self._connect(credentials, wiring)
        except BaseException:
            self._http.close()
            raise

    def _connect(self, credentials: C, wiring: Wiring) -> None:
        """Read the credentials and build the platform's client on `wiring`; raise
        `not_connected_yet(self.store)` when the store cannot be reached without them."""
        raise NotImplementedError

    def _in_ref_order(
        self,
        refs: Sequence[ListingRef],
        found: Mapping[tuple[str, str], RemoteListing],
        key: Callable[[ListingRef], tuple[str, str]] = lambda ref: (ref.item_id, ref.variant_id),
    ) -> list[RemoteListing]:
        """`read_stock`'s answer: the listings read back (`found`, by the `key` of their
        ref) in the order of `refs`, each under the ref asked for; a ref not read back is
        logged ("<platform>_listing_missing") and left out."""
        results = []
        for ref in refs:
            listing = found.get(key(ref))
            if listing is None:
                log.warning(f"{self.platform}_listing_missing", store=self.store.name, sku=ref.sku)
                continue
            results.append(RemoteListing(ref, listing.stock, listing.price, listing.name))
        return results

    def _push_plan(
        self, plan: Plan[B], updates: Sequence[Update], send: Callable[[B], Results]
    ) -> list[ItemResult]:
        """`send` each batch of a stock or price plan (`kit.updates.push_plan`) under this
        connector's retry policy, `limits.parallel_calls` calls at once."""
        return push_plan(
            plan, updates, send, self._retry_policy, at_once=self.limits.parallel_calls
        )

    def close(self) -> None:
        self._http.close()
