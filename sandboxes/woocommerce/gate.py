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
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping

from lapak.connectors.woocommerce import signing
from lapak.sandboxes.woocommerce.state import Shop
from lapak.sandboxes.woocommerce.wire import WooError

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
