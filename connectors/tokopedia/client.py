"""`TokopediaClient`: the only code that speaks HTTP to Tokopedia.

It puts the bearer token on every call, paces it through the store's `Pacer`, parses the
envelope and turns a refusal into the `sync.protocol` error it means (docs/rules.md, rule 7):

    HTTP 429 (+ X-Ratelimit-* headers)          ThrottledError, retry_after from
                                                X-Ratelimit-Reset-After (seconds)
    HTTP 5xx / timeouts / malformed bodies /    TransientError
    "… To Ext Service" upstream failures
    HTTP 401 (token expired or unknown)         refresh once through the TokenVault, call
                                                again; refused again -> AuthError
    HTTP 403, a refused client secret           AuthError
    anything else                               PermanentError with Tokopedia's error_code
                                                and reason

A 401 for a dead token is from Tokopedia's news item (2021-10-22); its body, and 403 for
an fs_id or shop the token does not cover, are UNCONFIRMED (the sandbox answers so).

Tokens live only in the `TokenVault`; nothing here logs a token or the client secret
(messages name the API path, never a header).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar, cast

import httpx
import structlog
from lapak.connectors.http import parse_retry_after, send
from lapak.connectors.kit.allowance import Allowance
from lapak.connectors.kit.calls import comma_joined, json_object
from lapak.connectors.kit.client import Request, TokenClient, Wiring
from lapak.connectors.kit.refusals import ErrorTable
from lapak.connectors.kit.refusals import classify as kit_classify
from lapak.connectors.kit.tokens import token_set
from lapak.connectors.kit.validation import M, from_body
from lapak.connectors.tokopedia import auth
from lapak.connectors.tokopedia.rows import allowance
from lapak.connectors.tokopedia.wire import (
    Envelope,
    TokenRefusal,
    TokenReply,
    validate,
    validate_list,
)
from lapak.sync.protocol import (
    AuthError,
    ConnectorError,
    PermanentError,
    ThrottledError,
    TransientError,
)
from lapak.sync.types import TokenSet

T = TypeVar("T")
log = structlog.get_logger(__name__)

TRANSIENT_CODES = frozenset({"ORD_API_006", "ORD_USC_007", "ORD_USC_014", "LGS_USC_006"})
"""Codes the doc pages describe as "Failed getting response from upstream" (ORD_API_006,
ORD_USC_007) or whose reason is "Error When Request … To Ext Service" (ORD_USC_014,
LGS_USC_006): Tokopedia's own upstream failed, so the same call may succeed later."""
UPSTREAM_WORDS = ("ext service", "upstream")


@dataclass(frozen=True, slots=True)
class Reply(Generic[T]):
    """A validated `data` and the seconds Tokopedia's rate-limit headers ask to wait before
    the next request (None: not limited)."""

    data: T
    reset_after: float | None
    full_reset_after: float | None = None
    """Seconds until the whole burst is available again (X-Ratelimit-Full-Reset-After)."""
    allowance: Allowance | None = None
    """The bucket's rate, burst and what is left, as the headers state them."""


def _seconds(raw: str | None) -> float | None:
    """A positive number of seconds from a header ("-0.000000" means none)."""
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        return None
    return seconds if seconds > 0 else None


def rate_limit_wait(headers: Mapping[str, str]) -> float | None:
    """Seconds until one more request is allowed, from Tokopedia's X-Ratelimit-* headers
    ("-0.000000" when not limited; guides/rate-limit), else from a Retry-After."""
    for name in ("X-Ratelimit-Reset-After", "X-Ratelimit-Full-Reset-After"):
        seconds = _seconds(headers.get(name))
        if seconds is not None:
            return seconds
    return parse_retry_after(headers.get("Retry-After"))


def _upstream(status: int, code: str, reason: str) -> bool:
    lowered = reason.lower()
    return any(word in lowered for word in UPSTREAM_WORDS)


TABLE = ErrorTable(
    transient=TRANSIENT_CODES,
    stale_statuses=frozenset({401}),
    auth_statuses=frozenset({403}),
    transient_if=_upstream,
)


def classify(
    path: str, status: int, code: str, reason: str, retry_after: float | None
) -> ConnectorError:
    """The `ConnectorError` a refusal (HTTP `status`, Tokopedia `code` and `reason`) means."""
    return kit_classify(TABLE, path, status, code, reason, retry_after)


class TokopediaClient(TokenClient):
    """Bearer-authorized, paced, classified calls for one fs_id. Tokens come from `tokens`."""

    platform: ClassVar[str] = "tokopedia"

    def __init__(self, wiring: Wiring, *, client_id: str, client_secret: str, token_url: str):
        super().__init__(wiring)
        self._basic = auth.basic_authorization(client_id, client_secret)
        self._token_url = token_url

    # --- API calls -----------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any], model: type[M]) -> M:
        return self.call(Request("GET", path, params), _model(model, path)).data

    def get_list(self, path: str, params: Mapping[str, Any], model: type[M]) -> list[M]:
        return self.call(Request("GET", path, params), _models(model, path)).data

    def post(
        self,
        path: str,
        params: Mapping[str, Any],
        body: Any,
        model: type[M],
        *,
        idempotent: bool = True,
    ) -> M:
        request = Request("POST", path, params, body)
        return self.call(request, _model(model, path), idempotent=idempotent).data

    def patch(self, path: str, params: Mapping[str, Any], body: Any, model: type[M]) -> M:
        return self.call(Request("PATCH", path, params, body), _model(model, path)).data

    def post_bulk(
        self, path: str, params: Mapping[str, Any], body: Any, model: type[M]
    ) -> Reply[M]:
        """A bulk POST, with the wait its rate-limit headers ask before the next one."""
        return self.call(Request("POST", path, params, body), _model(model, path))

    def post_text(self, path: str, body: Any = None) -> str:
        """A POST whose `data` is a message string ("success", "Success")."""
        return self.call(Request("POST", path, body=body), _text(path)).data

    def call(self, request: Request, expected: Expected[T], *, idempotent: bool = True) -> Reply[T]:
        """One call, retried (a malformed answer too); on a refused token: refresh once and
        call once more. `expected` reads the envelope's `data`."""
        return self._with_token(
            self._once, request, expected, path=request.path, idempotent=idempotent
        )

    def _once(self, request: Request, expected: Expected[T], access_token: str) -> Reply[T]:
        self._pacer.acquire()
        path = request.path
        sent = self._http.build_request(
            request.method,
            f"{self._base_url}{path}",
            # lists comma-joined, as product info's `product=1,2,3`
            params={k: comma_joined(v) for k, v in (request.params or {}).items()},
            json=request.body,
            headers={"Authorization": auth.bearer_authorization(access_token)},
        )
        response = send(self._http, sent)
        wait = rate_limit_wait(response.headers)
        full = _seconds(response.headers.get("X-Ratelimit-Full-Reset-After"))
        data = expected.read(path, response, wait)
        return Reply(data, wait, full, allowance(response.headers))

    # --- tokens --------------------------------------------------------------------------

    def refresh(self, current: TokenSet | None) -> TokenSet:
        """A client-credentials token (a `Refresh` for the vault). Tokopedia has no refresh
        token: `current` is not needed, and while it is still valid Tokopedia answers with
        that same token (news 2021-10-22)."""
        issued = self._clock()
        reply = self._retrier.call(self._token_once)
        tokens = token_set(reply.access_token, "", issued + reply.expires_in)
        log.info("tokopedia_token_obtained", expires_at=tokens.expires_at.isoformat())
        return tokens

    def _token_once(self) -> TokenReply:
        self._pacer.acquire()
        request = self._http.build_request(
            "POST",
            self._token_url,
            params={"grant_type": "client_credentials"},
            headers={"Authorization": self._basic},  # no body: httpx sends Content-Length: 0
        )
        response = send(self._http, request)
        where = "/token"
        try:
            payload = response.json()
        except ValueError:
            payload = None
        status = response.status_code
        if status == 200 and isinstance(payload, dict):
            return validate(TokenReply, payload, where)
        retry_after = rate_limit_wait(response.headers)
        if status == 429:
            raise ThrottledError(f"{where}: HTTP 429", status=status, retry_after=retry_after)
        if status >= 500 or not isinstance(payload, dict):
            raise TransientError(f"{where}: HTTP {status}: malformed or server error body")
        refusal = validate(TokenRefusal, payload, where)
        text = f"{where}: HTTP {status}: {refusal.error} {refusal.error_description}".rstrip()
        if status in (400, 401, 403):
            raise AuthError(text, code=refusal.error or None, status=status)
        raise PermanentError(text, code=refusal.error or None, status=status)


@dataclass(frozen=True, slots=True)
class Expected(Generic[T]):
    """How a call's `data` is read: as `shape` straight from the body's bytes when the
    answer is the one expected (kit `from_body`, twice as fast as decoding it first: the
    product reads before every stock write are a third of a push's own CPU), else decoded and
    checked by `parse`, which says what is wrong."""

    parse: Callable[[Any], T]
    shape: Any = None
    """A wire model or `list[model]`; None: always `parse`."""

    def read(self, path: str, response: httpx.Response, wait: float | None) -> T:
        if self.shape is not None and response.status_code < 400:
            answer = from_body(Envelope, "data", self.shape, response.content)
            if answer is not None and not answer.header.code:
                data = answer.data
                return self.parse(None) if data is None else cast(T, data)
        return self.parse(_data(path, response, wait))


def _model(model: type[M], path: str) -> Expected[M]:
    return Expected(lambda data: validate(model, data, path), model)


def _models(model: type[M], path: str) -> Expected[list[M]]:
    return Expected(lambda data: validate_list(model, data, path), list[model])  # type: ignore[valid-type]


def _text(path: str) -> Expected[str]:
    def parse(data: Any) -> str:
        if not isinstance(data, str):
            raise TransientError(f"{path}: malformed response: data is not a message")
        return data

    return Expected(parse)


def _data(path: str, response: httpx.Response, wait: float | None) -> Any:
    """The envelope's `data` after its header says success; else the error it means."""
    status = response.status_code
    payload = json_object(path, response, lambda message: classify(path, status, "", message, wait))
    envelope = validate(Envelope, payload, path)
    header = envelope.header
    if header.code or status >= 400:
        raise classify(path, status, header.code, header.reason or header.messages, wait)
    return envelope.data
