"""The push mutex is a lease: held for as long as its holder works, however short its TTL.

Time here is a fake clock the test moves: the lease's renewer waits on it, and moving it
ages the mutex's key on its backend by as much, so nothing depends on how fast the machine
runs the renewer thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from dramatiq.rate_limits import ConcurrentRateLimiter
from dramatiq.rate_limits.backends import RedisBackend, StubBackend
from lapak.jobs.lease import Lease
from redis import Redis

TTL_MS = 60_000
"""Long in real time: only the fake clock ages a key within a test."""

SETTLED = 10.0
"""Real seconds the renewer gets to answer a move of the clock before the test gives up."""


@dataclass(frozen=True)
class Mutexes:
    backend: object
    age: Callable[[str, float], None]
    """Ages a key by that many seconds: what that much real time does to its TTL."""


def _age_stub(backend: StubBackend) -> Callable[[str, float], None]:
    def age(key: str, seconds: float) -> None:
        with backend.mutex:
            if key in backend.db:
                value, expiration = backend.db[key]
                backend.db[key] = (value, expiration - seconds)

    return age


def _age_redis(client: Redis) -> Callable[[str, float], None]:
    def age(key: str, seconds: float) -> None:
        left = client.pttl(key)
        if left < 0:  # no such key (-2), or no TTL (-1)
            return
        if left <= seconds * 1000:
            client.delete(key)
        else:
            client.pexpire(key, int(left - seconds * 1000))

    return age


@pytest.fixture(params=["stub", "redis"])
def mutexes(request: pytest.FixtureRequest) -> Iterator[Mutexes]:
    if request.param == "stub":
        stub = StubBackend()
        yield Mutexes(stub, _age_stub(stub))
        return
    client: Redis = request.getfixturevalue("redis_client")
    yield Mutexes(RedisBackend(client=client), _age_redis(client))


class FakeClock:
    """The lease's `wait`, moved by the test. `advance` ages `key` by as much, wakes each
    waiter whose wait is over, and returns once every waiter is waiting again."""

    def __init__(self, mutexes: Mutexes, key: str) -> None:
        self.now = 0.0
        self._age = lambda seconds: mutexes.age(key, seconds)
        self._changed = threading.Condition()
        self._due: dict[int, float] = {}
        """Per waiting thread, when its wait ends; -inf while it works between two waits."""

    def wait(self, event: threading.Event, seconds: float) -> bool:
        me = threading.get_ident()
        with self._changed:
            self._due[me] = self.now + seconds
            self._changed.notify_all()
            # The lease sets `event` without notifying this clock: it is looked at each 10 ms.
            while not event.is_set() and self.now < self._due[me]:
                self._changed.wait(timeout=0.01)
            if event.is_set():
                del self._due[me]
            else:
                self._due[me] = float("-inf")
            self._changed.notify_all()
            return event.is_set()

    def advance(self, seconds: float, *, waiters: int = 1) -> None:
        """`waiters`: the threads that wait on this clock (a held lease's renewer)."""
        with self._changed:
            assert self._changed.wait_for(lambda: self._waiting() >= waiters, SETTLED)
            self.now += seconds
            self._age(seconds)
            self._changed.notify_all()
            assert self._changed.wait_for(lambda: self._waiting() >= waiters, SETTLED)

    def _waiting(self) -> int:
        return sum(due > self.now for due in self._due.values())


def mutex(mutexes: Mutexes, key: str) -> ConcurrentRateLimiter:
    return ConcurrentRateLimiter(mutexes.backend, key, limit=1, ttl=TTL_MS)


def test_a_held_lease_outlives_many_ttls_and_frees_on_exit(mutexes: Mutexes, unique: str) -> None:
    key = f"{unique}-push-store-1"
    clock = FakeClock(mutexes, key)
    lease = Lease(mutex(mutexes, key), clock.wait)
    stolen: list[float] = []

    def contend() -> None:
        with mutex(mutexes, key).acquire(raise_on_failure=False) as acquired:
            if acquired:
                stolen.append(clock.now)

    with lease.hold() as acquired:
        assert acquired
        for _ in range(18):  # six TTLs of work
            clock.advance(lease.renew_every)
            contend()
        held_until = clock.now
    clock.advance(lease.renew_every, waiters=0)
    contend()

    assert lease.renewals >= 10
    assert not [at for at in stolen if at < held_until], "the mutex was taken while held"
    assert stolen, "released on exit: the next holder gets in"


def test_a_second_holder_is_refused_while_the_first_works(mutexes: Mutexes, unique: str) -> None:
    key = f"{unique}-push-store-2"
    clock = FakeClock(mutexes, key)
    first_lease = Lease(mutex(mutexes, key), clock.wait)
    with first_lease.hold() as first:
        for _ in range(6):  # two TTLs of work
            clock.advance(first_lease.renew_every)
        with Lease(mutex(mutexes, key), clock.wait).hold() as second:
            assert first and not second


def test_without_renewal_the_ttl_lets_the_next_holder_in(mutexes: Mutexes, unique: str) -> None:
    """What a dead worker's mutex does (and what a long push did before the lease)."""
    key = f"{unique}-push-store-3"
    clock = FakeClock(mutexes, key)
    with mutex(mutexes, key).acquire(raise_on_failure=False) as first:
        clock.advance(TTL_MS / 1000 * 1.5, waiters=0)
        with mutex(mutexes, key).acquire(raise_on_failure=False) as second:
            assert first and second


def test_a_lease_needs_a_mutex() -> None:
    with pytest.raises(ValueError, match="limit 1"):
        Lease(ConcurrentRateLimiter(StubBackend(), "k", limit=2, ttl=TTL_MS))
