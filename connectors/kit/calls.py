"""The call shapes every token-bearing marketplace client shares: a JSON body read before
its envelope, and the call that refreshes a refused token once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import httpx
import structlog
from lapak.connectors.http import Retrier
from lapak.connectors.kit.refusals import StaleTokenError
from lapak.sync.protocol import (
    AuthError,
    ConnectorError,
    TokenVault,
    TransientError,
)
from lapak.sync.types import TokenSet

T = TypeVar("T")

log = structlog.get_logger(__name__)


def json_object(
    path: str, response: httpx.Response, refuse: Callable[[str], ConnectorError]
) -> dict[str, Any]:
    """The body of `response` as a JSON object. A success that is not one is transient (a
    proxy's page); an error that is not one is `refuse("non-JSON error body")`."""
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        if response.status_code < 400:
            raise TransientError(f"{path}: malformed response: body is not a JSON object")
        raise refuse("non-JSON error body")
    return payload


def comma_joined(value: Any) -> Any:
    """A query parameter as sent: a list or tuple comma-joined ("1,2,3"), else itself (the
    list form of Shopee's, TikTok's and Tokopedia's GET parameters)."""
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    return value


def with_fresh_token(
    platform: str,
    retrier: Retrier,
    tokens: TokenVault,
    refresh: Callable[[TokenSet | None], TokenSet],
    attempt: Callable[..., T],
    *args: Any,
    path: str,
    idempotent: bool = True,
    **log_fields: Any,
) -> T:
    """`attempt(*args, access_token)`, retried; when the token is refused (`StaleTokenError`)
    the vault refreshes it once and the call runs once more — refused again is an
    `AuthError`. `log_fields` join the `<platform>_token_refused` log line."""
    token = tokens.token(refresh)
    try:
        return retrier.call(attempt, *args, token.access_token, idempotent=idempotent)
    except StaleTokenError as exc:
        log.info(f"{platform}_token_refused", **log_fields, path=path, code=exc.code)
    fresh = tokens.token(refresh, stale=token.access_token)
    try:
        return retrier.call(attempt, *args, fresh.access_token, idempotent=idempotent)
    except StaleTokenError as exc:
        raise AuthError(
            f"{path}: access token refused again after a refresh ({exc})",
            code=exc.code,
            status=exc.status,
        ) from None


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """`items` cut into pieces of at most `size`, in order: what one call each carries."""
    return [items[start : start + size] for start in range(0, len(items), size)]
