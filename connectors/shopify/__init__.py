"""Shopify Admin API connector plugin.

Entry point `shopify = "lapak.connectors.shopify:plugin"`.
"""

from __future__ import annotations

from lapak.connectors.kit.plugin import PlatformPlugin
from lapak.connectors.shopify.authorization import ShopifyAuthorization
from lapak.connectors.shopify.connector import LIMITS, ShopifyConnector, ShopifyCredentials

__all__ = ["LIMITS", "ShopifyAuthorization", "ShopifyConnector", "ShopifyCredentials", "plugin"]

plugin = PlatformPlugin(
    "shopify", LIMITS, ShopifyCredentials, ShopifyConnector, ShopifyAuthorization()
)
