"""Lapak connector for Warung Online, a fictional marketplace: the worked example of a
third-party connector package.

Lapak finds it through the entry point in this package's pyproject.toml::

    [project.entry-points."lapak.connectors"]
    warung = "lapak_warung:plugin"

`plugin` satisfies `sync.protocol.ConnectorPlugin`: it makes a `WarungConnector` for a store
(`connector.py`) and, for tests and the demo, the fake Warung Online (`sandbox.py`), whose
`app.state.control` satisfies `sandboxes.kit.control.SandboxControl`. Check it with
Lapak's conformance suite: `pytest tests/connectors/conformance -k warung`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from lapak_warung.connector import LIMITS, WarungConnector, WarungCredentials
from sync.protocol import ConnectorLimits, Pacer, StoreSpec, TokenVault

__all__ = ["LIMITS", "WarungConnector", "WarungCredentials", "WarungPlugin", "plugin"]


class WarungPlugin:
    """`sync.protocol.ConnectorPlugin` for Warung Online."""

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

    def sandbox_credentials(self, name: str, index: int) -> dict[str, Any]:
        """Fake but well-formed keys, the same for the same store every time."""
        digest = hashlib.sha256(f"warung/{name}/{index}".encode()).hexdigest()
        return {"api_key": f"wk_{digest[:16]}", "api_secret": f"ws_{digest[16:48]}"}

    def sandbox_app(self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> Any:
        """The fake Warung Online (imported only when asked for: tests and the demo)."""
        from lapak_warung.sandbox import create_app

        return create_app(shops, seed=seed)


plugin = WarungPlugin()
