"""Finds connector plugins through the `lapak.connectors` entry-point group.

Any installed package can add a platform by declaring, in its pyproject.toml::

    [project.entry-points."lapak.connectors"]
    myplatform = "my_package:plugin"

where `plugin` satisfies `sync.protocol.ConnectorPlugin`.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from sync.protocol import ConnectorPlugin

GROUP = "lapak.connectors"


class UnknownPlatformError(LookupError):
    def __init__(self, platform: str, known: list[str]):
        super().__init__(f"unknown platform {platform!r} (known: {', '.join(known) or 'none'})")
        self.platform = platform


@cache
def plugins() -> dict[str, ConnectorPlugin]:
    """Every registered plugin by platform name (loaded once per process)."""
    found: dict[str, ConnectorPlugin] = {}
    for entry in entry_points(group=GROUP):
        plugin = entry.load()
        found[plugin.platform] = plugin
    return found


def plugin_for(platform: str) -> ConnectorPlugin:
    known = plugins()
    if platform not in known:
        raise UnknownPlatformError(platform, sorted(known))
    return known[platform]
