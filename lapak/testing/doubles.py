"""Test doubles for what the engine hands a connector: a pacer and a token vault."""

from __future__ import annotations

import threading
from collections.abc import Callable

from lapak.sync.protocol import Refresh
from lapak.sync.types import TokenSet


class CountingPacer:
    """A `Pacer` that never waits (pacing is the engine's job, not the connector's); counts
    the calls it was asked to pace."""

    def __init__(self) -> None:
        self.calls = 0

    def acquire(self, weight: int = 1) -> None:
        self.calls += weight


class MemoryVault:
    """`TokenVault` test double: one store's token set in memory, renewed under a lock when
    missing, expiring within the margin, or equal to the refused (`stale`) token."""

    MARGIN_SECONDS = 300

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._token: TokenSet | None = None
        self.refreshes = 0

    def token(self, refresh: Refresh, *, stale: str | None = None) -> TokenSet:
        with self._lock:
            current = self._token
            if (
                current is None
                or current.access_token == stale
                or current.expires_at.timestamp() - self.MARGIN_SECONDS <= self._clock()
            ):
                current = self._token = refresh(current)
                self.refreshes += 1
            return current
