"""`sync.parallel.in_parallel`: a push's calls side by side, answered in order."""

from __future__ import annotations

import contextvars
import gc
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lapak.sync.parallel import in_parallel

JOB = contextvars.ContextVar("job", default="none")


class InFlight:
    """Counts calls in flight; each call waits until `at_once` are in flight (or it is the
    last ones), so a pool that sent fewer side by side would be seen."""

    def __init__(self, items: int, at_once: int) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.started = 0
        self.full = threading.Condition(self.lock)
        self.items, self.at_once = items, at_once

    def __call__(self, item: int) -> tuple[int, str]:
        with self.lock:
            self.now += 1
            self.started += 1
            self.most = max(self.most, self.now)
            self.full.notify_all()
            self.full.wait_for(
                lambda: self.now >= self.at_once or self.started == self.items, timeout=2
            )
        with self.lock:
            self.now -= 1
        return item * item, JOB.get()


@settings(max_examples=25, deadline=None)
@given(items=st.lists(st.integers(0, 1000), max_size=20), at_once=st.integers(1, 6))
def test_every_result_in_item_order_with_at_most_at_once_in_flight(
    items: list[int], at_once: int
) -> None:
    JOB.set("push-7")
    calls = InFlight(len(items), at_once)
    results = in_parallel(calls, items, at_once=at_once)
    assert results == [(item * item, "push-7") for item in items]  # the job's context kept
    assert calls.most <= at_once
    if len(items) >= at_once:
        assert calls.most == at_once


def test_the_first_failure_in_item_order_is_raised_once_every_call_is_over() -> None:
    made: list[int] = []
    lock = threading.Lock()

    def call(item: int) -> int:
        with lock:
            made.append(item)
        if item in (2, 5):
            raise ValueError(f"item {item}")
        return item

    with pytest.raises(ValueError, match="item 2"):
        in_parallel(call, list(range(8)), at_once=3)
    assert sorted(made) == list(range(8))


def test_the_workers_are_kept_for_the_next_calls_of_the_same_thread() -> None:
    workers: set[threading.Thread] = set()
    for _ in range(5):
        workers.update(in_parallel(lambda _: threading.current_thread(), list(range(8)), at_once=4))
    assert threading.current_thread() not in workers
    assert 1 < len(workers) <= 4  # the same pool of four (a pool per call: up to 20)


def test_calls_that_send_their_own_calls_side_by_side_do_not_wait_on_each_other() -> None:
    barrier = threading.Barrier(4, timeout=5)

    def inner(item: int) -> int:
        barrier.wait()  # all four inner calls of one outer call at once, or BrokenBarrierError
        return item

    def outer(item: int) -> list[int]:
        return in_parallel(inner, [item] * 4, at_once=4)

    assert in_parallel(outer, [1, 2, 3, 4], at_once=4) == [[n] * 4 for n in (1, 2, 3, 4)]


def test_the_workers_of_a_thread_that_ended_exit() -> None:
    seen: set[int] = set()

    def caller() -> None:
        seen.update(in_parallel(lambda _: threading.get_ident(), list(range(4)), at_once=4))

    thread = threading.Thread(target=caller)
    thread.start()
    thread.join()
    workers = [t for t in threading.enumerate() if t.ident in seen]
    gc.collect()
    for worker in workers:
        worker.join(timeout=5)
    assert not [worker for worker in workers if worker.is_alive()]
