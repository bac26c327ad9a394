"""Shopify's two signatures (docs/MARKETPLACES.md#shopify-auth-and-signing,
docs/MARKETPLACES.md#shopify-webhooks). Pure functions.

API calls are not signed: they carry the offline access token in `X-Shopify-Access-Token`.

Webhooks: `X-Shopify-Hmac-SHA256` = base64(HMAC-SHA256(app client secret, raw body))
(shopify.dev "Verify webhooks").

OAuth callback (`code`, `shop`, `state`, `timestamp`, `hmac` in the redirect's query):
drop `hmac`; each pair becomes `k=v` with `%` → `%25` in keys and values, `=` → `%3D` in
keys and `&` → `%26` in the pair; a `foo[]` list becomes `foo=["1", "2"]` (JSON, list order
kept); pairs are sorted and joined with `&`; the hmac is the lowercase hex
HMAC-SHA256(client secret, that string). A callback older than 24 hours is refused. This
is `shopify.Session.calculate_hmac` / `validate_params` of ShopifyAPI 12.7.0 line by line.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping
from typing import Any

OAUTH_MAX_AGE_SECONDS = 24 * 3600


def webhook_hmac(client_secret: str, body: bytes) -> str:
    """The `X-Shopify-Hmac-SHA256` value Shopify sends with `body` (raw bytes)."""
    digest = hmac.new(client_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_webhook(client_secret: str, body: bytes, header: str | None) -> bool:
    """True when `header` is the HMAC of exactly these bytes (never re-serialized JSON)."""
    if not header:
        return False
    expected = webhook_hmac(client_secret, body)
    return hmac.compare_digest(expected.encode("ascii"), header.strip().encode("utf-8"))


def _encoded_pairs(params: Mapping[str, Any]) -> Iterator[str]:
    for key, value in params.items():
        if key == "hmac":
            continue
        if key.endswith("[]"):
            key = key.rstrip("[]")
            value = json.dumps([str(item) for item in value])
        key = str(key).replace("%", "%25").replace("=", "%3D")
        value = str(value).replace("%", "%25")
        yield f"{key}={value}".replace("&", "%26")


def oauth_message(params: Mapping[str, Any]) -> str:
    """The string an OAuth callback's `hmac` signs."""
    return "&".join(sorted(_encoded_pairs(params)))


def oauth_hmac(client_secret: str, params: Mapping[str, Any]) -> str:
    """Lowercase hex HMAC-SHA256 of `oauth_message(params)` under the client secret."""
    message = oauth_message(params).encode("utf-8")
    return hmac.new(client_secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify_oauth_callback(client_secret: str, params: Mapping[str, Any], now: float) -> bool:
    """True for a callback whose `hmac` is right and whose `timestamp` is at most 24 h old
    (`now` in unix seconds): the check an app makes before exchanging the `code`."""
    given = params.get("hmac")
    if not isinstance(given, str) or not given:
        return False
    try:
        timestamp = int(params.get("timestamp", 0))
    except (TypeError, ValueError):
        return False
    if timestamp < now - OAUTH_MAX_AGE_SECONDS:
        return False
    expected = oauth_hmac(client_secret, params)
    return hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8"))
