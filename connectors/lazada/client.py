"""`LazadaClient`: the only code that speaks HTTP to Lazada Open Platform (LazOP).

It signs every request (signing.py), paces it through the store's `Pacer`, parses the
envelope and turns a refusal into the `sync.protocol` error it means (docs/rules.md, rule 7):

    code ApiCallLimit / E901, HTTP 429      ThrottledError (retry_after: the "ban will last N
                                            seconds" of the message, else 1 s)
    HTTP 5xx, timeouts, malformed bodies,   TransientError
    ServiceUnavailable / ServiceTimeout /
    InternalError / E006 / E513 / E1000
    IllegalAccessToken                      refresh once through the TokenVault, call again;
                                            refused again -> AuthError
    IncompleteSignature, IllegalRefreshToken AuthError
    and other credential refusals
    anything else                           LazadaError (a PermanentError) with Lazada's
                                            code, message and per-SKU `detail`

Requests carry every parameter as LazOP expects (docs/MARKETPLACES.md#lazada-auth-and-signing):
GET in the query
string, POST as a form-urlencoded body (what lazop-sdk does), system parameters app_key,
timestamp (ms), sign_method=sha256, access_token (seller APIs) and sign.

Tokens come from `/auth/token/refresh` on the authorization host (`auth_url`, by default
https://auth.lazada.com/rest for the api.lazada.* gateways, the same host otherwise: see
`auth_url_for`). Access tokens live only in the `TokenVault`; nothing here logs a token or
the app secret, and messages name the API path, never the URL or the parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import urlparse

import httpx
import structlog
from lapak.connectors.http import parse_retry_after, send, with_query
from lapak.connectors.kit.calls import json_object
from lapak.connectors.kit.client import TokenClient, Wiring
from lapak.connectors.kit.refusals import ErrorTable
from lapak.connectors.kit.refusals import classify as kit_classify
from lapak.connectors.kit.validation import M, from_body
from lapak.connectors.lazada import signing
from lapak.connectors.lazada.wire import Envelope, ErrorDetail, TokenReply, validate
from lapak.sync.protocol import (
    ConnectorError,
    PermanentError,
)
from lapak.sync.types import TokenSet

log = structlog.get_logger(__name__)

AUTH_URL = "https://auth.lazada.com/rest"
"""lazop-sdk `P_API_AUTHORIZATION_URL`: every country's token APIs live here."""
REFRESH_PATH = "/auth/token/refresh"
AUTH_PREFIX = "/auth/"

DEFAULT_BAN_SECONDS = 1.0
"""ApiCallLimit: "Api access frequency exceeds the limit. this ban will last 1 seconds."
(Create/Update Product Q&A, Q10)."""
_BAN = re.compile(r"last\s+(\d+(?:\.\d+)?)\s+second", re.IGNORECASE)

_THROTTLE_CODES = frozenset({"ApiCallLimit", "901", "AppCallLimit", "SellerCallLimit"})
"""ApiCallLimit (Q&A Q10); E901 "The request is too frequent" (UpdatePriceQuantity error
table, "please retry in the next second"). AppCallLimit/SellerCallLimit: UNCONFIRMED names
of the daily-quota refusals, treated alike."""
_TRANSIENT_CODES = frozenset(
    {
        "ServiceUnavailable",  # "Error code. For example: ServiceUnavailable" (response docs)
        "ServiceTimeout",  # Q&A Q11: "A small number of timeout errors are normal"
        "InternalError",  # UNCONFIRMED name of a gateway failure
        "6",  # E006 Unexpected internal error / SYSTEM_ERROR "system is busy now"
        "513",  # Internal call exception ("A small number of occurrences are normal")
        "1000",  # Internal Application Error
        "40011",  # Pack: RPC_ERROR "system is busy now"
        "700024",  # Pack: GET_LOCK_FAILED "pls try later"
    }
)
_STALE_TOKEN_CODES = frozenset({"IllegalAccessToken", "InvalidAccessToken", "AccessTokenExpired"})
"""IllegalAccessToken (docs/MARKETPLACES.md#lazada-throttle); its message and the other two are
UNCONFIRMED."""
_AUTH_CODES = frozenset(
    {
        "IncompleteSignature",
        "IllegalRefreshToken",
        "InvalidCode",
        "InvalidAppKey",
        "AppWhiteListLimit",
        "InsufficientPermission",
        "AUTH_TYPE_UNSUPPORTED",
    }
)


class LazadaError(PermanentError):
    """Lazada refused the request for a business reason; `detail` says which SKUs failed."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        detail: Sequence[ErrorDetail] = (),
    ):
        super().__init__(message, code=code, status=status)
        self.detail = tuple(detail)


def auth_url_for(api_url: str) -> str:
    """Where the token APIs live for a gateway: https://auth.lazada.com/rest for Lazada's own
    api.lazada.* gateways, else the gateway itself (the sandbox serves both on one host)."""
    host = urlparse(api_url).hostname or ""
    return AUTH_URL if host.startswith("api.lazada.") else api_url.rstrip("/")


def ban_seconds(message: str) -> float:
    found = _BAN.search(message or "")
    return float(found.group(1)) if found else DEFAULT_BAN_SECONDS


def _throttle_wait(message: str, retry_after: float | None) -> float:
    return retry_after if retry_after is not None else ban_seconds(message)


TABLE = ErrorTable(
    throttled=_THROTTLE_CODES,
    transient=_TRANSIENT_CODES,
    stale=_STALE_TOKEN_CODES,
    auth=_AUTH_CODES,
    auth_statuses=frozenset({401, 403}),
    throttle_wait=_throttle_wait,
)


def classify(
    path: str,
    status: int,
    code: str,
    message: str,
    *,
    detail: Sequence[ErrorDetail] = (),
    retry_after: float | None = None,
) -> ConnectorError:
    """The `ConnectorError` a refusal (Lazada `code`, `message`, HTTP `status`) of `path` means."""

    def permanent(text: str, named: str | None, status: int) -> ConnectorError:
        return LazadaError(text, code=named, status=status, detail=detail)

    return kit_classify(TABLE, path, status, code, message, retry_after, permanent=permanent)


class LazadaClient(TokenClient):
    """Signed, paced, classified calls to one Lazada seller. Tokens come from `tokens`."""

    platform: ClassVar[str] = "lazada"

    def __init__(
        self,
        wiring: Wiring,
        *,
        api_url: str,
        auth_url: str,
        app_key: str,
        app_secret: str,
        initial_refresh_token: str | None,
    ):
        """`initial_refresh_token` None: a seller not connected yet (nothing stored either
        means `sync.protocol.not_connected`, naming the store)."""
        super().__init__(wiring, initial_refresh_token)
        self._api_url = api_url.rstrip("/")
        self._auth_url = auth_url.rstrip("/")
        self._app_key = app_key
        self._app_secret = app_secret

    # --- seller API calls ----------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any], model: type[M]) -> M:
        return self._seller_call("GET", path, params, model, idempotent=True, key="data")

    def post(
        self,
        path: str,
        params: Mapping[str, Any],
        model: type[M],
        *,
        idempotent: bool = True,
        key: str = "data",
    ) -> M:
        """`key`: where the answer is (the fulfilment APIs answer under "result")."""
        return self._seller_call("POST", path, params, model, idempotent=idempotent, key=key)

    def _seller_call(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any],
        model: type[M],
        *,
        idempotent: bool,
        key: str,
    ) -> M:
        """One call, retried; on a refused access token: refresh once and call once more."""
        args = (method, self._api_url, path, params, model, key)
        return self._with_token(self._once, *args, path=path, idempotent=idempotent)

    def _once(
        self,
        method: str,
        base: str,
        path: str,
        params: Mapping[str, Any],
        model: type[M],
        key: str | None,
        access_token: str | None,
    ) -> M:
        """One paced, signed attempt (`access_token` None: an auth API, signed without it;
        `key` None: the answer is the body's top level)."""
        self._pacer.acquire()
        signed = self.signed_params(path, params, access_token)
        url = f"{base}{path}"
        if method == "GET":
            request = self._http.build_request("GET", with_query(url, signed))
        else:
            request = self._http.build_request("POST", url, data=signed)
        response = send(self._http, request)
        if key is not None and response.status_code < 400:
            answer = from_body(Envelope, key, model, response.content)
            if answer is not None and answer.code == "0":
                data = getattr(answer, key)
                return data if data is not None else validate(model, {}, path)
        payload = _payload(path, response)
        data = payload if key is None else payload.get(key)
        return validate(model, {} if data is None else data, path)

    def signed_params(
        self, path: str, params: Mapping[str, Any], access_token: str | None
    ) -> dict[str, str]:
        return signed_params(
            self._app_key, self._app_secret, path, params, access_token, self._clock()
        )

    # --- tokens --------------------------------------------------------------------------

    def refresh(self, current: TokenSet | None) -> TokenSet:
        """A new token set from /auth/token/refresh (a `Refresh` for the vault).

        Uses `current.refresh_token`, or the configured initial one when nothing is stored.
        Lazada hands back a new refresh token that must be kept ("You must save the latest
        refresh_token"), so only a throttled refresh is retried in-call.
        """
        refresh_token = self._refresh_token(current)
        issued = self._clock()
        reply = self._retrier.call(self._refresh_once, refresh_token, idempotent=False)
        tokens = reply.token_set(issued)
        log.info("lazada_token_refreshed", expires_at=tokens.expires_at.isoformat())
        return tokens

    def _refresh_once(self, refresh_token: str) -> TokenReply:
        params = {"refresh_token": refresh_token}
        return self._once("POST", self._auth_url, REFRESH_PATH, params, TokenReply, None, None)


def signed_params(
    app_key: str,
    app_secret: str,
    path: str,
    params: Mapping[str, Any],
    access_token: str | None,
    now: float,
) -> dict[str, str]:
    """`params` plus LazOP's system parameters (timestamp: `now`, unix seconds, sent in
    milliseconds) and the `sign` over all of them."""
    signed = {name: signing.text(value) for name, value in params.items()}
    signed.update(app_key=app_key, timestamp=str(int(now * 1000)), sign_method=signing.SIGN_METHOD)
    if access_token is not None:
        signed["access_token"] = access_token
    signed["sign"] = signing.sign(app_secret, path, signed)
    return signed


def _payload(path: str, response: httpx.Response) -> dict[str, Any]:
    """The JSON body of `response` after its envelope says success; else the error it means."""
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    payload = json_object(
        path, response, lambda message: classify(path, status, "", message, retry_after=retry_after)
    )
    envelope = validate(Envelope, payload, path)
    if envelope.code != "0" or status >= 400:
        raise classify(
            path,
            status,
            "" if envelope.code == "0" else envelope.code,
            envelope.message or "",
            detail=envelope.detail,
            retry_after=retry_after,
        )
    return payload
