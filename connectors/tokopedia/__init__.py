"""Tokopedia FS Open API connector plugin (entry point `connectors.tokopedia:plugin`)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from connectors.tokopedia.authorization import TokopediaAuthorization
from connectors.tokopedia.connector import LIMITS, TokopediaConnector, TokopediaCredentials
from sync.protocol import ConnectorLimits, Pacer, StoreSpec, TokenVault

__all__ = [
    "LIMITS",
    "TokopediaAuthorization",
    "TokopediaConnector",
    "TokopediaCredentials",
    "TokopediaPlugin",
    "plugin",
]


class TokopediaPlugin:
    """`sync.protocol.ConnectorPlugin` for Tokopedia."""

    platform: str = "tokopedia"
    limits: ConnectorLimits = LIMITS
    credentials_model: type[BaseModel] = TokopediaCredentials
    authorization: TokopediaAuthorization = TokopediaAuthorization()

    def create(
        self,
        store: StoreSpec,
        credentials: BaseModel,
        *,
        pacer: Pacer,
        tokens: TokenVault,
        transport: Any = None,
        **tuning: Any,
    ) -> TokopediaConnector:
        if not isinstance(credentials, TokopediaCredentials):
            credentials = TokopediaCredentials.model_validate(credentials.model_dump())
        return TokopediaConnector(
            store, credentials, pacer=pacer, tokens=tokens, transport=transport, **tuning
        )

    def sandbox_credentials(self, name: str, index: int) -> dict[str, Any]:
        """One sandbox app per store name (its fs_id, client and secrets derived from the
        name: these are fakes), linked to one shop."""
        digest = hashlib.sha256(f"tokopedia/{name}".encode()).hexdigest()
        return {
            "fs_id": 13000 + int(digest[:6], 16) % 60000,
            "client_id": digest[:32],
            "client_secret": hashlib.sha256(f"tokopedia-secret/{name}".encode()).hexdigest()[:32],
            "shop_id": 479573 + 10 * (int(digest[6:12], 16) % 100_000) + index,
            "webhook_secret": hashlib.sha256(f"tokopedia-hook/{name}".encode()).hexdigest()[:40],
        }

    def sandbox_app(self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> Any:
        """The fake Tokopedia ASGI app (imported only when asked for: tests and the demo)."""
        from sandboxes.tokopedia import create_app

        return create_app(shops, seed=seed)


plugin = TokopediaPlugin()
