"""The floor under a sale's propagation: two bare chained dramatiq actors.

A sale reaches the other stores through two jobs, one sending the next: `process_webhooks`
takes the order in and asks for `push_store` on each other store
(docs/ARCHITECTURE.md#the-flow-of-an-order, #the-flow-of-a-stock-change). No Lapak can be
faster than the broker carrying two such messages, so `propagation.py` measures that chain
in the same run and compares: actor A does nothing but send actor B, and B notes how long
it has been since A was sent. Messages go open loop at the sale's rate, many in flight.

- Redis (`RedisFloor`): the broker built with Lapak's Redis settings (`lapak.jobs.broker`),
  none of its middleware; the actors run in a worker process of their own started with the
  Procfile's `worker` command, `benchmarks.floor_worker` in place of Lapak's module, so the
  processes, threads and `dramatiq_worker_timeout` are the Procfile's. B pushes its figure
  onto a Redis list (seconds on the wall clock: sender and worker share the machine's).
- In process (`StubFloor`): dramatiq's StubBroker and a `Worker` with the threads and
  worker timeout `lapak run` gives its own (`lapak.cli.embedded`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from lapak.jobs.broker import DEAD_MESSAGE_TTL_MS, HEARTBEAT_TIMEOUT_MS, MAINTENANCE_CHANCE
from redis import Redis

from benchmarks import harness

QUEUE = "floor"
RESULTS_KEY = "floor:took"
"""The Redis list each run of actor B pushes its seconds onto."""
REDIS_URL_ENV = "LAPAK_FLOOR_REDIS_URL"
"""Where `benchmarks.floor_worker` finds the Redis it consumes from."""
WORKER_MODULE = "lapak.jobs.worker"
"""The module the Procfile's worker command names, replaced by the floor's own."""
EMBEDDED_THREADS = 8
EMBEDDED_WORKER_TIMEOUT_MS = 100


def redis_broker(url: str) -> RedisBroker:
    """A Redis broker with the settings `lapak.jobs.broker.build_broker` gives Lapak's."""
    return RedisBroker(
        url=url,
        heartbeat_timeout=HEARTBEAT_TIMEOUT_MS,
        maintenance_chance=MAINTENANCE_CHANCE,
        dead_message_ttl=DEAD_MESSAGE_TTL_MS,
    )


Chain = dramatiq.Actor[[float], None]


def declare_chain(broker: dramatiq.Broker, record: Callable[[float], None]) -> Chain:
    """Declare actors A and B on `broker`; returns A. A sends B; B calls `record` with the
    seconds since A was sent (`time.time()`, passed along)."""

    @dramatiq.actor(broker=broker, queue_name=QUEUE, max_retries=0)
    def floor_second(sent_at: float) -> None:
        record(time.time() - sent_at)

    @dramatiq.actor(broker=broker, queue_name=QUEUE, max_retries=0)
    def floor_first(sent_at: float) -> None:
        floor_second.send(sent_at)

    return floor_first


def worker_command(procfile_worker: str) -> str:
    """The Procfile's worker command running the floor's actors instead of Lapak's."""
    if WORKER_MODULE not in procfile_worker.split():
        raise ValueError(f"the Procfile's worker does not name {WORKER_MODULE}: {procfile_worker}")
    return procfile_worker.replace(WORKER_MODULE, "benchmarks.floor_worker", 1)


def send_open_loop(first: Chain, rate: float, seconds: float) -> int:
    """Send A `rate` times a second for `seconds`, open loop; returns how many were sent."""
    sent = 0
    for _ in harness.open_loop(rate, seconds):
        first.send(time.time())
        sent += 1
    return sent


def wait_for(count: Callable[[], int], expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while count() < expected and time.monotonic() < deadline:
        time.sleep(0.05)


class RedisFloor:
    """The chain on a Redis server; its actors run in a `worker_command` process."""

    def __init__(self, url: str) -> None:
        self.client = Redis.from_url(url)
        self.broker = redis_broker(url)
        self.first = declare_chain(self.broker, lambda took: None)  # B never runs here

    def measure(
        self, rate: float, seconds: float, timeout: float = 60.0
    ) -> tuple[list[float], int]:
        """Seconds from sending A to B having run, per message; and how many were sent."""
        self.client.delete(RESULTS_KEY)
        sent = send_open_loop(self.first, rate, seconds)
        wait_for(lambda: int(self.client.llen(RESULTS_KEY)), sent, timeout)
        took = [float(value) for value in self.client.lrange(RESULTS_KEY, 0, -1)]
        return took, sent

    def close(self) -> None:
        self.broker.close()
        self.client.close()


class StubFloor:
    """The chain on dramatiq's in-process broker and worker threads, as `lapak run` has."""

    def __init__(self) -> None:
        self.broker = StubBroker()
        self._took: list[float] = []
        self._lock = threading.Lock()
        self.first = declare_chain(self.broker, self._record)
        self.worker = dramatiq.Worker(
            self.broker,
            worker_threads=EMBEDDED_THREADS,
            worker_timeout=EMBEDDED_WORKER_TIMEOUT_MS,
        )

    def _record(self, took: float) -> None:
        with self._lock:
            self._took.append(took)

    def measure(
        self, rate: float, seconds: float, timeout: float = 60.0
    ) -> tuple[list[float], int]:
        self.worker.start()
        try:
            sent = send_open_loop(self.first, rate, seconds)
            wait_for(lambda: len(self._took), sent, timeout)
        finally:
            self.worker.stop()
        with self._lock:
            return list(self._took), sent

    def close(self) -> None:
        self.broker.close()
