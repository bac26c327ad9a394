"""Tokopedia FS Open API connector plugin (entry point `connectors.tokopedia:plugin`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from connectors.tokopedia.authorization import TokopediaAuthorization
from connectors.tokopedia.connector import LIMITS, TokopediaConnector, TokopediaCredentials
from sync.protocol import ConnectorLimits, Pacer, StoreSpec, TokenVault

__all__ = [
    "LIMITS",
    "TokopediaAuthorization",
    "TokopediaConnector",
    "TokopediaCredentials",
    "TokopediaPlugin",
    "plugin",
]


class TokopediaPlugin:
    """`sync.protocol.ConnectorPlugin` for Tokopedia."""

    platform: str = "tokopedia"
    limits: ConnectorLimits = LIMITS
    credentials_model: type[BaseModel] = TokopediaCredentials
    authorization: TokopediaAuthorization = TokopediaAuthorization()

    def create(
        self,
        store: StoreSpec,
        credentials: BaseModel,
        *,
        pacer: Pacer,
        tokens: TokenVault,
        transport: Any = None,
        **tuning: Any,
    ) -> TokopediaConnector:
        if not isinstance(credentials, TokopediaCredentials):
            credentials = TokopediaCredentials.model_validate(credentials.model_dump())
        return TokopediaConnector(
            store, credentials, pacer=pacer, tokens=tokens, transport=transport, **tuning
        )


plugin = TokopediaPlugin()
