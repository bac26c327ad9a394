"""Finds connector plugins through the `lapak.connectors` entry-point group.

Any installed package can add a platform by declaring, in its pyproject.toml::

    [project.entry-points."lapak.connectors"]
    myplatform = "my_package:plugin"

where `plugin` satisfies `sync.protocol.ConnectorPlugin`.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from lapak.sync.protocol import ConnectorPlugin

GROUP = "lapak.connectors"


class UnknownPlatformError(LookupError):
    def __init__(self, platform: str, known: list[str]):
        super().__init__(f"unknown platform {platform!r} (known: {', '.join(known) or 'none'})")
        self.platform = platform
        self.known = known


def platforms() -> list[str]:
    """Every registered platform name, sorted (nothing is imported)."""
    return sorted({entry.name for entry in entry_points(group=GROUP)})


def plugins() -> dict[str, ConnectorPlugin]:
    """Every registered plugin by platform name."""
    return {platform: plugin_for(platform) for platform in platforms()}


@cache
def plugin_for(platform: str) -> ConnectorPlugin:
    """The plugin registered under `platform`, imported on first use (once per process):
    a process that talks to two platforms never imports the other four."""
    found = entry_points(group=GROUP, name=platform)
    if not found:
        raise UnknownPlatformError(platform, platforms())
    plugin: ConnectorPlugin = next(iter(found)).load()
    if plugin.platform != platform:
        raise TypeError(f"entry point {platform!r} loads a plugin for {plugin.platform!r}")
    return plugin
