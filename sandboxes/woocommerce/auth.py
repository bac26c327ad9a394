"""Who is calling: WooCommerce's REST authentication, as `WC_REST_Authentication` does it.

- https (`is_ssl()`): HTTP Basic, or `consumer_key`/`consumer_secret` in the query. An
  unknown key falls through silently; a known key with another secret is refused
  ("Consumer secret is invalid.", with a `WWW-Authenticate: Basic` header).
- then OAuth 1.0a from the query (`get_oauth_parameters`): none of the five parameters
  means "not authenticated" (the route's permission check refuses later); some missing is
  `woocommerce_rest_authentication_missing_parameter`; an unknown key "Consumer key is
  invalid."; then the signature (`check_oauth_signature`: base URI = home URL + request
  path; HMAC-SHA1 or HMAC-SHA256), then the timestamp (±15 minutes of the sandbox clock)
  and the nonce (`check_oauth_timestamp_and_nonce`: one nonce remembered per timestamp
  second, as WooCommerce keys them; nonces older than 15 minutes are forgotten).

The home URL is the scheme and host the caller used (a sandbox has no fixed address).
Query parameters are read as PHP's `$_GET` does: the last of repeated names wins.
WooCommerce also signs `$_POST` fields; the sandbox takes JSON bodies only, which land in
neither (a form-encoded body's fields are not signed here).

The key approval endpoint (/wc-auth/v1/), as WooCommerce's `WC_Auth` serves it.

    GET /wc-auth/v1/authorize?app_name&scope&user_id&return_url&callback_url
        "<app> would like to connect to <store>": Approve (a link to access_granted with
        a nonce, as WooCommerce's own page has it) and Deny (to return_url with
        `success=0&user_id`). The sandbox serves many stores on one host, so the page has
        an Approve link a store: approving one is signing in as its admin.
    GET /wc-auth/v1/access_granted?…&store&wc_auth_nonce
        a new read/write key pair for the store (usable by the REST API at once), POSTed
        as JSON to callback_url, server to server; answered 200, the browser goes to
        return_url with `success=1&user_id`; otherwise the key is deleted and the page
        says "Error: An error occurred in the request and at the time were unable to send
        the consumer data." (401 "Access denied", `wp_die`).

Parameters are checked as `WC_Auth::make_validation` does (missing parameter, scope, URLs,
an https callback_url). One deviation: a callback_url on this machine (127.0.0.1,
localhost) may be http, so a Lapak on loopback can be connected to a sandbox.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import httpx
import structlog
from lapak.connectors.woocommerce import signing
from lapak.sandboxes.kit.consent import valid_redirect
from lapak.sandboxes.woocommerce.state import Shop
from lapak.sandboxes.woocommerce.wire import WooError
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from lapak.sandboxes.woocommerce.sandbox import WooSandbox

log = structlog.get_logger(__name__)

WINDOW_SECONDS = 15 * 60
AUTH_ERROR = "woocommerce_rest_authentication_error"
BASIC_REALM = (
    'Basic realm="WooCommerce API. Use a consumer key in the username field and a consumer '
    'secret in the password field."'
)


def _error(message: str, **headers: str) -> WooError:
    return WooError(AUTH_ERROR, message, 401, headers=headers)


def authenticate(
    shops: Mapping[str, Shop],
    *,
    https: bool,
    method: str,
    base_uri: str,
    params: Mapping[str, str],
    authorization: str | None,
    now: float,
) -> Shop | None:
    """The store whose key signed this request, None if none tried; `WooError` if refused.

    `shops` maps consumer keys to stores; `base_uri` is scheme://host[:port]/path.
    """
    if https:
        shop = _basic(shops, params, authorization)
        if shop is not None:
            return shop
    return _oauth(shops, method, base_uri, params, now)


def _basic(
    shops: Mapping[str, Shop], params: Mapping[str, str], authorization: str | None
) -> Shop | None:
    key, secret = params.get("consumer_key", ""), params.get("consumer_secret", "")
    if not (key and secret) and authorization and authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        key, _, secret = decoded.partition(":")
    if not (key and secret):
        return None
    shop = shops.get(key)
    if shop is None:
        return None
    if not hmac.compare_digest(shop.secret_of(key).encode(), secret.encode()):
        raise _error("Consumer secret is invalid.", **{"WWW-Authenticate": BASIC_REALM})
    return shop


def _oauth(
    shops: Mapping[str, Shop],
    method: str,
    base_uri: str,
    params: Mapping[str, str],
    now: float,
) -> Shop | None:
    missing = [name for name in signing.OAUTH_KEYS if not params.get(name)]
    if len(missing) == len(signing.OAUTH_KEYS):
        return None
    if missing:
        noun = "parameter" if len(missing) == 1 else "parameters"
        raise WooError(
            "woocommerce_rest_authentication_missing_parameter",
            f"Missing OAuth {noun} {', '.join(missing)}",
            401,
        )
    shop = shops.get(params["oauth_consumer_key"])
    if shop is None:
        raise _error("Consumer key is invalid.")
    algorithm = params["oauth_signature_method"]
    if algorithm not in ("HMAC-SHA1", "HMAC-SHA256"):
        raise _error("Invalid signature - signature method is invalid.")
    given = params["oauth_signature"].replace(" ", "+")
    expected = signing.oauth_signature(
        shop.secret_of(params["oauth_consumer_key"]),
        method,
        base_uri,
        params,
        signature_method=algorithm,
    )
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise _error("Invalid signature - provided signature does not match.")
    _check_timestamp_and_nonce(shop, params["oauth_timestamp"], params["oauth_nonce"], now)
    return shop


def _check_timestamp_and_nonce(shop: Shop, raw_timestamp: str, nonce: str, now: float) -> None:
    try:
        timestamp = int(raw_timestamp)
    except ValueError:
        timestamp = 0  # PHP compares the string as a number: garbage is 0, out of the window
    if timestamp < now - WINDOW_SECONDS or timestamp > now + WINDOW_SECONDS:
        raise _error("Invalid timestamp.")
    if nonce in shop.nonces.values():
        raise _error("Invalid nonce - nonce has already been used.")
    shop.nonces[timestamp] = nonce
    for seen in [t for t in shop.nonces if t < now - WINDOW_SECONDS]:
        del shop.nonces[seen]


# --- /wc-auth/v1/ ---------------------------------------------------------------------------

AUTHORIZE_PATH = "/wc-auth/v1/authorize"
GRANTED_PATH = "/wc-auth/v1/access_granted"
REQUIRED = ("app_name", "user_id", "return_url", "callback_url", "scope")
SCOPES = {"read": "Read", "write": "Write", "read_write": "Read/Write"}
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
CALLBACK_TIMEOUT_SECONDS = 60.0  # post_consumer_data's 'timeout' => 60
SEND_FAILED = (
    "An error occurred in the request and at the time were unable to send the consumer data"
)
PAGE = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
</head><body><main>{body}</main></body></html>"""


class AuthRefused(Exception):
    """What `wp_die` shows: "Error: <message>." with 401 "Access denied"."""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(PAGE.format(title=html.escape(title), body=body), status_code=status)


def _refused(message: str) -> HTMLResponse:
    return _page("Access denied", f"<p>Error: {html.escape(message)}.</p>", 401)


def _with_query(url: str, values: dict[str, Any]) -> str:
    """`add_query_arg`: the values appended to whatever query the URL has."""
    return f"{url}{'&' if urlsplit(url).query else '?'}{urlencode(values)}"


def _validated(query: dict[str, str]) -> dict[str, str]:
    for name in REQUIRED:
        if not query.get(name):
            raise AuthRefused(f"Missing parameter {name}")
    if query["scope"] not in SCOPES:
        raise AuthRefused(f"Invalid scope {query['scope']}")
    for name in ("return_url", "callback_url"):
        if not valid_redirect(query[name]):
            raise AuthRefused(f"The {query[name]} is not a valid URL")
    callback = urlsplit(query["callback_url"])
    if callback.scheme != "https" and callback.hostname not in LOOPBACK_HOSTS:
        raise AuthRefused("The callback_url needs to be over SSL")
    return {name: query[name] for name in REQUIRED}


def _nonce(sandbox: WooSandbox, shop: Shop, user_id: str) -> str:
    """`wp_nonce_url(…, 'wc_auth_grant_access')`: tied to the store's admin and request."""
    message = f"wc_auth_grant_access/{shop.name}/{user_id}".encode()
    return hmac.new(sandbox.nonce_key, message, hashlib.sha256).hexdigest()[:10]


def _approve_link(sandbox: WooSandbox, shop: Shop, fields: dict[str, str]) -> str:
    nonce = _nonce(sandbox, shop, fields["user_id"])
    target = f"{GRANTED_PATH}?{urlencode({**fields, 'store': shop.name, 'wc_auth_nonce': nonce})}"
    label = f"Approve as {html.escape(shop.name)}"
    return f'<p><a class="approve" href="{html.escape(target)}">{label}</a></p>'


async def serve(request: Request) -> Response:
    sandbox: WooSandbox = request.app.state.sandbox
    path = request.scope["path"]
    try:
        fields = _validated(dict(request.query_params))
        if path == AUTHORIZE_PATH:
            return _authorize_page(sandbox, fields)
        if path == GRANTED_PATH:
            return await _access_granted(sandbox, request, fields)
        raise AuthRefused("You do not have permission to access this page")
    except AuthRefused as refused:
        return _refused(str(refused))


def _authorize_page(sandbox: WooSandbox, fields: dict[str, str]) -> Response:
    app = html.escape(fields["app_name"])
    with sandbox.lock:
        approve = "".join(_approve_link(sandbox, s, fields) for s in sandbox.stores.values())
        names = ", ".join(html.escape(name) for name in sandbox.stores)
    deny = _with_query(fields["return_url"], {"success": 0, "user_id": fields["user_id"]})
    body = (
        f"<h1>{app} would like to connect to {names}</h1>"
        f'<p>This will give "{app}" {SCOPES[fields["scope"]]} access which will allow it '
        "to: view and manage coupons, customers, orders, products and reports.</p>"
        f'{approve}<p><a class="deny" href="{html.escape(deny)}">Deny</a></p>'
    )
    return _page("Authorize application", body)


async def _access_granted(
    sandbox: WooSandbox, request: Request, fields: dict[str, str]
) -> Response:
    with sandbox.lock:
        shop = sandbox.stores.get(request.query_params.get("store", ""))
        nonce = request.query_params.get("wc_auth_nonce", "")
        if shop is None or not hmac.compare_digest(
            nonce.encode(), _nonce(sandbox, shop, fields["user_id"]).encode()
        ):
            raise AuthRefused("Invalid nonce verification")
    consumer_data = sandbox.grant_key(shop.name, fields["user_id"], fields["scope"])
    try:
        async with httpx.AsyncClient(timeout=CALLBACK_TIMEOUT_SECONDS) as client:
            answer = await client.post(fields["callback_url"], json=consumer_data)
        if answer.status_code != 200:
            raise AuthRefused(SEND_FAILED)
    except httpx.HTTPError as exc:
        sandbox.delete_key(shop.name, consumer_data["consumer_key"])
        log.info("woocommerce_sandbox_callback_failed", store=shop.name, error=type(exc).__name__)
        raise AuthRefused(str(exc) or type(exc).__name__) from None
    except AuthRefused:
        sandbox.delete_key(shop.name, consumer_data["consumer_key"])
        raise
    back = _with_query(fields["return_url"], {"success": 1, "user_id": fields["user_id"]})
    return RedirectResponse(back, status_code=302)


ROUTE = Route("/wc-auth/{page:path}", serve)
