"""`PlatformPlugin`: the `sync.protocol.ConnectorPlugin` every built-in platform is — its
name, limits, credentials model, connector class and seller authorization, and the one
`create` that validates the credentials and builds the connector."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from lapak.sync.protocol import ConnectorLimits, Pacer, StoreSpec, TokenVault
from pydantic import BaseModel

C = TypeVar("C")


@dataclass(eq=False)
class PlatformPlugin(Generic[C]):
    """A platform's plugin. `connector(store, credentials, *, pacer, tokens, transport,
    **tuning)` builds its connector; `authorization` is the seller's authorization
    (`lapak connect`, docs/connect.md)."""

    platform: str
    limits: ConnectorLimits
    credentials_model: type[BaseModel]
    connector: Callable[..., C]
    authorization: Any
    """A `sync.protocol.Authorization` (typed loosely: platforms pin `app_keys` to a fixed
    tuple, which the protocol's settable `tuple[str, ...]` does not accept)."""

    def create(
        self,
        store: StoreSpec,
        credentials: BaseModel,
        *,
        pacer: Pacer,
        tokens: TokenVault,
        transport: Any = None,
        **tuning: Any,
    ) -> C:
        """A connector for one store. `tuning`: `clock`, `retry_policy`, `timeout` (as every
        connector), plus what the platform's connector takes besides."""
        if not isinstance(credentials, self.credentials_model):
            credentials = self.credentials_model.model_validate(credentials.model_dump())
        return self.connector(
            store, credentials, pacer=pacer, tokens=tokens, transport=transport, **tuning
        )
