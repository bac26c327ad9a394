"""Tokopedia FS API authentication and webhook signatures. Pure.

docs/MARKETPLACES.md#tokopedia-auth-and-signing, docs/MARKETPLACES.md#tokopedia-webhooks.

No request is signed: an access token comes from OAuth2 client credentials and rides as a
bearer token.

    POST {token_url}?grant_type=client_credentials
    Authorization: Basic base64(client_id + ":" + client_secret)
    → {"access_token", "expires_in", "token_type": "Bearer"}

    every FS API call: Authorization: Bearer <access_token>

source: developer.tokopedia.com guides/authentication; PyPI `tokopedia` 0.4.2
`tokopedia/access_token.py` (`AccessToken.create` and `create_headers` build exactly these
two headers). A webhook carries `Authorization-Hmac` = lowercase hex
HMAC-SHA256(webhook_secret, raw body) (guides/webhook-configuration/webhook-security,
official Go sample).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlsplit

TOKEN_URL = "https://accounts.tokopedia.com/token"
"""Tokopedia's token endpoint (host accounts.tokopedia.com, path /token)."""
TOKOPEDIA_API_HOSTS = frozenset({"fs.tokopedia.net", "fs.tokopedia.com"})
WEBHOOK_HEADER = "Authorization-Hmac"


def basic_authorization(client_id: str, client_secret: str) -> str:
    """The `Authorization` header value of a client-credentials token request."""
    pair = f"{client_id}:{client_secret}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def bearer_authorization(access_token: str, token_type: str = "Bearer") -> str:
    """The `Authorization` header value of an FS API call."""
    return f"{token_type} {access_token}"


def token_url_for(base_url: str, configured: str | None = None) -> str:
    """Where tokens come from: `configured` when given; Tokopedia's accounts host when
    `base_url` is Tokopedia's own API host; else `{base_url}/token` (a sandbox serves the
    token endpoint next to the API)."""
    if configured:
        return configured
    host = (urlsplit(base_url).hostname or "").lower()
    if host in TOKOPEDIA_API_HOSTS:
        return TOKEN_URL
    return f"{base_url.rstrip('/')}/token"


def webhook_signature(webhook_secret: str, body: bytes) -> str:
    """The `Authorization-Hmac` value Tokopedia sends with `body` (raw bytes)."""
    return hmac.new(webhook_secret.encode(), body, hashlib.sha256).hexdigest()


def verify_webhook(webhook_secret: str, body: bytes, signature: str | None) -> bool:
    """True when `signature` (the `Authorization-Hmac` header) signs `body`."""
    if not signature:
        return False
    expected = webhook_signature(webhook_secret, body)
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())
