"""The token vault: one refresh across workers, single-use refresh tokens respected."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from redis import Redis

from sync.setup import StoreSettings, apply_settings
from sync.store.db import Database
from sync.store.models import utcnow
from sync.tokens import DbTokenVault
from sync.types import TokenSet


class Marketplace:
    """Hands out a new token set per refresh and refuses a refresh token used twice."""

    def __init__(self) -> None:
        self.refreshes = 0
        self.used: set[str] = set()
        self._guard = threading.Lock()

    def refresh(self, current: TokenSet | None) -> TokenSet:
        with self._guard:
            given = current.refresh_token if current else "initial"
            assert given not in self.used, f"refresh token {given} used twice"
            self.used.add(given)
            self.refreshes += 1
            number = self.refreshes
        time.sleep(0.05)  # a slow marketplace widens any race
        return TokenSet(f"access-{number}", f"refresh-{number}", utcnow() + timedelta(hours=4))


def _store(db: Database) -> int:
    return apply_settings(db, ["m"], [StoreSettings("s", "shopee", "m")])["s"]


def test_concurrent_workers_refresh_once(db: Database, redis_client: Redis, unique: str) -> None:
    store_id = _store(db)
    market = Marketplace()

    @contextmanager
    def redis_lock(name: str) -> Iterator[object]:
        with redis_client.lock(f"{unique}:{name}", timeout=10, blocking_timeout=10) as held:
            yield held

    vaults = [DbTokenVault(db, store_id, redis_lock) for _ in range(6)]  # six "processes"
    got: list[str] = []
    threads = [
        threading.Thread(target=lambda v=v: got.append(v.token(market.refresh).access_token))
        for v in vaults
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert market.refreshes == 1
    assert got == ["access-1"] * 6


def test_refused_token_is_renewed_once_and_rotation_is_kept(db: Database) -> None:
    store_id = _store(db)
    market = Marketplace()
    lock = threading.Lock()

    @contextmanager
    def local_lock(name: str) -> Iterator[object]:
        with lock:
            yield lock

    first, second = DbTokenVault(db, store_id, local_lock), DbTokenVault(db, store_id, local_lock)
    assert first.token(market.refresh).access_token == "access-1"
    # The marketplace refuses access-1: the first worker renews; the second, told the same
    # token was refused, finds the renewed one stored and does not spend another refresh.
    assert first.token(market.refresh, stale="access-1").access_token == "access-2"
    assert second.token(market.refresh, stale="access-1").access_token == "access-2"
    assert market.refreshes == 2
    stored = first.peek()
    assert stored is not None and stored.refresh_token == "refresh-2"


def test_token_close_to_expiry_is_renewed_before_use(db: Database) -> None:
    store_id = _store(db)
    market = Marketplace()
    vault = DbTokenVault(db, store_id, lambda name: threading.Lock(), margin=timedelta(hours=5))
    vault.token(market.refresh)
    assert vault.token(market.refresh).access_token == "access-2"  # 4 h left < 5 h margin
