"""WooCommerce REST API authentication and webhook signatures. Pure functions.

docs/MARKETPLACES.md#woocommerce-auth-and-signing, docs/MARKETPLACES.md#woocommerce-webhooks.

Requests (source: `includes/class-wc-rest-authentication.php`, WooCommerce trunk):

- over **https** WooCommerce authenticates HTTP Basic: consumer key as user name, consumer
  secret as password (`perform_basic_authentication`);
- over plain **http** it requires OAuth 1.0a "one-legged" in the query string
  (`perform_oauth_authentication`): `oauth_consumer_key`, `oauth_timestamp` (unix seconds,
  within 15 minutes of the server's clock), `oauth_nonce` (never reused within those 15
  minutes), `oauth_signature_method` (`HMAC-SHA1` or `HMAC-SHA256`) and `oauth_signature`.

The OAuth signature (`check_oauth_signature`)::

    base_uri = rawurlencode(home_url + request_path)             # scheme://host[:port]/path
    pairs    = sorted(params by key, strcmp), oauth_signature left out
    each     = rawurlencode(rawurlencode(key) + "=" + rawurlencode(value))
    string   = METHOD + "&" + base_uri + "&" + "%26".join(each)
    key      = consumer_secret + "&"
    signature = base64(HMAC-SHA256(key, string))

`rawurlencode` is RFC 3986 (unreserved `A-Za-z0-9-_.~` kept). The PyPI client `WooCommerce`
3.0.0 (`woocommerce/oauth.py`, `OAuth.generate_oauth_signature`) builds the same string for
parameters without "/" (its `quote` keeps "/"; PHP encodes it), which is all Lapak sends.
Only query parameters are signed: WooCommerce reads `$_GET` and `$_POST`, and a JSON body
lands in neither.

Webhooks (source: `includes/class-wc-webhook.php`, `WC_Webhook::generate_signature`):
`X-WC-Webhook-Signature` = base64(HMAC-SHA256(secret, raw body)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from urllib.parse import quote

SIGNATURE_METHOD = "HMAC-SHA256"
OAUTH_KEYS = (
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
)


def rawurlencode(value: str) -> str:
    """PHP's `rawurlencode` (RFC 3986): everything but `A-Za-z0-9-_.~` percent-encoded."""
    return quote(value, safe="-_.~")


def php_string(value: object) -> str:
    """A query value as PHP sees it once parsed (booleans as "1"/"", numbers as digits)."""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def string_to_sign(method: str, url: str, params: Mapping[str, object]) -> str:
    """The OAuth base string WooCommerce rebuilds; `url` without its query string."""
    pairs = sorted(
        ((key, php_string(value)) for key, value in params.items() if key != "oauth_signature"),
        key=lambda pair: pair[0].encode("utf-8"),
    )
    joined = "%26".join(
        rawurlencode(f"{rawurlencode(key)}={rawurlencode(value)}") for key, value in pairs
    )
    return f"{method.upper()}&{rawurlencode(url)}&{joined}"


def oauth_signature(
    consumer_secret: str,
    method: str,
    url: str,
    params: Mapping[str, object],
    *,
    signature_method: str = SIGNATURE_METHOD,
) -> str:
    """base64 HMAC of the base string under `consumer_secret + "&"` (SHA-256 or SHA-1)."""
    digest = hashlib.sha1 if signature_method == "HMAC-SHA1" else hashlib.sha256
    key = f"{consumer_secret}&".encode()
    mac = hmac.new(key, string_to_sign(method, url, params).encode("utf-8"), digest)
    return base64.b64encode(mac.digest()).decode("ascii")


def new_nonce() -> str:
    """32 random alphanumeric characters (the docblock of `check_oauth_timestamp_and_nonce`)."""
    return secrets.token_hex(16)


def signed_params(
    consumer_key: str,
    consumer_secret: str,
    method: str,
    url: str,
    params: Mapping[str, object],
    *,
    timestamp: int,
    nonce: str,
) -> dict[str, str]:
    """`params` plus the five OAuth parameters, signed: the query of one request."""
    query = {key: php_string(value) for key, value in params.items()}
    query.update(
        oauth_consumer_key=consumer_key,
        oauth_timestamp=str(timestamp),
        oauth_nonce=nonce,
        oauth_signature_method=SIGNATURE_METHOD,
    )
    query["oauth_signature"] = oauth_signature(consumer_secret, method, url, query)
    return query


def basic_authorization(consumer_key: str, consumer_secret: str) -> str:
    """The `Authorization` header value of HTTP Basic with the API keys (https only)."""
    token = base64.b64encode(f"{consumer_key}:{consumer_secret}".encode()).decode("ascii")
    return f"Basic {token}"


def webhook_signature(secret: str, body: bytes) -> str:
    """The `X-WC-Webhook-Signature` of a delivery carrying `body` (raw bytes)."""
    mac = hmac.new(secret.encode("utf-8"), body, hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def verify_webhook(secret: str, body: bytes, signature: str | None) -> bool:
    """True when `signature` is the webhook signature of exactly `body` under `secret`."""
    if not signature or not secret:
        return False
    expected = webhook_signature(secret, body)
    return hmac.compare_digest(expected.encode("ascii"), signature.strip().encode("utf-8"))
