"""Lazada's OAuth tokens as the sandbox keeps them (docs/MARKETPLACES.md#lazada-tokens): a
code lives half an hour and is good once; a refresh rotates both tokens and keeps the
authorization's end. Lifetimes are those of an app in "Test" status (access 7 days, refresh
30 days); that a used refresh token dies at once is the sandbox's reading
(docs/MARKETPLACES.md#lazada-unconfirmed). Callers hold the sandbox lock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from lapak.sandboxes.kit.clock import SandboxClock
from lapak.sandboxes.lazada.wire import ISV, LazadaError

ACCESS_TTL = 7 * 86400
REFRESH_TTL = 30 * 86400
CODE_TTL = 30 * 60


@dataclass(slots=True)
class Grant:
    seller_id: str
    expires_at: float


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int


def illegal_refresh_token() -> LazadaError:
    """RefreshAccessToken error table (verbatim)."""
    return LazadaError(
        "IllegalRefreshToken", "The specified refresh token is invalid or expired", type=ISV
    )


class TokenStore:
    def __init__(self, clock: SandboxClock, rng: random.Random) -> None:
        self._clock = clock
        self._rng = rng
        self._access: dict[str, Grant] = {}
        self._refresh: dict[str, Grant] = {}
        self._codes: dict[str, Grant] = {}

    def _token(self, prefix: str) -> str:
        """Lazada-looking tokens ("50000601c30atpedfgu3LVvik87..." in the guide)."""
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        return prefix + "".join(self._rng.choice(alphabet) for _ in range(52))

    def add_refresh_token(self, seller_id: str, token: str) -> None:
        """Accept `token` (e.g. the one a store's config holds) once for `seller_id`."""
        self._refresh[token] = Grant(seller_id, self._clock.now() + REFRESH_TTL)

    def issue_code(self, seller_id: str) -> str:
        """An authorization code as the seller's consent redirect would carry it."""
        code = "0_" + self._token("")[:24]
        self._codes[code] = Grant(seller_id, self._clock.now() + CODE_TTL)
        return code

    def redeem_code(self, code: str) -> tuple[str, IssuedTokens]:
        grant = self._codes.pop(code, None)
        if grant is None or grant.expires_at < self._clock.now():
            raise LazadaError("InvalidCode", "The specified code is invalid or expired", type=ISV)
        return grant.seller_id, self._issue(grant.seller_id, self._clock.now() + REFRESH_TTL)

    def refresh(self, refresh_token: str) -> tuple[str, IssuedTokens]:
        """Exchange a refresh token (used up) for a new pair; the authorization keeps its end."""
        grant = self._refresh.pop(refresh_token, None)
        if grant is None or grant.expires_at < self._clock.now():
            raise illegal_refresh_token()
        return grant.seller_id, self._issue(grant.seller_id, grant.expires_at)

    def seller_of_refresh(self, refresh_token: str) -> str | None:
        grant = self._refresh.get(refresh_token)
        return grant.seller_id if grant is not None else None

    def _issue(self, seller_id: str, refresh_expires_at: float) -> IssuedTokens:
        now = self._clock.now()
        self._forget_expired(now)
        access, refresh = self._token("50000"), self._token("50001")
        self._access[access] = Grant(seller_id, now + ACCESS_TTL)
        self._refresh[refresh] = Grant(seller_id, refresh_expires_at)
        return IssuedTokens(access, refresh, ACCESS_TTL, max(0, int(refresh_expires_at - now)))

    def _forget_expired(self, now: float) -> None:
        for store in (self._access, self._refresh, self._codes):
            for token in [t for t, g in store.items() if g.expires_at < now]:
                del store[token]

    def seller_of(self, access_token: str) -> str | None:
        """The seller an access token belongs to, while it lives."""
        grant = self._access.get(access_token)
        if grant is None or grant.expires_at < self._clock.now():
            return None
        return grant.seller_id

    def expire_access(self, seller_id: str) -> int:
        """Kill every access token of the seller now; returns how many were alive."""
        now = self._clock.now()
        alive = 0
        for grant in self._access.values():
            if grant.seller_id == seller_id and grant.expires_at >= now:
                grant.expires_at = now - 1
                alive += 1
        return alive
