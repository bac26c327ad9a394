"""The sandbox clock: real time plus an offset that tests and `/_sandbox/clock` move.

Every sandbox reads time from one of these (token lifetimes, order timers, rate limits), so
advancing it moves the whole fake marketplace forward at once.
"""

from __future__ import annotations

import time


class SandboxClock:
    """Unix time (seconds): real time plus an offset that tests move with `advance`."""

    def __init__(self) -> None:
        self._offset = 0.0

    def now(self) -> float:
        return time.time() + self._offset

    def now_s(self) -> int:
        return int(self.now())

    def advance(self, seconds: float) -> None:
        self._offset += seconds
