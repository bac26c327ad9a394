"""Lapak connector for Warung Online, a fictional marketplace: the worked example of a
third-party connector package.

Lapak finds it through the entry point in this package's pyproject.toml::

    [project.entry-points."lapak.connectors"]
    warung = "lapak_warung:plugin"

`plugin` satisfies `lapak.sync.protocol.ConnectorPlugin`: it makes a `WarungConnector` for a store
(`connector.py`). The fake Warung Online (`sandbox.py`) registers apart, under
`lapak.sandboxes` (`warung = "lapak_warung.sandbox:sandbox"`): the connector runs without it,
and Lapak's conformance suite runs against it
(`pytest -p lapak.testing --lapak-platform warung`).
"""

from __future__ import annotations

from typing import Any

from lapak.sync.protocol import ConnectorLimits, Pacer, StoreSpec, TokenVault
from pydantic import BaseModel

from lapak_warung.connector import LIMITS, WarungConnector, WarungCredentials

__all__ = ["LIMITS", "WarungConnector", "WarungCredentials", "WarungPlugin", "plugin"]


class WarungPlugin:
    """`lapak.sync.protocol.ConnectorPlugin` for Warung Online."""

    platform: str = "warung"
    limits: ConnectorLimits = LIMITS
    credentials_model: type[BaseModel] = WarungCredentials

    def create(
        self,
        store: StoreSpec,
        credentials: BaseModel,
        *,
        pacer: Pacer,
        tokens: TokenVault,
        transport: Any = None,
        **tuning: Any,
    ) -> WarungConnector:
        """`tuning`: `clock`, `retry_policy`, `timeout` (see `WarungConnector`)."""
        keys = WarungCredentials.model_validate(credentials, from_attributes=True)
        return WarungConnector(
            store, keys, pacer=pacer, tokens=tokens, transport=transport, **tuning
        )


plugin = WarungPlugin()
