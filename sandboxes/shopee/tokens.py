"""Shopee's OAuth tokens as the sandbox keeps them.

Lifetimes from Shopee's guide: access_token 4 hours; refresh_token 30 days and single use
(refreshing returns a new one and kills the old); after a refresh the old access_token
stays valid 5 more minutes; an authorization code is single use and lives 10 minutes.
Times come from the sandbox clock (unix seconds). Callers hold the sandbox lock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from lapak.sandboxes.kit.clock import SandboxClock
from lapak.sandboxes.shopee.wire import ShopeeError

ACCESS_TTL = 4 * 3600
REFRESH_TTL = 30 * 86400
OLD_ACCESS_GRACE = 5 * 60
CODE_TTL = 10 * 60


@dataclass(slots=True)
class Grant:
    shop_id: int
    expires_at: float


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expire_in: int


class TokenStore:
    def __init__(self, clock: SandboxClock, rng: random.Random) -> None:
        self._clock = clock
        self._rng = rng
        self._access: dict[str, Grant] = {}
        self._refresh: dict[str, Grant] = {}
        self._codes: dict[str, Grant] = {}

    def _token(self) -> str:
        return f"{self._rng.getrandbits(128):032x}"

    def add_refresh_token(self, shop_id: int, token: str) -> None:
        """Accept `token` (e.g. the one a store's config holds) once for `shop_id`."""
        self._refresh[token] = Grant(shop_id, self._clock.now() + REFRESH_TTL)

    def issue_code(self, shop_id: int) -> str:
        """An authorization code as the seller's consent redirect would carry it."""
        code = self._token()
        self._codes[code] = Grant(shop_id, self._clock.now() + CODE_TTL)
        return code

    def redeem_code(self, code: str, shop_id: int) -> IssuedTokens:
        grant = self._codes.pop(code, None)
        if grant is None or grant.shop_id != shop_id or grant.expires_at < self._clock.now():
            raise ShopeeError("error_auth", "Invalid code")
        return self._issue(shop_id)

    def refresh(self, refresh_token: str, shop_id: int) -> IssuedTokens:
        """Exchange a refresh token (single use) for a new pair; old access tokens get 5 min."""
        grant = self._refresh.get(refresh_token)
        if grant is None:
            raise ShopeeError("error_auth", "Invalid refresh_token.")
        if grant.shop_id != shop_id:
            raise ShopeeError(
                "error_shop_refresh_token",
                "Your refresh token is error ,please check refresh token or shopid.",
            )
        now = self._clock.now()
        if grant.expires_at < now:
            del self._refresh[refresh_token]
            raise ShopeeError("refresh_token_expired", "Your refresh_token expired.")
        del self._refresh[refresh_token]
        for access in self._access.values():
            if access.shop_id == shop_id:
                access.expires_at = min(access.expires_at, now + OLD_ACCESS_GRACE)
        return self._issue(shop_id)

    def _issue(self, shop_id: int) -> IssuedTokens:
        now = self._clock.now()
        self._forget_expired(now)
        access, refresh = self._token(), self._token()
        self._access[access] = Grant(shop_id, now + ACCESS_TTL)
        self._refresh[refresh] = Grant(shop_id, now + REFRESH_TTL)
        return IssuedTokens(access, refresh, ACCESS_TTL)

    def _forget_expired(self, now: float) -> None:
        for store in (self._access, self._refresh, self._codes):
            for token in [t for t, g in store.items() if g.expires_at < now]:
                del store[token]

    def access_valid(self, token: str, shop_id: int) -> bool:
        grant = self._access.get(token)
        return (
            grant is not None and grant.shop_id == shop_id and grant.expires_at >= self._clock.now()
        )

    def expire_access(self, shop_id: int) -> int:
        """Kill every access token of the shop now; returns how many were alive."""
        now = self._clock.now()
        alive = 0
        for grant in self._access.values():
            if grant.shop_id == shop_id and grant.expires_at >= now:
                grant.expires_at = now - 1
                alive += 1
        return alive
