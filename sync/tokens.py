"""Stored marketplace tokens, renewed once across all workers (docs/rules.md, rule 7).

The vault keeps the token set in memory between calls (a push makes hundreds of calls a
second) and goes back to the database only when the token is due: missing, expiring within
the margin, or refused by the marketplace. Renewal happens under a named lock; a worker
that waited on the lock finds the token the winner stored and does not refresh again,
which matters because refresh tokens are single-use.

Tokens are sealed at rest (`sync.sealing`): the table holds `fernet:…` values only. A row
written in clear before sealing, or sealed with a key that is no longer the first, is
sealed again with the current key the first time it is read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta

import structlog
from lapak.sync.protocol import Refresh
from lapak.sync.sealing import Sealer
from lapak.sync.store.db import Database
from lapak.sync.store.models import Token, utcnow
from lapak.sync.types import TokenSet

log = structlog.get_logger(__name__)

Lock = Callable[[str], AbstractContextManager[object]]
"""Holds a named lock shared by every worker process (Redis) or thread (embedded)."""


class DbTokenVault:
    """A `sync.protocol.TokenVault` for one store, backed by the `tokens` table."""

    def __init__(
        self,
        db: Database,
        store_id: int,
        lock: Lock,
        sealer: Sealer,
        *,
        margin: timedelta = timedelta(minutes=10),
        on_token: Callable[[TokenSet], None] | None = None,
    ):
        self._db = db
        self._store_id = store_id
        self._lock = lock
        self._sealer = sealer
        self._margin = margin
        self._on_token = on_token
        self._cached: TokenSet | None = None
        self._local = threading.Lock()

    def token(self, refresh: Refresh, *, stale: str | None = None) -> TokenSet:
        cached = self._cached
        if cached is not None and not self._due(cached, stale):
            return cached
        with self._local, self._lock(f"lapak:token:{self._store_id}"):
            current = self._load()
            if current is None or self._due(current, stale):
                current = refresh(current)
                self._save(current)
                log.info(
                    "token_refreshed",
                    store_id=self._store_id,
                    expires_at=current.expires_at.isoformat(),
                )
            self._cached = current
            if self._on_token:
                self._on_token(current)
            return current

    def peek(self) -> TokenSet | None:
        """The stored token set, without renewing it."""
        return self._load()

    def _due(self, token: TokenSet, stale: str | None) -> bool:
        return token.access_token == stale or token.expires_at - self._margin <= utcnow()

    def _load(self) -> TokenSet | None:
        with self._db.session() as session:
            row = session.get(Token, self._store_id)
            if row is None:
                return None
            access = self._sealer.open(row.access_token)
            refresh = self._sealer.open(row.refresh_token)
            if access.reseal or refresh.reseal:
                row.access_token = self._sealer.seal(access.text)
                row.refresh_token = self._sealer.seal(refresh.text)
                log.info("token_resealed", store_id=self._store_id)
            return TokenSet(
                access_token=access.text,
                refresh_token=refresh.text,
                expires_at=row.expires_at,
                refresh_expires_at=row.refresh_expires_at,
            )

    def _save(self, token: TokenSet) -> None:
        with self._db.session() as session:
            row = session.get(Token, self._store_id)
            if row is None:
                row = Token(store_id=self._store_id)
                session.add(row)
            row.access_token = self._sealer.seal(token.access_token)
            row.refresh_token = self._sealer.seal(token.refresh_token)
            row.expires_at = token.expires_at
            row.refresh_expires_at = token.refresh_expires_at
