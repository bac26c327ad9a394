"""Shopify Admin API connector plugin (entry point `shopify = "connectors.shopify:plugin"`)."""

from __future__ import annotations

from connectors.kit.plugin import PlatformPlugin
from connectors.shopify.authorization import ShopifyAuthorization
from connectors.shopify.connector import LIMITS, ShopifyConnector, ShopifyCredentials

__all__ = ["LIMITS", "ShopifyAuthorization", "ShopifyConnector", "ShopifyCredentials", "plugin"]

plugin = PlatformPlugin(
    "shopify", LIMITS, ShopifyCredentials, ShopifyConnector, ShopifyAuthorization()
)
