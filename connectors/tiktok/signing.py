"""TikTok Shop Partner API signatures (docs/MARKETPLACES.md#tiktok-shop-auth-and-signing,
docs/MARKETPLACES.md#tiktok-shop-webhooks). Pure functions.

source: TikTok Shop partner guide "Sign your API request" (sign-your-api-request.md):

1. every query parameter except `sign` and `access_token`, keys sorted alphabetically;
2. concatenated as `{key}{value}` (values as sent, before URL encoding);
3. prefixed with the request path (no host, no query);
4. unless the body is multipart/form-data, the raw request body appended byte for byte;
5. wrapped as app_secret + s + app_secret;
6. lowercase hex HMAC-SHA256 keyed with the app secret.

A push (webhook) carries `Authorization` = lowercase hex HMAC-SHA256(app_secret,
app_key + raw_body). UNCONFIRMED by the official configuration guide (it only says "a
signature code in the 'Authorization' field"); source: easycb/easycb-go tiktok/sign.go
`VerifySign`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

UNSIGNED_PARAMS = frozenset({"sign", "access_token"})


def base_string(path: str, params: Mapping[str, object], body: str = "") -> str:
    """Path + sorted `{key}{value}` of the signed parameters + body (step 1-4)."""
    pairs = "".join(f"{key}{params[key]}" for key in sorted(params) if key not in UNSIGNED_PARAMS)
    return f"{path}{pairs}{body}"


def sign_base(app_secret: str, base: str) -> str:
    """Lowercase hex HMAC-SHA256(app_secret, app_secret + base + app_secret) (steps 5-6)."""
    wrapped = f"{app_secret}{base}{app_secret}"
    return hmac.new(app_secret.encode(), wrapped.encode(), hashlib.sha256).hexdigest()


def sign(app_secret: str, path: str, params: Mapping[str, object], body: str = "") -> str:
    """The `sign` query parameter of a request (pass body "" for GET and multipart)."""
    return sign_base(app_secret, base_string(path, params, body))


def webhook_signature(app_secret: str, app_key: str, body: bytes) -> str:
    """The `Authorization` value TikTok Shop sends with a push carrying `body` (raw bytes)."""
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()


def verify_webhook(app_secret: str, app_key: str, body: bytes, authorization: str | None) -> bool:
    """True when `authorization` is the push signature of the raw `body`."""
    if not authorization:
        return False
    expected = webhook_signature(app_secret, app_key, body)
    return hmac.compare_digest(expected.encode(), authorization.strip().lower().encode())
