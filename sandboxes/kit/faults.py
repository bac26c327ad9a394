"""Fault injection for any marketplace sandbox: latency, 5xx, throttling, hangs, broken bodies.

A sandbox app calls `FaultInjector.run(path, handler)` once per API request. The injector
decides, from its `FaultSettings` and a seeded `random.Random`, whether this request is
served normally or hit by a fault. What a 5xx or a throttle looks like on the wire is
platform-specific, so the platform hands in two callbacks that build those responses.

Rates are probabilities in 0..1, drawn once per request in this order: error, throttle,
timeout, malformed (their sum is capped at 1). Latency is added to every matching request.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from enum import Enum
from typing import Any

from starlette.responses import Response

MAX_TIMEOUT_SECONDS = 30.0
"""A hung request is answered after this long at most (seconds), so servers can stop."""


class FaultKind(Enum):
    NONE = "none"
    ERROR = "error"
    THROTTLE = "throttle"
    TIMEOUT = "timeout"
    MALFORMED = "malformed"


@dataclass(frozen=True, slots=True)
class FaultSettings:
    """What to inject. `paths` are path prefixes; empty means every API path.

    `latency_ms` is added before every matching request (milliseconds); `timeout_seconds`
    is how long a "timeout" fault hangs before answering (seconds, capped at 30).
    """

    latency_ms: float = 0.0
    error_rate: float = 0.0
    throttle_rate: float = 0.0
    timeout_rate: float = 0.0
    malformed_rate: float = 0.0
    paths: tuple[str, ...] = field(default_factory=tuple)
    timeout_seconds: float = MAX_TIMEOUT_SECONDS

    def __post_init__(self) -> None:
        for name in ("error_rate", "throttle_rate", "timeout_rate", "malformed_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"fault setting {name}={value!r}: must be within 0..1")
        if self.latency_ms < 0:
            raise ValueError(f"fault setting latency_ms={self.latency_ms!r}: must be >= 0")
        if not 0 <= self.timeout_seconds <= MAX_TIMEOUT_SECONDS:
            raise ValueError(
                f"fault setting timeout_seconds={self.timeout_seconds!r}: must be within 0..30"
            )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> FaultSettings:
        """Settings from a JSON-like mapping; unknown keys are refused by name."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(unknown)}")
        values = dict(data)
        if "paths" in values:
            values["paths"] = tuple(values["paths"] or ())
        return cls(**values)

    @property
    def active(self) -> bool:
        return bool(
            self.latency_ms
            or self.error_rate
            or self.throttle_rate
            or self.timeout_rate
            or self.malformed_rate
        )

    def matches(self, path: str) -> bool:
        return not self.paths or path.startswith(self.paths)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)} | {"paths": list(self.paths)}


ResponseFactory = Callable[[], Response]


class FaultInjector:
    """Decides and applies faults per request; deterministic for a given seed.

    `error_response` builds the platform's 5xx; `throttle_response` its throttled answer.
    Settings may be replaced from any thread; the draw itself is guarded by a lock.
    """

    def __init__(
        self,
        *,
        error_response: ResponseFactory,
        throttle_response: ResponseFactory,
        seed: int = 0,
    ) -> None:
        self._error_response = error_response
        self._throttle_response = throttle_response
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._settings = FaultSettings()

    @property
    def settings(self) -> FaultSettings:
        return self._settings

    def configure(self, settings: FaultSettings | None = None, **changes: Any) -> FaultSettings:
        """Replace the settings (or change some fields of the current ones)."""
        base = settings if settings is not None else self._settings
        if "paths" in changes:
            changes["paths"] = tuple(changes["paths"] or ())
        self._settings = replace(base, **changes) if changes else base
        return self._settings

    def clear(self) -> None:
        self._settings = FaultSettings()

    def draw(self, path: str) -> FaultKind:
        """The fault (if any) for one request to `path`."""
        settings = self._settings
        if not settings.active or not settings.matches(path):
            return FaultKind.NONE
        with self._lock:
            roll = self._random.random()
        for kind, rate in (
            (FaultKind.ERROR, settings.error_rate),
            (FaultKind.THROTTLE, settings.throttle_rate),
            (FaultKind.TIMEOUT, settings.timeout_rate),
            (FaultKind.MALFORMED, settings.malformed_rate),
        ):
            if roll < rate:
                return kind
            roll -= rate
        return FaultKind.NONE

    async def run(self, path: str, handler: Callable[[], Awaitable[Response]]) -> Response:
        """Serve one request through the fault plan: `handler` produces the normal answer."""
        settings = self._settings
        if not settings.active or not settings.matches(path):
            return await handler()
        if settings.latency_ms:
            await asyncio.sleep(settings.latency_ms / 1000.0)
        kind = self.draw(path)
        if kind is FaultKind.ERROR:
            return self._error_response()
        if kind is FaultKind.THROTTLE:
            return self._throttle_response()
        if kind is FaultKind.TIMEOUT:
            await asyncio.sleep(settings.timeout_seconds)
            return self._error_response()
        response = await handler()
        if kind is FaultKind.MALFORMED:
            return truncated(response)
        return response


def truncated(response: Response) -> Response:
    """The same answer with its body cut in half: no longer valid JSON (or anything else)."""
    body = bytes(response.body)
    cut = body[: max(1, len(body) // 2)] if body else b"{"
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return Response(cut, status_code=response.status_code, headers=headers)


def settings_from_request(data: Mapping[str, Any] | None) -> FaultSettings:
    """Settings from a control-API body: `{}` (or nothing) clears every fault."""
    return FaultSettings.from_mapping(data or {})


__all__ = (
    "MAX_TIMEOUT_SECONDS",
    "FaultInjector",
    "FaultKind",
    "FaultSettings",
    "settings_from_request",
    "truncated",
)
