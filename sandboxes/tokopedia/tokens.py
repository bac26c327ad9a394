"""Client-credentials tokens (docs/MARKETPLACES.md#tokopedia-tokens): valid 2 weeks, and
asked again while valid, the same token. Callers hold the sandbox lock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

ACCESS_TTL = 14 * 86400
"""news 2021-10-22: "The access_token is extended and valid for 2 weeks"."""


@dataclass(slots=True)
class Grant:
    client_id: str
    token: str
    expires_at: float


class TokenStore:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._by_client: dict[str, Grant] = {}
        self._by_token: dict[str, Grant] = {}

    def _new_token(self) -> str:
        # Tokopedia's tokens look like "c:zowIz-u4R26JRHVFdc72PQ" (guides/rate-limit example)
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return "c:" + "".join(self._rng.choice(alphabet) for _ in range(22))

    def issue(self, client_id: str, now: float) -> Grant:
        """The client's valid token, or a new one when it has none (or it expired)."""
        grant = self._by_client.get(client_id)
        if grant is not None and grant.expires_at > now:
            return grant
        if grant is not None:
            self._by_token.pop(grant.token, None)
        grant = Grant(client_id, self._new_token(), now + ACCESS_TTL)
        self._by_client[client_id] = grant
        self._by_token[grant.token] = grant
        return grant

    def client_of(self, token: str, now: float) -> str | None:
        """The client a valid token belongs to (None: unknown or expired)."""
        grant = self._by_token.get(token)
        if grant is None or grant.expires_at <= now:
            return None
        return grant.client_id

    def expire(self, client_id: str, now: float) -> bool:
        """Kill the client's token now; True if it had a live one."""
        grant = self._by_client.get(client_id)
        if grant is None or grant.expires_at <= now:
            return False
        grant.expires_at = now
        return True
