"""The push mutex is a lease: held for as long as its holder works, however short its TTL."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from dramatiq.rate_limits import ConcurrentRateLimiter
from dramatiq.rate_limits.backends import RedisBackend, StubBackend
from lapak.jobs.lease import Lease
from redis import Redis

TTL_MS = 300


@pytest.fixture(params=["stub", "redis"])
def backend(request: pytest.FixtureRequest) -> Iterator[object]:
    if request.param == "stub":
        yield StubBackend()
        return
    client: Redis = request.getfixturevalue("redis_client")
    yield RedisBackend(client=client)


def mutex(backend: object, key: str) -> ConcurrentRateLimiter:
    return ConcurrentRateLimiter(backend, key, limit=1, ttl=TTL_MS)


def test_a_held_lease_outlives_many_ttls_and_frees_on_exit(backend: object, unique: str) -> None:
    key = f"{unique}-push-store-1"
    lease = Lease(mutex(backend, key))
    stolen: list[float] = []
    stop = threading.Event()

    def contender() -> None:
        other = mutex(backend, key)
        while not stop.is_set():
            with other.acquire(raise_on_failure=False) as acquired:
                if acquired:
                    stolen.append(time.monotonic())
            time.sleep(0.02)

    with lease.hold() as acquired:
        assert acquired
        thread = threading.Thread(target=contender)
        thread.start()
        time.sleep(TTL_MS / 1000 * 6)  # six TTLs of work
        held_until = time.monotonic()
    time.sleep(0.2)
    stop.set()
    thread.join()

    assert lease.renewals >= 10
    assert not [at for at in stolen if at < held_until], "the mutex was taken while held"
    assert stolen, "released on exit: the next holder gets in"


def test_a_second_holder_is_refused_while_the_first_works(backend: object, unique: str) -> None:
    key = f"{unique}-push-store-2"
    with Lease(mutex(backend, key)).hold() as first:
        time.sleep(TTL_MS / 1000 * 2)
        with Lease(mutex(backend, key)).hold() as second:
            assert first and not second


def test_without_renewal_the_ttl_lets_the_next_holder_in(backend: object, unique: str) -> None:
    """What a dead worker's mutex does (and what a long push did before the lease)."""
    key = f"{unique}-push-store-3"
    with mutex(backend, key).acquire(raise_on_failure=False) as first:
        time.sleep(TTL_MS / 1000 * 1.5)
        with mutex(backend, key).acquire(raise_on_failure=False) as second:
            assert first and second


def test_a_lease_needs_a_mutex() -> None:
    with pytest.raises(ValueError, match="limit 1"):
        Lease(ConcurrentRateLimiter(StubBackend(), "k", limit=2, ttl=TTL_MS))
