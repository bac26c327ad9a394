"""WooCommerce REST API v3 connector plugin (entry point
`woocommerce = "lapak.connectors.woocommerce:plugin"`)."""

from __future__ import annotations

from lapak.connectors.kit.plugin import PlatformPlugin
from lapak.connectors.woocommerce.authorization import WooCommerceAuthorization
from lapak.connectors.woocommerce.connector import (
    LIMITS,
    WooCommerceConnector,
    WooCommerceCredentials,
)

__all__ = [
    "LIMITS",
    "WooCommerceAuthorization",
    "WooCommerceConnector",
    "WooCommerceCredentials",
    "plugin",
]

plugin = PlatformPlugin(
    "woocommerce", LIMITS, WooCommerceCredentials, WooCommerceConnector, WooCommerceAuthorization()
)
