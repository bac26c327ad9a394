"""Shopee Open Platform v2 connector plugin (entry point `shopee = "connectors.shopee:plugin"`)."""

from __future__ import annotations

from connectors.kit.plugin import PlatformPlugin
from connectors.shopee.authorization import ShopeeAuthorization
from connectors.shopee.connector import LIMITS, ShopeeConnector, ShopeeCredentials

__all__ = ["LIMITS", "ShopeeConnector", "ShopeeCredentials", "plugin"]

plugin = PlatformPlugin("shopee", LIMITS, ShopeeCredentials, ShopeeConnector, ShopeeAuthorization())
