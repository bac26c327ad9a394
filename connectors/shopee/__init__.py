"""Shopee Open Platform v2 connector plugin (entry point `shopee = "connectors.shopee:plugin"`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from connectors.shopee.authorization import ShopeeAuthorization
from connectors.shopee.connector import LIMITS, ShopeeConnector, ShopeeCredentials
from sync.protocol import ConnectorLimits, Pacer, StoreSpec, TokenVault

__all__ = ["LIMITS", "ShopeeConnector", "ShopeeCredentials", "ShopeePlugin", "plugin"]


class ShopeePlugin:
    """`sync.protocol.ConnectorPlugin` for Shopee."""

    platform: str = "shopee"
    limits: ConnectorLimits = LIMITS
    credentials_model: type[BaseModel] = ShopeeCredentials
    authorization: ShopeeAuthorization = ShopeeAuthorization()
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
    ) -> ShopeeConnector:
        if not isinstance(credentials, ShopeeCredentials):
            credentials = ShopeeCredentials.model_validate(credentials.model_dump())
        return ShopeeConnector(
            store, credentials, pacer=pacer, tokens=tokens, transport=transport, **tuning
        )


plugin = ShopeePlugin()
