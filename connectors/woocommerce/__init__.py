"""WooCommerce REST API v3 connector plugin (entry point
`woocommerce = "connectors.woocommerce:plugin"`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from connectors.woocommerce.authorization import WooCommerceAuthorization
from connectors.woocommerce.connector import LIMITS, WooCommerceConnector, WooCommerceCredentials
from sync.protocol import ConnectorLimits, Pacer, StoreSpec, TokenVault

__all__ = [
    "LIMITS",
    "WooCommerceAuthorization",
    "WooCommerceConnector",
    "WooCommerceCredentials",
    "WooCommercePlugin",
    "plugin",
]


class WooCommercePlugin:
    """`sync.protocol.ConnectorPlugin` for WooCommerce."""

    platform: str = "woocommerce"
    limits: ConnectorLimits = LIMITS
    credentials_model: type[BaseModel] = WooCommerceCredentials
    authorization: WooCommerceAuthorization = WooCommerceAuthorization()

    def create(
        self,
        store: StoreSpec,
        credentials: BaseModel,
        *,
        pacer: Pacer,
        tokens: TokenVault,
        transport: Any = None,
        **tuning: Any,
    ) -> WooCommerceConnector:
        if not isinstance(credentials, WooCommerceCredentials):
            credentials = WooCommerceCredentials.model_validate(credentials.model_dump())
        return WooCommerceConnector(
            store, credentials, pacer=pacer, tokens=tokens, transport=transport, **tuning
        )


plugin = WooCommercePlugin()
