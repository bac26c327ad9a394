"""TikTok Shop Partner API (202309+, Indonesia) connector plugin (entry point
`tiktok = "connectors.tiktok:plugin"`)."""

from __future__ import annotations

from connectors.kit.plugin import PlatformPlugin
from connectors.tiktok.authorization import TikTokAuthorization
from connectors.tiktok.connector import LIMITS, TikTokConnector, TikTokCredentials

__all__ = ["LIMITS", "TikTokConnector", "TikTokCredentials", "plugin"]

plugin = PlatformPlugin("tiktok", LIMITS, TikTokCredentials, TikTokConnector, TikTokAuthorization())
