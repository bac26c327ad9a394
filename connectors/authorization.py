"""What the platforms' seller authorizations (`connectors/<platform>/authorization.py`)
share: the `sync.protocol.Authorization` shape (`SellerAuthorization`), reading the
redirect's parameters and telling a refused code from a hiccup."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from lapak.connectors.http import make_client
from lapak.sync.protocol import (
    AuthError,
    ConnectorError,
    PermanentError,
    StoreSpec,
    TransientError,
)
from lapak.sync.types import Grant
from pydantic import BaseModel, ValidationError


def required(params: Mapping[str, str], name: str, platform: str) -> str:
    """The redirect's `name` parameter; a `PermanentError` saying what to do without it."""
    value = (params.get(name) or "").strip()
    if not value:
        raise PermanentError(
            f"{platform} sent no {name} back: open the authorization link again and "
            "press Authorize (a pasted address must be the whole one the browser showed)"
        )
    return value


def validated_keys(model: type[BaseModel], credentials: Mapping[str, Any], platform: str) -> Any:
    """The credentials validated by the platform's model (app keys must be there)."""
    try:
        return model.model_validate(dict(credentials))
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][0]) for e in exc.errors() if e["loc"])
        raise PermanentError(
            f"{platform}: the config's credentials are incomplete ({fields}): "
            "see config/lapak.example.toml"
        ) from None


@contextmanager
def exchanging(platform: str) -> Iterator[None]:
    """Around a code exchange: a refusal of any kind (the platform's error code, a
    malformed answer is transient) becomes an `AuthError` saying the code was refused."""
    try:
        yield
    except TransientError:
        raise
    except ConnectorError as exc:
        raise AuthError(
            f"{platform} refused the authorization ({exc}): the code may have expired or "
            "been used already; run the connection again",
            code=exc.code,
            status=exc.status,
        ) from None


@dataclass(frozen=True, slots=True)
class Callback:
    """What `complete` is handed: the store being connected, its credentials from the
    config, the parameters the platform sent back to Lapak's callback (a redirect's query,
    WooCommerce's posted keys) and the transport of the exchange (tests replace the
    network)."""

    store: StoreSpec
    credentials: Mapping[str, Any]
    params: Mapping[str, Any]
    transport: Any = None


class SellerAuthorization:
    """A platform's `sync.protocol.Authorization`: the protocol's `begin` and `complete`
    written once over the platform's `_link` and `_grant`. It keeps the clock (links and
    exchanges are signed and dated) and the timeout of the exchange's HTTP calls."""

    app_keys: tuple[str, ...]

    def __init__(self, clock: Callable[[], float] = time.time, timeout: float = 10.0) -> None:
        self._clock = clock
        self._timeout = timeout

    def begin(
        self, store: StoreSpec, credentials: Mapping[str, Any], *, redirect_uri: str, state: str
    ) -> str | None:
        return self._link(store, credentials, redirect_uri, state)

    def complete(
        self,
        store: StoreSpec,
        credentials: Mapping[str, Any],
        params: Mapping[str, str],
        *,
        redirect_uri: str,
        transport: Any = None,
    ) -> Grant:
        """`redirect_uri` is the link's: no platform's exchange names it again."""
        return self._grant(Callback(store, credentials, params, transport))

    def _link(
        self, store: StoreSpec, credentials: Mapping[str, Any], redirect_uri: str, state: str
    ) -> str | None:
        """The link the seller opens (None: the platform has no seller step)."""
        raise NotImplementedError

    def _grant(self, back: Callback) -> Grant:
        """What the seller's authorization sent back turned into a `Grant`."""
        raise NotImplementedError

    @contextmanager
    def _exchange_client(self, platform: str, transport: Any) -> Iterator[httpx.Client]:
        """An HTTP client for a code exchange; a refusal within is `exchanging(platform)`'s."""
        with make_client(timeout=self._timeout, transport=transport) as http, exchanging(platform):
            yield http
