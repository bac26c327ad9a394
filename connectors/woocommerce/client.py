"""`WooClient`: the only code that speaks HTTP to a WooCommerce store.

It authenticates every request as WooCommerce requires for the site's scheme (signing.py:
HTTP Basic over https, OAuth 1.0a in the query over plain http), paces it through the
store's `Pacer`, validates the answer and turns a refusal into the `sync.protocol` error
it means (`TABLE`; docs/rules.md, rule 7):

    HTTP 429                                ThrottledError (Retry-After honoured, seconds)
    HTTP 5xx, timeouts, malformed bodies    TransientError (a 503's Retry-After honoured)
    "Invalid nonce - nonce has already      TransientError: the retry is signed afresh
     been used."
    HTTP 401, woocommerce_rest_cannot_*     AuthError at once: the API keys are static, no
                                            refresh can cure them
    anything else                           PermanentError with WooCommerce's code and message

WooCommerce has no rate limit of its own; hosts and firewalls put one in front of it, and
what they answer varies (UNCONFIRMED: a 429 or 503 with Retry-After is what Lapak honours;
an HTML body is classified by its status alone). Messages name the API path, never the URL:
its query carries the consumer key and the signature.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx
from lapak.connectors.http import Retrier, parse_retry_after, send, with_query
from lapak.connectors.kit.client import Request
from lapak.connectors.kit.refusals import ErrorTable
from lapak.connectors.kit.refusals import classify as kit_classify
from lapak.connectors.woocommerce import signing
from lapak.connectors.woocommerce.wire import WPError, validate
from lapak.sync.protocol import ConnectorError, Pacer, TransientError

M = TypeVar("M")

API_ROOT = "/wp-json/wc/v3"
"""Pretty-permalink REST prefix (WooCommerce REST API docs: "requires pretty permalinks")."""

STALE_NONCE = "nonce has already been used"
"""`check_oauth_timestamp_and_nonce`: "Invalid nonce - nonce has already been used."."""


TABLE = ErrorTable(
    auth=frozenset({"rest_forbidden"}),
    auth_statuses=frozenset({401}),
    transient_if=lambda status, code, message: STALE_NONCE in message,
    auth_if=lambda status, code, message: code.startswith("woocommerce_rest_cannot_"),
)
"""WooCommerce's refusals for the kit's classifier (`connectors/kit/refusals.py`), as the
table above says; there is no stale token: the API keys are static."""


def classify(
    path: str, status: int, code: str, message: str, retry_after: float | None
) -> ConnectorError:
    """The `ConnectorError` a refusal of `path` means (`code`/`message` from the WP body)."""
    return kit_classify(TABLE, path, status, code, message, retry_after)


class WooClient:
    """Authenticated, paced, classified calls to one WooCommerce store."""

    def __init__(
        self,
        *,
        http: httpx.Client,
        retrier: Retrier,
        pacer: Pacer,
        site_url: str,
        consumer_key: str,
        consumer_secret: str,
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], str] = signing.new_nonce,
    ):
        """`site_url` is the store's home URL (`https://toko.example`); `clock` gives the
        unix seconds of OAuth timestamps; `nonce` a fresh OAuth nonce per request."""
        self._http = http
        self._retrier = retrier
        self._pacer = pacer
        self._root = f"{site_url.rstrip('/')}{API_ROOT}"
        self._https = site_url.lower().startswith("https://")
        self._key = consumer_key
        self._secret = consumer_secret
        self._basic = signing.basic_authorization(consumer_key, consumer_secret)
        self._clock = clock
        self._nonce = nonce

    @property
    def uses_oauth(self) -> bool:
        """True over plain http, where WooCommerce accepts only OAuth 1.0a."""
        return not self._https

    def get(self, path: str, model: type[M], params: Mapping[str, Any] | None = None) -> M:
        return self.call(Request("GET", path, params), model)[0]

    def get_page(
        self, path: str, model: type[M], params: Mapping[str, Any]
    ) -> tuple[M, int | None]:
        """A collection page and its `X-WP-TotalPages` (None when the header is missing)."""
        items, headers = self.call(Request("GET", path, params), model)
        return items, _int_header(headers, "X-WP-TotalPages")

    def post(
        self, path: str, body: Mapping[str, Any], model: type[M], *, idempotent: bool = True
    ) -> M:
        return self.call(Request("POST", path, body=body), model, idempotent=idempotent)[0]

    def put(self, path: str, body: Mapping[str, Any], model: type[M]) -> M:
        return self.call(Request("PUT", path, body=body), model)[0]

    def call(
        self, request: Request, model: type[M], *, idempotent: bool = True
    ) -> tuple[M, httpx.Headers]:
        """One call, retried under the retry policy; (validated body, response headers)."""
        return self._retrier.call(self._once, request, model, idempotent=idempotent)

    def _once(self, request: Request, model: type[M]) -> tuple[M, httpx.Headers]:
        """One paced, authenticated attempt (a retry is signed afresh: new nonce)."""
        self._pacer.acquire()
        endpoint = f"{self._root}{request.path}"
        params = request.params or {}
        query = {key: signing.php_string(value) for key, value in params.items()}
        headers = {"Accept": "application/json"}
        if self._https:
            headers["Authorization"] = self._basic
        else:
            query = signing.signed_params(
                self._key,
                self._secret,
                request.method,
                endpoint,
                query,
                timestamp=int(self._clock()),
                nonce=self._nonce(),
            )
        url = with_query(endpoint, query)
        sent = self._http.build_request(request.method, url, json=request.body, headers=headers)
        response = send(self._http, sent)
        return validate(model, _payload(request.path, response), request.path), response.headers


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    try:
        return int(headers.get(name, ""))
    except ValueError:
        return None


def _payload(path: str, response: httpx.Response) -> Any:
    """The JSON body of a 2xx answer; else the error it means."""
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    try:
        payload = response.json()
    except ValueError:
        payload = None
        if status < 300:
            raise TransientError(f"{path}: malformed response: body is not JSON") from None
    if status < 300:
        return payload
    if isinstance(payload, dict) and isinstance(payload.get("code"), str):
        error = WPError.model_validate(payload)
        raise classify(path, status, error.code, str(error.message or ""), retry_after)
    raise classify(path, status, "", "not a WooCommerce error body", retry_after)
