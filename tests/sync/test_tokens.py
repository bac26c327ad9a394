"""The token vault: one refresh across workers, single-use refresh tokens respected."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from lapak.sync.sealing import Sealer
from lapak.sync.setup import StoreSettings, apply_settings
from lapak.sync.store.db import Database
from lapak.sync.store.models import Token, utcnow
from lapak.sync.tokens import DbTokenVault
from lapak.sync.types import TokenSet
from redis import Redis

SEALER = Sealer([Sealer.generate_key()])


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

    vaults = [DbTokenVault(db, store_id, redis_lock, SEALER) for _ in range(6)]  # six "processes"
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

    first = DbTokenVault(db, store_id, local_lock, SEALER)
    second = DbTokenVault(db, store_id, local_lock, SEALER)
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
    vault = DbTokenVault(
        db, store_id, lambda name: threading.Lock(), SEALER, margin=timedelta(hours=5)
    )
    vault.token(market.refresh)
    assert vault.token(market.refresh).access_token == "access-2"  # 4 h left < 5 h margin


def _stored(db: Database, store_id: int) -> tuple[str, str]:
    with db.session() as session:
        row = session.get_one(Token, store_id)
        return row.access_token, row.refresh_token


def test_tokens_are_sealed_at_rest(db: Database) -> None:
    store_id = _store(db)
    vault = DbTokenVault(db, store_id, lambda name: threading.Lock(), SEALER)
    vault.token(Marketplace().refresh)
    access, refresh = _stored(db, store_id)
    assert access.startswith("fernet:") and refresh.startswith("fernet:")
    assert "access-1" not in access and "refresh-1" not in refresh
    assert SEALER.open(access).text == "access-1"


def test_clear_rows_and_rows_under_an_old_key_are_read_and_sealed_again(db: Database) -> None:
    store_id = _store(db)
    with db.session() as session:  # a row written before tokens were sealed
        session.add(
            Token(
                store_id=store_id,
                access_token="clear-access",
                refresh_token="clear-refresh",
                expires_at=utcnow() + timedelta(hours=4),
            )
        )
    old_key, new_key = Sealer.generate_key(), Sealer.generate_key()
    lock = threading.Lock()
    before = DbTokenVault(db, store_id, lambda name: lock, Sealer([old_key]))
    assert before.token(Marketplace().refresh).access_token == "clear-access"
    assert _stored(db, store_id)[0].startswith("fernet:")  # sealed under the old key
    rotated = Sealer([new_key, old_key])
    after = DbTokenVault(db, store_id, lambda name: lock, rotated)
    assert after.token(Marketplace().refresh).refresh_token == "clear-refresh"
    access, refresh = _stored(db, store_id)  # sealed again under the new key alone
    only_new = Sealer([new_key])
    assert (only_new.open(access).text, only_new.open(refresh).text) == (
        "clear-access",
        "clear-refresh",
    )
