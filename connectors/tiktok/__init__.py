"""TikTok Shop Partner API (202309+, Indonesia) connector plugin (entry point
`tiktok = "connectors.tiktok:plugin"`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from connectors.tiktok.authorization import TikTokAuthorization
from connectors.tiktok.connector import LIMITS, TikTokConnector, TikTokCredentials
from sync.protocol import ConnectorLimits, Pacer, StoreSpec, TokenVault

__all__ = ["LIMITS", "TikTokConnector", "TikTokCredentials", "TikTokPlugin", "plugin"]


class TikTokPlugin:
    """`sync.protocol.ConnectorPlugin` for TikTok Shop."""

    platform: str = "tiktok"
    limits: ConnectorLimits = LIMITS
    credentials_model: type[BaseModel] = TikTokCredentials
    authorization: TikTokAuthorization = TikTokAuthorization()
    """The seller's authorization (`lapak connect`, docs/connect.md)."""

    def create(
        self,
        store: StoreSpec,
        credentials: BaseModel,
        *,
        pacer: Pacer,
        tokens: TokenVault,
        transport: Any = None,
        **tuning: Any,
    ) -> TikTokConnector:
        if not isinstance(credentials, TikTokCredentials):
            credentials = TikTokCredentials.model_validate(credentials.model_dump())
        return TikTokConnector(
            store, credentials, pacer=pacer, tokens=tokens, transport=transport, **tuning
        )


plugin = TikTokPlugin()
