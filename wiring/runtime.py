"""The process-wide wiring: config, database, Redis, connectors, locks and the dispatcher.

Every process (`lapak run`, the `worker`, the `scheduler`, `web`) builds one `Runtime` from
the config. Actors reach it through `current()`; in a dramatiq worker process it is built
lazily from `LAPAK_CONFIG` the first time a message needs it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from dramatiq.rate_limits import RateLimiterBackend
from dramatiq.rate_limits.backends import RedisBackend, StubBackend
from lapak.config import LapakConfig, load_config
from lapak.config.envfile import load_env_file
from lapak.sync.connect import ConnectTarget
from lapak.sync.connections import granted_at, granted_credentials, load_grant
from lapak.sync.protocol import Connector, Pacer, StoreSpec
from lapak.sync.sealing import Sealer
from lapak.sync.secrets import register_secret
from lapak.sync.setup import StoreSettings, apply_settings
from lapak.sync.store.db import Database
from lapak.sync.tokens import DbTokenVault
from lapak.sync.types import TokenSet
from lapak.wiring.pacing import TokenBucketPacer, UnpacedPacer
from lapak.wiring.secret_key import token_sealer
from redis import Redis

LOCK_TIMEOUT = 60.0
"""Seconds a named lock (token refresh) may be held before Redis lets it go."""


class Runtime:
    def __init__(self, config: LapakConfig, *, paced: bool = True):
        self.config = config
        self.db = Database(config.database_url)
        self.redis: Redis | None = Redis.from_url(config.redis_url) if config.redis_url else None
        self.paced = paced
        self.store_ids: dict[str, int] = {}
        self._connectors: dict[int, Connector] = {}
        self._vaults: dict[int, DbTokenVault] = {}
        self._granted_at: dict[int, datetime | None] = {}
        self._local_locks: dict[str, threading.Lock] = {}
        self._guard = threading.RLock()

    def bootstrap(self) -> None:
        """Migrate the schema and bring the config's merchants and stores into it."""
        self.db.migrate()
        self.store_ids = apply_settings(
            self.db,
            self.config.merchants,
            [
                StoreSettings(
                    name=s.name,
                    platform=s.platform,
                    merchant=s.merchant,
                    stock_buffer=s.stock_buffer,
                    stock_allocation=s.stock_allocation,
                    markup_percent=s.price_rule.markup_percent,
                    round_to=s.price_rule.round_to,
                    enabled=s.enabled,
                    stray_listings=self.config.stray_action(s),
                )
                for s in self.config.stores
            ],
        )

    @cached_property
    def rate_limit_backend(self) -> RateLimiterBackend:
        """Where dramatiq's rate limiters (the push mutex) keep their state."""
        if self.redis is not None:
            return RedisBackend(client=self.redis)
        return StubBackend()

    def store_name(self, store_id: int) -> str:
        for name, known in self.store_ids.items():
            if known == store_id:
                return name
        raise LookupError(f"store id {store_id} is not in the config")

    def enabled_store_ids(self) -> list[int]:
        return [self.store_ids[s.name] for s in self.config.stores if s.enabled]

    def connector(self, store_id: int) -> Connector:
        """The connector of a store, made once per process and shared by its threads, and
        made again when the store's grant changed (it was connected, by any process)."""
        granted = granted_at(self.db, store_id)
        with self._guard:
            found = self._connectors.get(store_id)
            if found is not None and self._granted_at.get(store_id) != granted:
                self._forget(store_id)
                found = None
            if found is None:
                found = self._connectors[store_id] = self._make_connector(store_id)
                self._granted_at[store_id] = granted
            return found

    def _make_connector(self, store_id: int) -> Connector:
        target = self.connect_target_of(store_id)
        store = self.config.store(target.spec.name)
        granted = granted_credentials(
            target.credentials, load_grant(self.db, self.sealer, store_id)
        )
        credentials = store.plugin.credentials_model.model_validate(granted)
        return store.plugin.create(
            target.spec, credentials, pacer=self.pacer(store), tokens=self.vault(store_id)
        )

    def connect_target(self, name: str) -> ConnectTarget:
        """A configured store as `sync.connect` needs it (`LookupError`: no such store)."""
        store = self.config.store(name)
        store_id = self.store_ids.get(name)
        if store_id is None:
            raise LookupError(f"store {name!r} is not in the database yet")
        spec = StoreSpec(
            name=store.name,
            platform=store.platform,
            base_url=store.base_url,
            webhook_url=(
                f"{self.config.public_url.rstrip('/')}/webhooks/{store.name}"
                if self.config.public_url
                else None
            ),
        )
        values = {k: v for k, v in store.credentials.model_dump().items() if v is not None}
        return ConnectTarget(store_id, spec, store.plugin, values)

    def connect_target_of(self, store_id: int) -> ConnectTarget:
        return self.connect_target(self.store_name(store_id))

    def forget_connector(self, store_id: int) -> None:
        """Drop the store's connector and vault in this process (its grant changed)."""
        with self._guard:
            self._forget(store_id)

    def _forget(self, store_id: int) -> None:
        """Not closed here: a job may be calling through it; its pool goes with it."""
        self._connectors.pop(store_id, None)
        self._vaults.pop(store_id, None)
        self._granted_at.pop(store_id, None)

    @cached_property
    def sealer(self) -> Sealer:
        """Seals the stored tokens; its key made on first need (see wiring.secret_key)."""
        return token_sealer(self.config.path)

    def vault(self, store_id: int) -> DbTokenVault:
        """The token vault of a store (one per process, so its cache is shared)."""
        with self._guard:
            found = self._vaults.get(store_id)
            if found is None:
                found = self._vaults[store_id] = DbTokenVault(
                    self.db, store_id, self.lock, self.sealer, on_token=_register_token
                )
            return found

    def pacer(self, store: Any) -> Pacer:
        if not self.paced:
            return UnpacedPacer()
        return TokenBucketPacer(
            store.name, store.rate_per_second, store.plugin.limits.burst, self.redis
        )

    @contextmanager
    def lock(self, name: str) -> Iterator[object]:
        """A lock shared by every process on Redis, by every thread when embedded."""
        if self.redis is not None:
            with self.redis.lock(name, timeout=LOCK_TIMEOUT, blocking_timeout=LOCK_TIMEOUT) as held:
                yield held
            return
        with self._guard:
            local = self._local_locks.setdefault(name, threading.Lock())
        with local:
            yield local

    def close(self) -> None:
        for connector in self._connectors.values():
            connector.close()
        self._connectors.clear()
        self.db.dispose()


def _register_token(token: TokenSet) -> None:
    """Tokens are secrets too: every log line scrubs them from then on."""
    register_secret(token.access_token)
    register_secret(token.refresh_token)


_current: Runtime | None = None
_current_guard = threading.Lock()


def install(runtime: Runtime) -> Runtime:
    global _current
    _current = runtime
    return runtime


def current() -> Runtime:
    """The process's runtime; built from `LAPAK_CONFIG` (default lapak.toml) when unset."""
    global _current
    with _current_guard:
        if _current is None:
            path = Path(os.environ.get("LAPAK_CONFIG", "lapak.toml"))
            load_env_file(path)
            runtime = Runtime(load_config(path))
            runtime.bootstrap()
            _current = runtime
        return _current
