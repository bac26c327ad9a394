"""OAuth tokens as the sandboxes keep them: access and refresh tokens, authorization codes.

A `TokenStore` hands out tokens for an owner (a shop id, a seller id, an (app, shop) pair:
whatever the platform authorizes) with expiries on the sandbox clock. A `TokenPolicy` holds
the platform's lifetimes and its refresh rules (each platform's "tokens" section of
docs/MARKETPLACES.md): whether a refresh rotates the refresh token, whether the new one
keeps the old expiry, how long earlier access tokens live on. A platform supplies its token
format (`make`) and turns a `TokenRefused` into its own error answer. Callers hold the sandbox lock.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from lapak.sandboxes.kit.clock import SandboxClock

Owner = TypeVar("Owner", bound=Hashable)
Kind = Literal["access", "refresh", "code"]


@dataclass(slots=True)
class Grant(Generic[Owner]):
    owner: Owner
    expires_at: float


@dataclass(frozen=True, slots=True)
class Issued(Generic[Owner]):
    owner: Owner
    access_token: str
    access_expires_at: float
    refresh_token: str
    refresh_expires_at: float


class TokenRefused(Exception):
    """A refresh token or code that is unknown (or used up) or expired."""

    def __init__(self, reason: Literal["unknown", "expired"]) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    access_ttl: int
    refresh_ttl: int
    code_ttl: int
    rotate: bool = True
    """A refresh returns a new refresh token and the used one dies (else the same one)."""
    refresh_keeps_expiry: bool = False
    """A rotated refresh token expires when the one it replaces would have."""
    old_access_grace: int | None = None
    """After a refresh the owner's earlier access tokens live at most this long (None: to
    their own expiry)."""
    remember_expired_access: int = 0
    """How long an expired access token is still known (answered "expired", not unknown)."""
    forget_expired_refresh: bool = True


class TokenStore(Generic[Owner]):
    def __init__(
        self, clock: SandboxClock, policy: TokenPolicy, make: Callable[[Kind], str]
    ) -> None:
        self._clock = clock
        self.policy = policy
        self._make = make
        self._access: dict[str, Grant[Owner]] = {}
        self._refresh: dict[str, Grant[Owner]] = {}
        self._codes: dict[str, Grant[Owner]] = {}

    def add_refresh_token(self, owner: Owner, token: str) -> None:
        """Accept `token` (the one a store's config holds) as `owner`'s authorization."""
        self._refresh[token] = Grant(owner, self._clock.now() + self.policy.refresh_ttl)

    def issue_code(self, owner: Owner) -> str:
        """A one-time authorization code, as the seller's consent redirect carries it."""
        code = self._make("code")
        self._codes[code] = Grant(owner, self._clock.now() + self.policy.code_ttl)
        return code

    def redeem_code(self, code: str) -> Owner:
        """The owner a code was issued for; the code is used up (`TokenRefused` if it is
        unknown, used or expired). The caller checks the owner, then calls `issue`."""
        grant = self._codes.pop(code, None)
        if grant is None:
            raise TokenRefused("unknown")
        if grant.expires_at < self._clock.now():
            raise TokenRefused("expired")
        return grant.owner

    def refresh_owner(self, refresh_token: str) -> Owner | None:
        """Whose refresh token this is (None: unknown), without using it."""
        grant = self._refresh.get(refresh_token)
        return grant.owner if grant is not None else None

    def refresh(self, refresh_token: str) -> Issued[Owner]:
        """A new access token for a refresh token, by the policy's rules."""
        grant = self._refresh.get(refresh_token)
        if grant is None:
            raise TokenRefused("unknown")
        now = self._clock.now()
        if grant.expires_at < now:
            if self.policy.forget_expired_refresh:
                del self._refresh[refresh_token]
            raise TokenRefused("expired")
        grace = self.policy.old_access_grace
        if grace is not None:
            for access in self._access.values():
                if access.owner == grant.owner:
                    access.expires_at = min(access.expires_at, now + grace)
        if not self.policy.rotate:
            return self._issue(grant.owner, refresh_token, grant)
        del self._refresh[refresh_token]
        keeps = self.policy.refresh_keeps_expiry
        return self.issue(grant.owner, grant.expires_at if keeps else None)

    def issue(self, owner: Owner, refresh_expires_at: float | None = None) -> Issued[Owner]:
        """A new access and refresh token pair for `owner` (a redeemed code)."""
        now = self._clock.now()
        expires = (
            now + self.policy.refresh_ttl if refresh_expires_at is None else refresh_expires_at
        )
        token = self._make("refresh")
        grant = self._refresh[token] = Grant(owner, expires)
        return self._issue(owner, token, grant)

    def _issue(self, owner: Owner, refresh_token: str, refresh: Grant[Owner]) -> Issued[Owner]:
        now = self._clock.now()
        self._forget_expired(now)
        access = self._make("access")
        self._access[access] = Grant(owner, now + self.policy.access_ttl)
        return Issued(
            owner, access, now + self.policy.access_ttl, refresh_token, refresh.expires_at
        )

    def _forget_expired(self, now: float) -> None:
        stores = [(self._access, self.policy.remember_expired_access), (self._codes, 0)]
        if self.policy.forget_expired_refresh:
            stores.append((self._refresh, 0))
        for store, remembered in stores:
            for token in [t for t, g in store.items() if g.expires_at + remembered < now]:
                del store[token]

    def access(self, token: str) -> Grant[Owner] | None:
        """The grant of a known access token, alive or (while remembered) expired."""
        return self._access.get(token)

    def access_owner(self, token: str) -> Owner | None:
        """The owner of a live access token (None: unknown or expired)."""
        grant = self._access.get(token)
        if grant is None or self.expired(grant):
            return None
        return grant.owner

    def expired(self, grant: Grant[Owner]) -> bool:
        return grant.expires_at < self._clock.now()

    def expire_access(self, owner: Owner) -> int:
        """Kill every access token of `owner` now; returns how many were alive."""
        now = self._clock.now()
        alive = 0
        for grant in self._access.values():
            if grant.owner == owner and grant.expires_at >= now:
                grant.expires_at = now - 1
                alive += 1
        return alive
