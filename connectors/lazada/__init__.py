"""Lazada Open Platform (LazOP) connector plugin: entry point `lazada = "connectors.lazada:plugin"`.

A store's `base_url` is the LazOP gateway of its country, e.g. https://api.lazada.co.id/rest
for Indonesia. The token APIs (/auth/token/refresh) live on https://auth.lazada.com/rest
for every country; the connector derives that from an api.lazada.* base URL and otherwise
uses the base URL itself (the sandbox serves both on one host). A deployment behind a
proxy passes `auth_url=...` to `plugin.create` to say where the token APIs are.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from connectors.lazada.authorization import LazadaAuthorization
from connectors.lazada.connector import LIMITS, LazadaConnector, LazadaCredentials
from sync.protocol import ConnectorLimits, Pacer, StoreSpec, TokenVault

__all__ = ["LIMITS", "LazadaConnector", "LazadaCredentials", "LazadaPlugin", "plugin"]


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


plugin = LazadaPlugin()
