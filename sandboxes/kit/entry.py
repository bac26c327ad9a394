"""`SandboxEntry`: what a platform's `lapak.sandboxes` entry point names (it satisfies
`sandboxes.registry.Sandbox`), made from the platform's `create_app` and fake credentials."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SandboxEntry:
    platform: str
    create_app: Callable[..., Any]
    """`create_app(shops, *, seed)`: the platform's fake ASGI app."""
    fake_credentials: Callable[[str, int], dict[str, Any]]
    """`fake_credentials(name, index)`: well-formed fake keys for one store."""

    def app(self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> Any:
        return self.create_app(shops, seed=seed)

    def credentials(self, name: str, index: int) -> dict[str, Any]:
        return self.fake_credentials(name, index)
