"""Finds sandboxes (fake marketplaces) through the `lapak.sandboxes` entry-point group,
beside the connectors' `lapak.connectors` (`sync/registry.py`).

A package may ship a sandbox for its platform by declaring, in its pyproject.toml::

    [project.entry-points."lapak.sandboxes"]
    myplatform = "my_package.sandbox:sandbox"

where `sandbox` satisfies `Sandbox`. A connector runs without one; it needs one for the
conformance suite (tests/connectors/conformance), `lapak demo`, `lapak sandbox` and
`lapak init --sandbox`. Production code never comes here (pyproject.toml's import contracts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from importlib.metadata import entry_points
from typing import Any, Protocol

GROUP = "lapak.sandboxes"


class Sandbox(Protocol):
    """A platform's fake marketplace, as its entry point names it."""

    platform: str

    def app(self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> Any:
        """An ASGI app faking the marketplace for these shops (each a store's credentials
        plus `name`); `app.state.control` satisfies `sandboxes.kit.control.SandboxControl`."""
        ...

    def credentials(self, name: str, index: int) -> dict[str, Any]:
        """Credential values of the `index`-th sandbox store called `name` (what `app` and
        a config for it need)."""
        ...


class NoSandboxError(LookupError):
    def __init__(self, platform: str, known: list[str]):
        super().__init__(
            f"no sandbox for platform {platform!r} (sandboxes: {', '.join(known) or 'none'})"
        )
        self.platform = platform
        self.known = known


def platforms() -> list[str]:
    """Every platform with a registered sandbox, sorted (nothing is imported)."""
    return sorted({entry.name for entry in entry_points(group=GROUP)})


@cache
def sandbox_for(platform: str) -> Sandbox:
    """The sandbox registered under `platform`, imported on first use (once per process)."""
    found = entry_points(group=GROUP, name=platform)
    if not found:
        raise NoSandboxError(platform, platforms())
    sandbox: Sandbox = next(iter(found)).load()
    if sandbox.platform != platform:
        raise TypeError(f"entry point {platform!r} loads a sandbox for {sandbox.platform!r}")
    return sandbox
