"""`TokenClient`: the base of a marketplace client whose calls carry a refreshable access
token. One call is: sign → send → read the envelope → classify (`kit.refusals`) → on a
stale token refresh it once → retry (`connectors.http.Retrier`). A platform's client
supplies the attempt (its signing, paths and envelope reader, raising the refusal its
`ErrorTable` classifies) and `refresh`, its token refresh."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import httpx
from lapak.connectors.http import Retrier
from lapak.connectors.kit.calls import with_fresh_token
from lapak.sync.protocol import Pacer, TokenVault, not_connected
from lapak.sync.types import TokenSet

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Wiring:
    """What a marketplace client is built on, one per connector (`kit.connector`): its
    HTTP client, the retrier, the store's pacer and token vault, the store's name for the
    messages, and the clock that signs and dates."""

    http: httpx.Client
    retrier: Retrier
    pacer: Pacer
    tokens: TokenVault
    store_name: str = ""
    clock: Callable[[], float] = time.time


@dataclass(frozen=True, slots=True)
class Request:
    """One API call as a marketplace client is asked for it (by its `get`, `post`, …): what
    its attempt then paces, signs and sends. `params` go in the query, `body` as JSON, or
    `files` and `form` as a multipart body."""

    method: str
    path: str
    params: Mapping[str, Any] | None = None
    body: Any = None
    files: Mapping[str, Any] | None = None
    form: Mapping[str, str] | None = None


class TokenClient:
    """Holds what every token-bearing call needs; `platform` names the log lines."""

    platform: ClassVar[str]

    def __init__(self, wiring: Wiring, initial_refresh_token: str | None = None):
        """`initial_refresh_token`: the configured one a first refresh sends while the vault
        holds none (None: a platform without refresh tokens, or a store not connected)."""
        self._initial_refresh_token = initial_refresh_token
        self._http = wiring.http
        self._base_url = str(wiring.http.base_url).rstrip("/")
        self._retrier = wiring.retrier
        self._pacer = wiring.pacer
        self._tokens = wiring.tokens
        self._store_name = wiring.store_name
        self._clock = wiring.clock

    def refresh(self, current: TokenSet | None) -> TokenSet:
        """A new token set (a `Refresh` for the vault)."""
        raise NotImplementedError

    def _refresh_token(self, current: TokenSet | None) -> str:
        """The refresh token a refresh sends: the vault's (`current`), else the configured
        initial one; with neither the store is not connected yet (`not_connected`)."""
        refresh_token = current.refresh_token if current else self._initial_refresh_token
        if refresh_token is None:
            raise not_connected(self._store_name)
        return refresh_token

    def _with_token(
        self,
        attempt: Callable[..., T],
        *args: Any,
        path: str,
        idempotent: bool = True,
        **log_fields: Any,
    ) -> T:
        """`attempt(*args, access_token)`, retried; a refused token is refreshed once."""
        return with_fresh_token(
            self.platform,
            self._retrier,
            self._tokens,
            self.refresh,
            attempt,
            *args,
            path=path,
            idempotent=idempotent,
            **log_fields,
        )
