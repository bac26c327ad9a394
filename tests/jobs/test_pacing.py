"""The per-store pacer: a token bucket in Redis shared by every process.

The pacers run on a fake clock that moves only when they sleep, so the waits are measured
exactly and nothing waits for real."""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest
from lapak.wiring.pacing import TokenBucketPacer
from pyrate_limiter import AbstractClock
from redis import Redis

from tests.redis_fixture import REDIS_URL

RATE, BURST = 20, 5
BUFFER = 0.05  # pyrate-limiter's Limiter adds 50 ms to every wait it computes
START_MS = 1_700_000_000_000  # a wall-clock time, as the Redis store's default clock gives


class FakeClock(AbstractClock):
    """Milliseconds that advance only when a pacer sleeps; every sleep is recorded."""

    def __init__(self, now_ms: int = START_MS) -> None:
        self.now_ms = now_ms
        self.slept: list[float] = []

    def now(self) -> int:
        return self.now_ms

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now_ms += round(seconds * 1000)

    @property
    def elapsed(self) -> float:
        return sum(self.slept)


def _pacer(
    name: str, clock: FakeClock, redis: Redis | None = None, **rates: float
) -> TokenBucketPacer:
    rate, burst = rates.get("rate", RATE), int(rates.get("burst", BURST))
    return TokenBucketPacer(name, rate, burst, redis, clock=clock, sleep=clock.sleep)


def _spend(name: str, calls: int, slept: Any, ready: Any, go: Any) -> None:
    """In another process: once `go` is set, `calls` calls on the shared bucket at the
    frozen start time. (`ready` says the process is up: starting one takes seconds, longer
    than the bucket's key lives in Redis, so the calls must not wait for a start.)"""
    clock = FakeClock()
    pacer = _pacer(name, clock, Redis.from_url(REDIS_URL))
    ready.set()
    go.wait(30)
    for _ in range(calls):
        pacer.acquire()
    slept.put(clock.elapsed)


def test_two_processes_share_one_budget(redis_client: Redis, unique: str) -> None:
    context = multiprocessing.get_context("spawn")
    slept = context.Queue()
    workers = []
    for calls in (BURST, 1):  # one process spends the burst, then another asks for one more
        ready, go = context.Event(), context.Event()
        worker = context.Process(target=_spend, args=(unique, calls, slept, ready, go))
        worker.start()
        workers.append((worker, ready, go))
    for worker, ready, go in workers:
        assert ready.wait(60), "a pacing process did not start"
        go.set()
        worker.join(30)
        assert worker.exitcode == 0
    assert slept.get(timeout=5) == 0  # the burst is free
    # the other process found the bucket empty: it waited for one token (1/20 s)
    assert slept.get(timeout=5) == pytest.approx(1 / RATE + BUFFER, abs=0.002)


def test_pacing_waits_instead_of_failing(redis_client: Redis, unique: str) -> None:
    clock = FakeClock()
    pacer = _pacer(unique, clock, redis_client)
    for _ in range(BURST):
        pacer.acquire()
    assert clock.slept == []
    for _ in range(10):
        pacer.acquire()
    # ten more calls at 20 a second: half a second, give or take the limiter's buffer
    assert 10 / RATE <= clock.elapsed <= 10 / RATE + BUFFER


def test_another_store_has_its_own_budget(redis_client: Redis, unique: str) -> None:
    clock = FakeClock()
    first, other = (_pacer(f"{unique}-{n}", clock, redis_client) for n in (1, 2))
    for _ in range(BURST):
        first.acquire()
        other.acquire()
    assert clock.slept == []


def test_fractional_rates_are_exact() -> None:
    clock = FakeClock()
    pacer = _pacer("local", clock, rate=2.5, burst=1)
    for _ in range(4):
        pacer.acquire()
    assert len(clock.slept) == 3  # 3 waits of 0.4 s
    assert clock.slept == pytest.approx([0.4 + BUFFER] * 3, abs=0.002)
