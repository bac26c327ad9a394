"""WooCommerce REST API v3 connector plugin (entry point
`woocommerce = "connectors.woocommerce:plugin"`)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
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


def _fake(kind: str, name: str, index: int) -> str:
    return hashlib.sha1(
        f"woocommerce/{kind}/{name}/{index}".encode(), usedforsecurity=False
    ).hexdigest()


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

    def sandbox_credentials(self, name: str, index: int) -> dict[str, Any]:
        """API keys shaped like WooCommerce's (`ck_`/`cs_` + 40 hex), derived from the name."""
        return {
            "consumer_key": f"ck_{_fake('key', name, index)}",
            "consumer_secret": f"cs_{_fake('secret', name, index)}",
            "webhook_secret": _fake("webhook", name, index),
        }

    def sandbox_app(self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> Any:
        """The fake WooCommerce ASGI app (imported only when asked for: tests and the demo)."""
        from sandboxes.woocommerce import create_app

        return create_app(shops, seed=seed)


plugin = WooCommercePlugin()
