"""`TikTokClient`: the only code that speaks HTTP to TikTok Shop.

It signs every request (signing.py), paces it through the store's `Pacer`, parses the
envelope and turns a refusal into the `sync.protocol` error it means (docs/rules.md, rule 7):

    HTTP 429 / code 36009002              ThrottledError (Retry-After honoured when sent)
    HTTP 5xx / 36009003 internal error /  TransientError
    36009007 timeout / timeouts /
    malformed bodies
    105002 expired credentials,           refresh once through the TokenVault, call again;
    36009004 invalid access token         refused again -> AuthError
    106001 bad sign, other 36009004,      AuthError
    105005 scope, 101000, 106013
    anything else                         PermanentError with TikTok's code and message

source: the partner guides common-errors.md and rate-limits.md
(docs/MARKETPLACES.md#tiktok-shop-throttle).

Tokens live only in the `TokenVault`; nothing here logs a token, the app secret or a
signature. Messages name the API path, never the URL (the token refresh URL carries the
app secret and the refresh token in its query, as TikTok's auth host wants them).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx
import structlog
from lapak.connectors.http import parse_retry_after, send, with_query
from lapak.connectors.kit.calls import comma_joined, json_object
from lapak.connectors.kit.client import Request, TokenClient, Wiring
from lapak.connectors.kit.refusals import ErrorTable, StaleTokenError
from lapak.connectors.kit.refusals import classify as kit_classify
from lapak.connectors.kit.validation import M
from lapak.connectors.tiktok import signing
from lapak.connectors.tiktok.wire import Envelope, TokenReply, validate
from lapak.sync.protocol import (
    AuthError,
    ConnectorError,
    PermanentError,
    not_connected,
)
from lapak.sync.types import TokenSet

log = structlog.get_logger(__name__)

API_HOST = "open-api.tiktokglobalshop.com"
AUTH_BASE_URL = "https://auth.tiktok-shops.com"
"""Tokens come from the auth host (authorization-guide-202309.md), not the API host."""
REFRESH_PATH = "/api/v2/token/refresh"
UPLOAD_IMAGE_PATH = "/product/202309/images/upload"
MAX_IMAGE_BYTES = 10 * 1024 * 1024
"""upload-product-image.spec.json: "Max size: 10MB"."""
IMAGE_LIMIT = "TikTok Shop's 10 MB image limit"

THROTTLED = 36009002
_TRANSIENT_CODES = frozenset(
    {
        36009003,  # Internal error. Please try again.
        36009007,  # Request timeout.
        12001000,  # product api internal error
        11001031,  # System process error, please try again later.
        21001003,  # System timeout.
        21001008,  # System process error, please try again later.
        21001011,
        21022029,
        21042001,
        21042076,
    }
)
EXPIRED_TOKEN = 105002
_AUTH_CODES = frozenset({106001, 36009004, 105005, 101000, 106013, 36009033})


def transient_code(code: int) -> bool:
    return code in _TRANSIENT_CODES


def _names_token(status: int, code: str, message: str) -> bool:
    lowered = message.lower()
    return code == "36009004" and ("access_token" in lowered or "access-token" in lowered)


TABLE = ErrorTable(
    throttled=frozenset({str(THROTTLED)}),
    transient=frozenset(str(code) for code in _TRANSIENT_CODES),
    stale=frozenset({str(EXPIRED_TOKEN)}),
    auth=frozenset(str(code) for code in _AUTH_CODES),
    stale_if=_names_token,
)


def classify(
    path: str, status: int, code: int | None, message: str, retry_after: float | None
) -> ConnectorError:
    """The `ConnectorError` a refusal (`code`, `message`, HTTP `status`) of `path` means."""
    code_text = str(code) if code is not None else ""
    return kit_classify(TABLE, path, status, code_text, message, retry_after)


def auth_base_url(api_base_url: str, override: str | None = None) -> str:
    """Where tokens are refreshed: `override`, else TikTok's auth host for the production
    API host, else the API base URL itself (a sandbox serves both)."""
    if override:
        return override.rstrip("/")
    if urlsplit(api_base_url).hostname == API_HOST:
        return AUTH_BASE_URL
    return api_base_url.rstrip("/")


class TikTokClient(TokenClient):
    """Signed, paced, classified calls to one TikTok shop. Tokens come from `tokens`."""

    platform: ClassVar[str] = "tiktok"

    def __init__(
        self,
        wiring: Wiring,
        *,
        app_key: str,
        app_secret: str,
        shop_cipher: str | None,
        initial_refresh_token: str | None,
        auth_url: str,
    ):
        """`shop_cipher` and `initial_refresh_token` are None for a shop not connected yet:
        its calls fail with `sync.protocol.not_connected`, naming the store."""
        super().__init__(wiring, initial_refresh_token)
        self._auth_url = auth_url.rstrip("/")
        self._app_key = app_key
        self._app_secret = app_secret
        self._shop_cipher = shop_cipher

    # --- API calls -----------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any], model: type[M], *, shop: bool = True) -> M:
        return self._call(Request("GET", path, params), model, shop=shop)

    def post(
        self,
        path: str,
        body: Mapping[str, Any],
        model: type[M],
        *,
        params: Mapping[str, Any] | None = None,
        idempotent: bool = True,
    ) -> M:
        return self._call(Request("POST", path, params, body), model, idempotent=idempotent)

    def upload_image(self, filename: str, content: bytes, content_type: str, model: type[M]) -> M:
        """POST the image as multipart field `data` with use_case MAIN_IMAGE. Upload Product
        Image takes no shop_cipher ("is_shop_chiper_exist": false) and its multipart body
        is not signed."""
        files = {"data": (filename, content, content_type)}
        form = {"use_case": "MAIN_IMAGE"}
        request = Request("POST", UPLOAD_IMAGE_PATH, files=files, form=form)
        return self._call(request, model, shop=False)

    def _call(
        self, request: Request, model: type[M], *, shop: bool = True, idempotent: bool = True
    ) -> M:
        """One call, retried; on a refused token: refresh once and call once more. `shop`:
        the call names the shop (its cipher)."""
        if shop and self._shop_cipher is None:
            raise not_connected(self._store_name)
        return self._with_token(
            self._once, request, model, shop, path=request.path, idempotent=idempotent
        )

    def _once(self, request: Request, model: type[M], shop: bool, access_token: str) -> M:
        """One paced, signed attempt."""
        self._pacer.acquire()
        body = _json_text(request.body)
        query: dict[str, Any] = {"app_key": self._app_key, "timestamp": int(self._clock())}
        if shop and self._shop_cipher is not None:
            query["shop_cipher"] = self._shop_cipher
        # list parameters (order ids) comma-joined, as get-order-detail's example shows
        query.update((key, comma_joined(value)) for key, value in (request.params or {}).items())
        query["sign"] = signing.sign(self._app_secret, request.path, query, body or "")
        headers = {"x-tts-access-token": access_token}
        if request.files is None:
            headers["content-type"] = "application/json"
        http_request = self._http.build_request(
            request.method,
            with_query(f"{self._base_url}{request.path}", query),
            content=body.encode() if body is not None else None,
            files=request.files,
            data=request.form,
            headers=headers,
        )
        data = _data(request.path, send(self._http, http_request))
        return validate(model, data if data is not None else {}, request.path)

    # --- tokens --------------------------------------------------------------------------

    def refresh(self, current: TokenSet | None) -> TokenSet:
        """A new token set from GET /api/v2/token/refresh on the auth host (a `Refresh` for
        the vault). Uses `current.refresh_token`, or the configured one when nothing is
        stored. Not signed: the app secret rides in the query, as the auth guide shows."""
        refresh_token = self._refresh_token(current)
        tokens = self._retrier.call(self._refresh_once, refresh_token).token_set()
        log.info("tiktok_token_refreshed", expires_at=tokens.expires_at.isoformat())
        return tokens

    def _refresh_once(self, refresh_token: str) -> TokenReply:
        self._pacer.acquire()
        query = {
            "app_key": self._app_key,
            "app_secret": self._app_secret,
            "refresh_token": refresh_token,
            "grant_type": "refresh_token",
        }
        request = self._http.build_request("GET", f"{self._auth_url}{REFRESH_PATH}", params=query)
        response = send(self._http, request)
        try:
            data = _data(REFRESH_PATH, response)
        except StaleTokenError as exc:  # a refused refresh token cannot be cured by refreshing
            raise AuthError(str(exc), code=exc.code, status=exc.status) from None
        except PermanentError as exc:
            raise AuthError(str(exc), code=exc.code, status=exc.status) from None
        return validate(TokenReply, data, REFRESH_PATH)


def _json_text(body: Any) -> str | None:
    """A JSON body as TikTok signs and reads it: compact, UTF-8 kept (None: no body)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False) if body else None


def _data(path: str, response: httpx.Response) -> Any:
    """The `data` of `response` after its envelope says success; else the error it means."""
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    payload = json_object(
        path, response, lambda message: classify(path, status, None, message, retry_after)
    )
    envelope = validate(Envelope, payload, path)
    if envelope.code != 0 or status >= 400:
        raise classify(path, status, envelope.code or None, envelope.message, retry_after)
    return envelope.data
