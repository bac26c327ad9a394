"""HTTP plumbing shared by every connector: a keep-alive client, transport-error
classification and short in-call retries.

httpx retries nothing but connection setup by itself; everything else that is worth
retrying inside one call (timeouts, dropped connections, 5xx, throttling) surfaces as a
`sync.protocol.TransientError` and is retried here with tenacity, briefly (seconds). A
longer wait — a Retry-After beyond `RetryPolicy.max_retry_after`, or a failure that
outlasts the attempts — is re-raised, so the job layer reschedules instead of holding a
worker thread (docs/rules.md, rule 7).

Everything here runs on every marketplace call, so it is kept cheap: the tenacity
controller is built once per `Retrier` (its state is thread-local, so one instance serves
every thread), nothing is logged on the success path, and nothing is copied.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
import structlog
from lapak.sync.protocol import ThrottledError, TransientError
from tenacity import RetryCallState, Retrying, retry_if_exception_type

T = TypeVar("T")

log = structlog.get_logger(__name__)

USER_AGENT = "lapak-connector"

# --- observing calls (metrics) ----------------------------------------------------------------

CallHook = Callable[[str, str, float], None]
"""Told of every attempt a `Retrier` makes: (store, code, seconds). `code` is "ok", else the
marketplace's error code, else "http_<status>", else the error's class name."""

calling_store: ContextVar[str] = ContextVar("lapak_calling_store", default="")
"""The store whose connector is calling: set by the job layer per message (connectors know
nothing of it), read by call hooks as a label."""

_call_hooks: list[CallHook] = []


def add_call_hook(hook: CallHook) -> None:
    """Tell `hook` of every marketplace call attempt from now on (once per hook)."""
    if hook not in _call_hooks:
        _call_hooks.append(hook)


def remove_call_hook(hook: CallHook) -> None:
    if hook in _call_hooks:
        _call_hooks.remove(hook)


def call_code(exc: BaseException | None) -> str:
    """How a call attempt ended, as a short label (see `CallHook`)."""
    if exc is None:
        return "ok"
    code = getattr(exc, "code", None)
    if code:
        return str(code)[:60]
    status = getattr(exc, "status", None)
    return f"http_{status}" if status else type(exc).__name__


def _observed(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)`, with every hook told how it ended (free when no hook is installed)."""
    if not _call_hooks:
        return fn(*args)
    started = time.perf_counter()
    try:
        result = fn(*args)
    except BaseException as exc:
        _tell(call_code(exc), started)
        raise
    _tell("ok", started)
    return result


def _tell(code: str, started: float) -> None:
    seconds = time.perf_counter() - started
    store = calling_store.get()
    for hook in list(_call_hooks):
        try:
            hook(store, code, seconds)
        except Exception:  # an observer never breaks a marketplace call
            log.exception("call_hook_failed")


def make_client(
    *,
    base_url: str = "",
    timeout: float = 10.0,
    connect_timeout: float = 5.0,
    max_connections: int = 10,
    keepalive_expiry: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """A keep-alive `httpx.Client`. Timeouts and expiry are in seconds.

    `transport` replaces the network (tests pass an `httpx.MockTransport`); by default
    connections are pooled and reused across calls.
    """
    return httpx.Client(
        base_url=base_url,
        timeout=httpx.Timeout(timeout, connect=connect_timeout),
        limits=httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=keepalive_expiry,
        ),
        headers={"User-Agent": USER_AGENT},
        transport=transport,
        follow_redirects=False,
    )


def with_query(url: str, query: Mapping[str, Any] | None, *, safe: str = "") -> str:
    """`url` with `query` encoded onto it. httpx parses such a URL once; a `params=` mapping
    costs it a second parse and a merge, about 0.1 ms of Lapak's CPU a call
    (benchmarks/RESULTS.md, "Own overhead")."""
    return f"{url}?{urlencode(query, safe=safe)}" if query else url


def send(client: httpx.Client, request: httpx.Request) -> httpx.Response:
    """Send `request`; a timeout or a broken connection becomes a `TransientError`.

    Messages name the path only: the query string may carry an access token.

    The answer comes back read and closed, and its spent stream is let go: httpx binds a
    response's stream back to the response, a cycle that only the cyclic garbage collector
    frees, and until it runs the cycle holds the body (a 60 KB product page, hundreds of
    them in a busy worker).
    """
    try:
        response = client.send(request)
    except httpx.TimeoutException as exc:
        raise TransientError(f"{request.url.path}: timed out ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        raise TransientError(
            f"{request.url.path}: connection failed ({type(exc).__name__}: {exc})"
        ) from exc
    response.stream = SPENT
    return response


SPENT = httpx.ByteStream(b"")
"""What a read response's stream becomes (its body is in `response.content`)."""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard one call is retried before its failure is handed to the caller.

    All durations are in seconds. `attempts` counts the first try. `max_retry_after` is the
    longest Retry-After honoured in-call; a longer one is re-raised at once. `budget` caps
    the total sleeping across all retries of one call.
    """

    attempts: int = 4
    base_delay: float = 0.1
    max_delay: float = 1.0
    max_retry_after: float = 3.0
    budget: float = 5.0

    def beyond_cap(self, exc: BaseException) -> bool:
        """True for a throttle whose Retry-After is longer than this policy waits in-call."""
        retry_after = getattr(exc, "retry_after", None)
        return (
            isinstance(exc, ThrottledError)
            and retry_after is not None
            and retry_after > self.max_retry_after
        )


class Retrier:
    """Runs a call, retrying `TransientError`s (incl. `ThrottledError`) under a `RetryPolicy`.

    `PermanentError` and `AuthError` are never retried. A call marked not idempotent (a
    create) is retried only after a throttle, which the marketplace refused before acting.
    The original exception is re-raised when retrying stops.
    """

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.policy = policy or RetryPolicy()
        common: dict[str, Any] = {
            "stop": self._stop,
            "wait": self._wait,
            "sleep": sleep,
            "reraise": True,
            "before_sleep": _log_retry,
        }
        self._transient = Retrying(retry=retry_if_exception_type(TransientError), **common)
        self._throttled = Retrying(retry=retry_if_exception_type(ThrottledError), **common)

    def call(self, fn: Callable[..., T], *args: Any, idempotent: bool = True) -> T:
        """`fn(*args)`, retried. Do not nest: the controller's state is per thread.

        The first try runs outside tenacity (the common, successful case costs nothing);
        its failure is replayed into the controller, so waits and counts stay exact. Each
        attempt is one marketplace call, told to the call hooks (`add_call_hook`).
        """
        try:
            return _observed(fn, *args)
        except TransientError as exc:
            if not (idempotent or isinstance(exc, ThrottledError)):
                raise
            first: list[BaseException] = [exc]

        def attempt(*call_args: Any) -> T:
            if first:
                raise first.pop()
            return _observed(fn, *call_args)

        controller = self._transient if idempotent else self._throttled
        return controller(attempt, *args)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return float(retry_after)
        ceiling = min(
            self.policy.max_delay, self.policy.base_delay * 2 ** (state.attempt_number - 1)
        )
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _stop(self, state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        if exc is not None and self.policy.beyond_cap(exc):
            return True
        if state.attempt_number >= self.policy.attempts:
            return True
        return state.idle_for + (state.upcoming_sleep or 0.0) > self.policy.budget


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    log.info(
        "connector_call_retry",
        attempt=state.attempt_number,
        wait_s=round(state.upcoming_sleep, 3),
        error=type(exc).__name__,
        code=getattr(exc, "code", None),
        detail=str(exc),
    )
