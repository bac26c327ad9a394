"""Tokopedia FS Open API connector plugin (entry point `connectors.tokopedia:plugin`)."""

from __future__ import annotations

from lapak.connectors.kit.plugin import PlatformPlugin
from lapak.connectors.tokopedia.authorization import TokopediaAuthorization
from lapak.connectors.tokopedia.connector import LIMITS, TokopediaConnector, TokopediaCredentials

__all__ = [
    "LIMITS",
    "TokopediaAuthorization",
    "TokopediaConnector",
    "TokopediaCredentials",
    "plugin",
]

plugin = PlatformPlugin(
    "tokopedia", LIMITS, TokopediaCredentials, TokopediaConnector, TokopediaAuthorization()
)
