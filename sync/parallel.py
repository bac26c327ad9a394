"""Calls of one push sent side by side (docs/push.md, "Calls side by side").

Where a platform's batch covers one item (Shopee's update_stock, TikTok Shop's inventory
update, WooCommerce's variations of one parent) a push to many items is many calls. Sent one
after another they take the sum of their round trips, and at a flash sale a store falls
behind its orders although its rate limit would allow more; sent side by side they take the
pacer's spacing instead. The store's pacer still spaces every call (`sync.protocol.Pacer`,
shared by all threads and processes), so this never sends faster than the platform allows.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_pools = threading.local()


def in_parallel(call: Callable[[T], R], items: Sequence[T], *, at_once: int) -> list[R]:
    """`call(item)` for every item, up to `at_once` at a time; the results in item order.

    Every call runs to its end, then the first exception (in item order) is raised: the
    calls after a failing one are still made, where a loop would have stopped. Each call
    runs in a copy of the caller's context, so its log lines keep the job's bound fields
    (job id, store). One item, or `at_once` 1: a plain loop in the calling thread."""
    if at_once <= 1 or len(items) <= 1:
        return [call(item) for item in items]
    context = contextvars.copy_context()
    pool = _pool(at_once)
    futures = [pool.submit(context.copy().run, call, item) for item in items]
    wait(futures)
    return [future.result() for future in futures]


def in_background(call: Callable[[], R]) -> Future[R]:
    """Start `call()` on the calling thread's one background worker and return its future:
    work the caller overlaps with its own (a push reads the next slice of stock while it
    writes this one). The worker is the calling thread's pool of one (`_pool`), which
    `in_parallel` never takes: one at a time it runs inline. The call runs in a copy of the
    caller's context, so its log lines keep the job's bound fields."""
    return _pool(1).submit(contextvars.copy_context().run, call)


def _pool(at_once: int) -> ThreadPoolExecutor:
    """The calling thread's pool of `at_once` workers, made on its first use and kept.

    A pool per call started four threads for every chunk of a push and waited for them to
    end: a tenth of a stock push's time. A pool per calling thread (not one for the whole
    process) means a call that itself sends calls side by side has a pool of its own and
    never waits on workers its caller holds. When the calling thread ends its pool goes
    with it, and the pool's idle workers exit."""
    pools: dict[int, ThreadPoolExecutor] | None = getattr(_pools, "by_size", None)
    if pools is None:
        pools = _pools.by_size = {}
    pool = pools.get(at_once)
    if pool is None:
        pool = pools[at_once] = ThreadPoolExecutor(at_once, thread_name_prefix="side-by-side")
    return pool
