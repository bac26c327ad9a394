"""A marketplace's token answer as the `TokenVault` keeps it (`sync.types.TokenSet`)."""

from __future__ import annotations

from datetime import UTC, datetime

from lapak.sync.types import TokenSet


def token_set(
    access_token: str,
    refresh_token: str,
    expires_at: float,
    refresh_expires_at: float | None = None,
) -> TokenSet:
    """The pair as the vault keeps it. The expiries are unix seconds; `refresh_expires_at`
    None or 0: the marketplace names none."""
    return TokenSet(
        access_token=access_token,
        refresh_token=refresh_token,
        expires_at=datetime.fromtimestamp(expires_at, UTC),
        refresh_expires_at=(
            datetime.fromtimestamp(refresh_expires_at, UTC) if refresh_expires_at else None
        ),
    )
