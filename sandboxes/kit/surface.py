"""The half of `SandboxControl` every sandbox answers the same way: clock, faults, rate
limit, pushes, call counts, the buyer simulator and closing. A platform's control class
subclasses `SandboxSurface` and adds the store-level half (listings, orders, tokens,
webhooks) in its own terms; a new listing reaches it as one `ListingSpec`
(`create_listing`)."""

from __future__ import annotations

from typing import Any

from lapak.sandboxes.kit.control import ListingMaker
from lapak.sandboxes.kit.core import SandboxCore
from lapak.sandboxes.kit.faults import FaultSettings


class SandboxSurface(ListingMaker[str, str]):
    def __init__(self, sandbox: SandboxCore) -> None:
        self.sandbox = sandbox

    def now(self) -> float:
        return self.sandbox.clock.now()

    def advance_clock(self, seconds: float) -> None:
        self.sandbox.clock.advance(seconds)

    def set_faults(self, settings: FaultSettings | None = None, **changes: Any) -> FaultSettings:
        return self.sandbox.set_faults(settings, **changes)

    def set_rate_limit(self, per_second: float, burst: int | None = None) -> None:
        self.sandbox.set_rate_limit(per_second, burst)

    def flush_webhooks(self, timeout: float = 5.0) -> bool:
        return self.sandbox.push.flush(timeout)

    def call_counts(self) -> dict[str, int]:
        return self.sandbox.call_counts()

    def reset_calls(self) -> None:
        self.sandbox.reset_calls()

    def start_buyers(self, orders_per_second: float) -> None:
        self.sandbox.buyers.start(orders_per_second)

    def stop_buyers(self) -> None:
        self.sandbox.buyers.stop()

    def close(self) -> None:
        self.sandbox.close()
