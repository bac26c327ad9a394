"""What every sandbox object holds and answers the same way, whatever its platform.

A platform's sandbox (`LazadaSandbox`, ...) subclasses `SandboxCore`: it gets the lock its
handlers share, the clock, the seeded random source, the fault injector (built with the
platform's own error and throttle answers), the call counter, and the fault, rate-limit,
call-count and close controls. It adds its stores, its limiter, its push sender and its
buyer simulator, and its own rules.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from typing import Any, Protocol

from lapak.sandboxes.kit.clock import SandboxClock
from lapak.sandboxes.kit.faults import FaultInjector, FaultSettings, ResponseFactory


class _Configurable(Protocol):
    def configure(self, per_second: float, burst: int | None = ...) -> None: ...


class _Buyers(Protocol):
    def start(self, orders_per_second: float) -> None: ...
    def stop(self) -> None: ...


class _Push(Protocol):
    def flush(self, timeout: float = ...) -> bool: ...
    def close(self) -> None: ...


class SandboxCore:
    limiter: _Configurable
    buyers: _Buyers
    push: _Push

    def __init__(
        self,
        *,
        seed: int,
        error_response: ResponseFactory,
        throttle_response: ResponseFactory,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = SandboxClock()
        self.rng = random.Random(seed)
        self.faults = FaultInjector(
            error_response=error_response, throttle_response=throttle_response, seed=seed
        )
        self._calls: Counter[str] = Counter()
        self._calls_lock = threading.Lock()

    def set_faults(self, settings: FaultSettings | None = None, **changes: Any) -> FaultSettings:
        """Replace the fault settings (`set_faults()` with nothing clears them)."""
        if settings is None and not changes:
            self.faults.clear()
            return self.faults.settings
        return self.faults.configure(settings or FaultSettings(), **changes)

    def set_rate_limit(self, per_second: float, burst: int | None = None) -> None:
        """The platform's rate limit; `per_second=0` lifts it."""
        self.limiter.configure(per_second, burst)

    def count_call(self, path: str) -> None:
        with self._calls_lock:
            self._calls[path] += 1

    def call_counts(self) -> dict[str, int]:
        """Calls served per API path (every request that reached the API, faulted or not)."""
        with self._calls_lock:
            return dict(self._calls)

    def reset_calls(self) -> None:
        with self._calls_lock:
            self._calls.clear()

    def close(self) -> None:
        """Stop the buyer simulator and the push thread."""
        self.buyers.stop()
        self.push.close()
