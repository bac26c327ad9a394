"""The per-store pacer: a token bucket in Redis shared by every process."""

from __future__ import annotations

import multiprocessing
import time

from redis import Redis

from tests.redis_fixture import REDIS_URL
from wiring.pacing import TokenBucketPacer

RATE, BURST = 20, 5


def _spend(name: str, calls: int) -> None:
    pacer = TokenBucketPacer(name, RATE, BURST, Redis.from_url(REDIS_URL))
    for _ in range(calls):
        pacer.acquire()


def test_two_processes_share_one_budget(redis_client: Redis, unique: str) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_spend, args=(unique, 15)) for _ in range(2)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
        assert worker.exitcode == 0
    elapsed = time.monotonic() - started
    # 30 calls, 5 at once, then 20 per second: at least (30 − 5) / 20 = 1.25 s in all.
    assert elapsed >= 1.2


def test_pacing_waits_instead_of_failing(redis_client: Redis, unique: str) -> None:
    pacer = TokenBucketPacer(unique, RATE, BURST, redis_client)
    started = time.monotonic()
    for _ in range(BURST):
        pacer.acquire()
    burst_time = time.monotonic() - started
    for _ in range(10):
        pacer.acquire()
    assert burst_time < 0.2
    assert time.monotonic() - started >= 10 / RATE - 0.05


def test_fractional_rates_are_exact() -> None:
    pacer = TokenBucketPacer("local", 2.5, 1)
    started = time.monotonic()
    for _ in range(4):
        pacer.acquire()
    assert 1.1 <= time.monotonic() - started <= 1.6  # 3 waits of 0.4 s
