"""TikTok Shop Partner API (202309+, Indonesia) connector plugin (entry point
`tiktok = "connectors.tiktok:plugin"`)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
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

    def sandbox_credentials(self, name: str, index: int) -> dict[str, Any]:
        """One sandbox app and a shop of it (derived from nothing secret: these are fakes).

        The shop cipher looks like TikTok's ("ROW_" + base64-ish); the refresh token like a
        seller authorization's ("TTP_" + ...)."""
        digest = hashlib.sha256(f"tiktok/{name}/{index}".encode()).hexdigest()
        return {
            "app_key": "6d3k9sandbox",
            "app_secret": "sandbox-app-secret-0123456789abcdef",
            "service_id": "7310000000000sandbox",
            "shop_cipher": f"ROW_{digest[:30]}",
            "refresh_token": f"TTP_{digest[30:62]}",
        }

    def sandbox_app(self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> Any:
        """The fake TikTok Shop ASGI app (imported only when asked for: tests and the demo)."""
        from sandboxes.tiktok import create_app

        return create_app(shops, seed=seed)


plugin = TikTokPlugin()
