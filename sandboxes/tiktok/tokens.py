"""TikTok Shop's seller tokens as the sandbox keeps them.

source: authorization-guide-202309.md — an auth code "expires in 30 minutes and can only be
used once"; the access token's "default expiration time" is seven days; the refresh
token lives as long as the seller's authorization ("refresh_token_expire_in is equivalent to
the authorization duration"). `*_expire_in` in replies are absolute unix timestamps.

Sandbox choices (UNCONFIRMED): an authorization lasts 365 days; refreshing returns the same
refresh token with its expiry unchanged (no rotation) and a new access token, while earlier
access tokens stay valid until their own expiry. Times come from the sandbox clock.
Callers hold the sandbox lock.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass

from lapak.sandboxes.kit.clock import SandboxClock

ACCESS_TTL = 7 * 86400
AUTHORIZATION_TTL = 365 * 86400
CODE_TTL = 30 * 60


@dataclass(slots=True)
class Grant:
    app_key: str
    shop_cipher: str
    expires_at: float


@dataclass(frozen=True, slots=True)
class Issued:
    access_token: str
    access_token_expire_in: int
    refresh_token: str
    refresh_token_expire_in: int


class RefusedToken(Exception):
    """The refresh token or auth code is unknown, used, expired or of another app."""


class TokenStore:
    def __init__(self, clock: SandboxClock, rng: random.Random) -> None:
        self._clock = clock
        self._rng = rng
        self._access: dict[str, Grant] = {}
        self._refresh: dict[str, Grant] = {}
        self._codes: dict[str, Grant] = {}

    def _token(self) -> str:
        raw = self._rng.getrandbits(384).to_bytes(48, "big")
        return "TTP_" + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def add_refresh_token(self, app_key: str, shop_cipher: str, token: str) -> None:
        """Accept `token` (the one a store's config holds) as the shop's authorization."""
        self._refresh[token] = Grant(app_key, shop_cipher, self._clock.now() + AUTHORIZATION_TTL)

    def issue_code(self, app_key: str, shop_cipher: str) -> str:
        """An auth code as the seller's authorization redirect would carry it."""
        code = self._token()
        self._codes[code] = Grant(app_key, shop_cipher, self._clock.now() + CODE_TTL)
        return code

    def redeem_code(self, app_key: str, code: str) -> Issued:
        grant = self._codes.pop(code, None)
        if grant is None or grant.app_key != app_key or grant.expires_at < self._clock.now():
            raise RefusedToken("auth_code is invalid or expired")
        refresh = self._token()
        self._refresh[refresh] = Grant(
            app_key, grant.shop_cipher, self._clock.now() + AUTHORIZATION_TTL
        )
        return self._issue(refresh, self._refresh[refresh])

    def refresh(self, app_key: str, refresh_token: str) -> Issued:
        grant = self._refresh.get(refresh_token)
        if grant is None or grant.app_key != app_key:
            raise RefusedToken("refresh_token is invalid")
        if grant.expires_at < self._clock.now():
            raise RefusedToken("refresh_token is expired")
        return self._issue(refresh_token, grant)

    def _issue(self, refresh_token: str, grant: Grant) -> Issued:
        now = self._clock.now()
        self._forget_expired(now)
        access = self._token()
        expires = int(now) + ACCESS_TTL
        self._access[access] = Grant(grant.app_key, grant.shop_cipher, expires)
        return Issued(access, expires, refresh_token, int(grant.expires_at))

    def _forget_expired(self, now: float) -> None:
        """Drop used-up codes, and access tokens a week past their expiry (until then a
        dead token is answered "expired", not "invalid")."""
        for store, grace in ((self._access, ACCESS_TTL), (self._codes, 0)):
            for token in [t for t, g in store.items() if g.expires_at + grace < now]:
                del store[token]

    def access(self, token: str) -> Grant | None:
        """The grant of an access token ever issued (expired ones too, until forgotten)."""
        return self._access.get(token)

    def expired(self, grant: Grant) -> bool:
        return grant.expires_at < self._clock.now()

    def expire_access(self, shop_cipher: str) -> int:
        """Kill every access token of the shop now; returns how many were alive."""
        now = self._clock.now()
        alive = 0
        for grant in self._access.values():
            if grant.shop_cipher == shop_cipher and grant.expires_at >= now:
                grant.expires_at = now - 1
                alive += 1
        return alive
