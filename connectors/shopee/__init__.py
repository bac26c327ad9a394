"""Shopee Open Platform v2 connector plugin.

Entry point `shopee = "lapak.connectors.shopee:plugin"`.
"""

from __future__ import annotations

from lapak.connectors.kit.plugin import PlatformPlugin
from lapak.connectors.shopee.authorization import ShopeeAuthorization
from lapak.connectors.shopee.connector import LIMITS, ShopeeConnector, ShopeeCredentials

__all__ = ["LIMITS", "ShopeeConnector", "ShopeeCredentials", "plugin"]

plugin = PlatformPlugin("shopee", LIMITS, ShopeeCredentials, ShopeeConnector, ShopeeAuthorization())
