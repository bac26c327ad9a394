"""Shopee Open Platform v2 connector plugin (entry point `shopee = "connectors.shopee:plugin"`)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
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

    def sandbox_credentials(self, name: str, index: int) -> dict[str, Any]:
        """One sandbox partner (its key derived from nothing secret: these are fakes)."""
        return {
            "partner_id": 2001887,
            "partner_key": "sandbox-partner-key-0123456789abcdef",
            "shop_id": 14701711 + index,
            "refresh_token": hashlib.sha256(f"shopee/{name}".encode()).hexdigest()[:32],
        }

    def sandbox_app(self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> Any:
        """The fake Shopee ASGI app (imported only when asked for: tests and the demo)."""
        from sandboxes.shopee import create_app

        return create_app(shops, seed=seed)


plugin = ShopeePlugin()
