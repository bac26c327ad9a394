"""WooCommerce REST API v3 connector plugin (entry point
`woocommerce = "connectors.woocommerce:plugin"`)."""

from __future__ import annotations

from connectors.kit.plugin import PlatformPlugin
from connectors.woocommerce.authorization import WooCommerceAuthorization
from connectors.woocommerce.connector import LIMITS, WooCommerceConnector, WooCommerceCredentials

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
