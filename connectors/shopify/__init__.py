"""Shopify Admin API connector plugin (entry point `shopify = "connectors.shopify:plugin"`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from connectors.shopify.authorization import ShopifyAuthorization
from connectors.shopify.connector import LIMITS, ShopifyConnector, ShopifyCredentials
from sync.protocol import ConnectorLimits, Pacer, StoreSpec, TokenVault

__all__ = [
    "LIMITS",
    "ShopifyAuthorization",
    "ShopifyConnector",
    "ShopifyCredentials",
    "ShopifyPlugin",
    "plugin",
]


class ShopifyPlugin:
    """`sync.protocol.ConnectorPlugin` for Shopify."""

    platform: str = "shopify"
    limits: ConnectorLimits = LIMITS
    credentials_model: type[BaseModel] = ShopifyCredentials
    authorization: ShopifyAuthorization = ShopifyAuthorization()

    def create(
        self,
        store: StoreSpec,
        credentials: BaseModel,
        *,
        pacer: Pacer,
        tokens: TokenVault,
        transport: Any = None,
        **tuning: Any,
    ) -> ShopifyConnector:
        if not isinstance(credentials, ShopifyCredentials):
            credentials = ShopifyCredentials.model_validate(credentials.model_dump())
        return ShopifyConnector(
            store, credentials, pacer=pacer, tokens=tokens, transport=transport, **tuning
        )


plugin = ShopifyPlugin()
