"""Lazada Open Platform (LazOP) connector plugin.

Entry point `lazada = "lapak.connectors.lazada:plugin"`.

A store's `base_url` is the LazOP gateway of its country, e.g. https://api.lazada.co.id/rest
for Indonesia. The token APIs (/auth/token/refresh) live on https://auth.lazada.com/rest
for every country; the connector derives that from an api.lazada.* base URL and otherwise
uses the base URL itself (the sandbox serves both on one host). A deployment behind a
proxy passes `auth_url=...` to `plugin.create` to say where the token APIs are.
"""

from __future__ import annotations

from lapak.connectors.kit.plugin import PlatformPlugin
from lapak.connectors.lazada.authorization import LazadaAuthorization
from lapak.connectors.lazada.connector import LIMITS, LazadaConnector, LazadaCredentials

__all__ = ["LIMITS", "LazadaConnector", "LazadaCredentials", "plugin"]

# `plugin.create` tuning also takes Lazada's `auth_url` and `package_cm` (see `LazadaConnector`).
plugin = PlatformPlugin("lazada", LIMITS, LazadaCredentials, LazadaConnector, LazadaAuthorization())
