"""Shopee's OAuth token lifetimes and refresh rules (docs/MARKETPLACES.md#shopee-tokens).

access_token 4 hours; refresh_token 30 days and single use (refreshing returns a new one
and kills the old); after a refresh the old access_token stays valid 5 more minutes; an
authorization code is single use and lives 10 minutes.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from lapak.sandboxes.kit.tokens import Kind, TokenPolicy

ACCESS_TTL = 4 * 3600
POLICY = TokenPolicy(
    access_ttl=ACCESS_TTL, refresh_ttl=30 * 86400, code_ttl=10 * 60, old_access_grace=5 * 60
)


def token_maker(rng: random.Random) -> Callable[[Kind], str]:
    """Shopee's tokens and codes: 32 lowercase hex digits."""
    return lambda kind: f"{rng.getrandbits(128):032x}"
