"""Lazada Open Platform (LazOP) connector plugin: entry point `lazada = "connectors.lazada:plugin"`.

A store's `base_url` is the LazOP gateway of its country, e.g. https://api.lazada.co.id/rest
for Indonesia. The token APIs (/auth/token/refresh) live on https://auth.lazada.com/rest
for every country; the connector derives that from an api.lazada.* base URL and otherwise
uses the base URL itself (the sandbox serves both on one host). A deployment behind a
proxy passes `auth_url=...` to `plugin.create` to say where the token APIs are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from connectors.lazada.authorization import LazadaAuthorization
from connectors.lazada.connector import LIMITS, LazadaConnector, LazadaCredentials
from sync.protocol import ConnectorLimits, Pacer, StoreSpec, TokenVault

__all__ = ["LIMITS", "LazadaConnector", "LazadaCredentials", "LazadaPlugin", "plugin"]

SANDBOX_APP_KEY = "100132"
SANDBOX_APP_SECRET = "sandbox-lazada-app-secret-0123456789abcdef"


class LazadaPlugin:
    """`sync.protocol.ConnectorPlugin` for Lazada."""

    platform: str = "lazada"
    limits: ConnectorLimits = LIMITS
    credentials_model: type[BaseModel] = LazadaCredentials
    authorization: LazadaAuthorization = LazadaAuthorization()
    """The seller's authorization (`lapak connect`, docs/connect.md)."""

    def create(
        self,
        store: StoreSpec,
        credentials: BaseModel,
        *,
        pacer: Pacer,
        tokens: TokenVault,
        transport: Any = None,
        **tuning: Any,
    ) -> LazadaConnector:
        """`tuning`: `clock`, `retry_policy`, `timeout` (as every connector), and Lazada's
        `auth_url` and `package_cm` (see `LazadaConnector`)."""
        if not isinstance(credentials, LazadaCredentials):
            credentials = LazadaCredentials.model_validate(credentials.model_dump())
        return LazadaConnector(
            store, credentials, pacer=pacer, tokens=tokens, transport=transport, **tuning
        )

    def sandbox_credentials(self, name: str, index: int) -> dict[str, Any]:
        """One sandbox app for every store; a seller per store (fakes, derived from the name)."""
        digest = hashlib.sha256(f"lazada/{name}/{index}".encode()).hexdigest()
        return {
            "app_key": SANDBOX_APP_KEY,
            "app_secret": SANDBOX_APP_SECRET,
            "refresh_token": "50001600" + digest[:52],
            "seller_id": str(1_000_000_000 + int(digest[52:60], 16) % 1_000_000_000),
        }

    def sandbox_app(self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> Any:
        """The fake Lazada ASGI app (imported only when asked for: tests and the demo)."""
        from sandboxes.lazada import create_app

        return create_app(shops, seed=seed)


plugin = LazadaPlugin()
