"""Shopee Open Platform v2 signatures (docs/MARKETPLACES.md#shopee-auth-and-signing,
docs/MARKETPLACES.md#shopee-webhooks). Pure functions.

Request sign = lowercase hex HMAC-SHA256(partner_key, base string), the key being the UTF-8
bytes of the key string as the console shows it. Base strings are plain concatenations:

    shop API      partner_id + api_path + timestamp + access_token + shop_id
    merchant API  partner_id + api_path + timestamp + access_token + merchant_id
    public API    partner_id + api_path + timestamp

`api_path` has no host and no query (e.g. "/api/v2/shop/get_shop_info"); timestamps are
unix seconds. A push (webhook) carries `Authorization` = lowercase hex
HMAC-SHA256(partner_key, callback_url + "|" + raw_body).
"""

from __future__ import annotations

import hashlib
import hmac


def shop_base(partner_id: int, path: str, timestamp: int, access_token: str, shop_id: int) -> str:
    return f"{partner_id}{path}{timestamp}{access_token}{shop_id}"


def merchant_base(
    partner_id: int, path: str, timestamp: int, access_token: str, merchant_id: int
) -> str:
    return f"{partner_id}{path}{timestamp}{access_token}{merchant_id}"


def public_base(partner_id: int, path: str, timestamp: int) -> str:
    return f"{partner_id}{path}{timestamp}"


def sign(partner_key: str, base: str) -> str:
    """Lowercase hex HMAC-SHA256 of `base` under `partner_key`."""
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


def shop_sign(
    partner_key: str, partner_id: int, path: str, timestamp: int, access_token: str, shop_id: int
) -> str:
    return sign(partner_key, shop_base(partner_id, path, timestamp, access_token, shop_id))


def public_sign(partner_key: str, partner_id: int, path: str, timestamp: int) -> str:
    return sign(partner_key, public_base(partner_id, path, timestamp))


def webhook_signature(partner_key: str, url: str, body: bytes) -> str:
    """The `Authorization` value Shopee sends with a push to `url` carrying `body` (raw bytes)."""
    return hmac.new(partner_key.encode(), url.encode() + b"|" + body, hashlib.sha256).hexdigest()


def verify_webhook(partner_key: str, url: str, body: bytes, authorization: str | None) -> bool:
    """True when `authorization` is the push signature of `body` sent to `url`.

    `url` must be the callback URL exactly as registered with Shopee; `body` the raw bytes
    received (never re-serialized JSON).
    """
    if not authorization:
        return False
    expected = webhook_signature(partner_key, url, body)
    return hmac.compare_digest(expected.encode(), authorization.strip().lower().encode())
