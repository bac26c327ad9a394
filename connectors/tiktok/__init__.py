"""TikTok Shop Partner API (202309+, Indonesia) connector plugin (entry point
`tiktok = "lapak.connectors.tiktok:plugin"`)."""

from __future__ import annotations

from lapak.connectors.kit.plugin import PlatformPlugin
from lapak.connectors.tiktok.authorization import TikTokAuthorization
from lapak.connectors.tiktok.connector import LIMITS, TikTokConnector, TikTokCredentials

__all__ = ["LIMITS", "TikTokConnector", "TikTokCredentials", "plugin"]

plugin = PlatformPlugin("tiktok", LIMITS, TikTokCredentials, TikTokConnector, TikTokAuthorization())
