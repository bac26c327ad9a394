"""Shopify Admin API connector plugin (entry point `shopify = "connectors.shopify:plugin"`)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
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

    def sandbox_credentials(self, name: str, index: int) -> dict[str, Any]:
        """A custom app installed on one sandbox shop (fakes, derived from nothing secret:
        `shpat_` is the prefix of Admin API access tokens, `shpss_` of shared secrets; a
        Client ID is 32 hex digits). The sandbox hands `access_token` out when the app is
        installed through its authorization page."""
        digest = hashlib.sha256(f"shopify/{name}/{index}".encode()).hexdigest()
        app_id = hashlib.sha256(f"shopify-app/{name}/{index}".encode()).hexdigest()
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or f"toko-{index}"
        return {
            "shop_domain": f"{slug}.myshopify.com",
            "access_token": f"shpat_{digest[:32]}",
            "client_secret": f"shpss_{digest[32:64]}",
            "client_id": app_id[:32],
            "api_version": "2025-01",
        }

    def sandbox_app(self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> Any:
        """The fake Shopify ASGI app (imported only when asked for: tests and the demo)."""
        from sandboxes.shopify import create_app

        return create_app(shops, seed=seed)


plugin = ShopifyPlugin()
