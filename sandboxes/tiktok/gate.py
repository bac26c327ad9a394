"""The checks every TikTok Shop API call passes before its handler runs.

In the sandbox's order (docs/MARKETPLACES.md#tiktok-shop-unconfirmed): app_key, sign and
timestamp present; timestamp within [now − 5 min, now + 30 s]; app_key known; sign correct
(docs/MARKETPLACES.md#tiktok-shop-auth-and-signing); x-tts-access-token valid and not
expired; shop_cipher present for shop APIs (absent for the others) and the token's.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lapak.sandboxes.tiktok.state import Shop
from lapak.sandboxes.tiktok.wire import (
    BAD_SIGN,
    CREDENTIALS,
    EXPIRED,
    NO_SHOP_CIPHER,
    TOKEN_SHOP_MISMATCH,
    TikTokError,
)

if TYPE_CHECKING:
    from lapak.sandboxes.tiktok.sandbox import TikTokSandbox

PAST_SKEW_SECONDS = 300
FUTURE_SKEW_SECONDS = 30
UNSIGNED = frozenset({"sign", "access_token"})


@dataclass(frozen=True, slots=True)
class Caller:
    app_key: str
    shop_cipher: str
    shop: Shop | None
    """The shop named by shop_cipher (None for the APIs that take none)."""


def expected_sign(app_secret: str, path: str, query: Mapping[str, str], body: str) -> str:
    pairs = "".join(f"{k}{query[k]}" for k in sorted(query) if k not in UNSIGNED)
    wrapped = f"{app_secret}{path}{pairs}{body}{app_secret}"
    return hmac.new(app_secret.encode(), wrapped.encode(), hashlib.sha256).hexdigest()


def _timestamp(raw: str | None, now: float) -> None:
    try:
        value = int(raw or "")
    except ValueError:
        value = -1
    if value < 0:
        rule = "be lesser than 0"
    elif value < now - PAST_SKEW_SECONDS:
        rule = "be earlier than 5 minutes before the current time"
    elif value > now + FUTURE_SKEW_SECONDS:
        rule = "exceed the current time by more than 30 seconds"
    else:
        return
    raise TikTokError(
        CREDENTIALS,
        f"Invalid timestamp. The value of the `timestamp` query parameter must not {rule}.",
    )


def authenticate(
    sandbox: TikTokSandbox,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: str,
    *,
    shop_scoped: bool,
) -> Caller:
    """The calling app and shop, or a `TikTokError`. `body` is "" for multipart. Lock held."""
    app_key = query.get("app_key")
    if not app_key:
        raise TikTokError(CREDENTIALS, "Invalid credentials. Invalid `app_key` query parameter.")
    given = query.get("sign")
    if not given:
        raise TikTokError(
            CREDENTIALS,
            "Missing credentials. The request does not include a required signature in the query.",
        )
    _timestamp(query.get("timestamp"), sandbox.clock.now())
    secret = sandbox.apps.get(app_key)
    if secret is None:
        raise TikTokError(CREDENTIALS, "Invalid credentials. Invalid `app_key` query parameter.")
    if not hmac.compare_digest(expected_sign(secret, path, query, body), given.lower()):
        raise TikTokError(BAD_SIGN, "Invalid credentials. The `sign` query parameter is invalid.")
    token = headers.get("x-tts-access-token", "")
    grant = sandbox.tokens.access(token) if token else None
    if grant is None or grant.owner[0] != app_key:
        raise TikTokError(
            CREDENTIALS, "Invalid credentials. The `x-tts-access-token` header is invalid."
        )
    if sandbox.tokens.expired(grant):
        raise TikTokError(
            EXPIRED,
            "Expired credentials. The `access_token` or `x-tts-access-token` header has expired.",
        )
    cipher = query.get("shop_cipher", "")
    if not shop_scoped:
        if cipher:
            raise TikTokError(
                CREDENTIALS,
                "Unexpected identifier. The `shop_cipher` query parameter is not required for "
                "this request.",
            )
        return Caller(app_key, grant.owner[1], None)
    if not cipher:
        raise TikTokError(
            NO_SHOP_CIPHER,
            "Missing identifier. The `shop_cipher` query parameter is required to identify "
            "the target shop.",
        )
    shop = sandbox.by_cipher.get(cipher)
    if shop is None or cipher != grant.owner[1] or shop.app_key != app_key:
        raise TikTokError(
            TOKEN_SHOP_MISMATCH,
            "Invalid query or header. The `x-tts-access-token` header is invalid: the "
            "associated shop does not match the provided `shop_cipher` query parameter.",
        )
    return Caller(app_key, cipher, shop)
