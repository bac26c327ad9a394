"""One classifier for every marketplace refusal (docs/rules.md, rule 7).

A refusal is checked in the same order on every platform — throttled, transient, stale
token, auth, else permanent — against the platform's `ErrorTable`: its codes per class,
the HTTP statuses that mean a class on their own, and small hooks for the refusals only
the message tells apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lapak.sync.protocol import (
    AuthError,
    ConnectorError,
    PermanentError,
    ThrottledError,
    TransientError,
)

Hook = Callable[[int, str, str], bool]
"""(HTTP status, code as the table keys it, message) -> True when the refusal is of a class."""


def _never(status: int, code: str, message: str) -> bool:
    return False


def _same(code: str) -> str:
    return code


class StaleTokenError(AuthError):
    """The marketplace refused the access token; one refresh may cure it."""


@dataclass(frozen=True, slots=True)
class ErrorTable:
    """What a platform's refusals mean. Codes are compared as `key(code)`; HTTP 429 is always
    throttled and a 5xx always transient."""

    throttled: frozenset[str] = frozenset()
    transient: frozenset[str] = frozenset()
    stale: frozenset[str] = frozenset()
    auth: frozenset[str] = frozenset()
    stale_statuses: frozenset[int] = frozenset()
    auth_statuses: frozenset[int] = frozenset()
    transient_if: Hook = _never
    stale_if: Hook = _never
    auth_if: Hook = _never
    key: Callable[[str], str] = _same
    throttle_wait: Callable[[str, float | None], float | None] | None = None
    """(message, Retry-After) -> the wait of a throttle (default: the Retry-After)."""


def refusal_text(path: str, status: int, code: str, message: str) -> str:
    """ "<path>: <code or HTTP status>[: <message>]" — never the URL (its query may carry a
    token or a signature)."""
    label = code or f"HTTP {status}"
    return f"{path}: {label}: {message}" if message else f"{path}: {label}"


def classify(
    table: ErrorTable,
    path: str,
    status: int,
    code: str,
    message: str,
    retry_after: float | None,
    *,
    permanent: Callable[[str, str | None, int], ConnectorError] | None = None,
) -> ConnectorError:
    """The `ConnectorError` a refusal (`code`, `message`, HTTP `status`) of `path` means.

    `permanent(text, code, status)` builds the platform's own permanent error, if it has one.
    """
    text = refusal_text(path, status, code, message)
    short = table.key(code)
    named = code or None
    if status == 429 or short in table.throttled:
        wait = table.throttle_wait(message, retry_after) if table.throttle_wait else retry_after
        return ThrottledError(text, code=named, status=status, retry_after=wait)
    if status >= 500 or short in table.transient or table.transient_if(status, short, message):
        return TransientError(text, code=named, status=status, retry_after=retry_after)
    if (
        short in table.stale
        or status in table.stale_statuses
        or table.stale_if(status, short, message)
    ):
        return StaleTokenError(text, code=named, status=status)
    if (
        short in table.auth
        or status in table.auth_statuses
        or table.auth_if(status, short, message)
    ):
        return AuthError(text, code=named, status=status)
    if permanent is not None:
        return permanent(text, named, status)
    return PermanentError(text, code=named, status=status)
