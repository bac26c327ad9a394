"""How many job messages wait in each queue of the broker: `/metrics`' `lapak_job_messages`.

dramatiq's public API names the declared queues (`Broker.get_declared_queues()`) and gives
one total per queue on Redis (`RedisBroker.do_qsize`, the waiting, held and delayed messages
together); it has no figure per state. So the split is read here, in this one function, from
the Redis key layout of dramatiq 2.2 (`dramatiq/brokers/redis/dispatch.lua`): `ns:queue` (a
list: waiting), `ns:queue.msgs` (a hash: waiting and fetched), `ns:queue.DQ.msgs` (delayed)
and `ns:queue.XQ` (a sorted set: dead). Check it again when dramatiq's major version moves
(pyproject.toml pins `dramatiq<3`). The stub broker's queues are its public `queues` map.
"""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

DERIVED_SUFFIXES = (".DQ", ".XQ")
"""dramatiq's delay and dead-letter queues, counted under the queue they belong to."""


def job_queue_depths(broker: dramatiq.Broker) -> dict[tuple[str, str], int]:
    """Messages per (queue, state): waiting, in_progress, delayed and, on Redis, dead."""
    queues = sorted(q for q in broker.get_declared_queues() if not q.endswith(DERIVED_SUFFIXES))
    if isinstance(broker, RedisBroker):
        return _redis_depths(broker, queues)
    depths: dict[tuple[str, str], int] = {}
    if isinstance(broker, StubBroker):
        for queue in queues:
            ready = broker.queues.get(queue)
            later = broker.queues.get(f"{queue}.DQ")
            depths[(queue, "waiting")] = ready.qsize() if ready is not None else 0
            depths[(queue, "delayed")] = later.qsize() if later is not None else 0
    return depths


def _redis_depths(broker: RedisBroker, queues: list[str]) -> dict[tuple[str, str], int]:
    depths: dict[tuple[str, str], int] = {}
    pipe: Any = broker.client.pipeline(transaction=False)
    for queue in queues:
        key = f"{broker.namespace}:{queue}"
        pipe.llen(key)
        pipe.hlen(f"{key}.msgs")
        pipe.hlen(f"{key}.DQ.msgs")
        pipe.zcard(f"{key}.XQ")
    replies = pipe.execute()
    for n, queue in enumerate(queues):
        waiting, held, delayed, dead = (int(v) for v in replies[4 * n : 4 * n + 4])
        depths[(queue, "waiting")] = waiting
        depths[(queue, "in_progress")] = max(0, held - waiting)
        depths[(queue, "delayed")] = delayed
        depths[(queue, "dead")] = dead
    return depths


def current_job_queue_depths() -> dict[tuple[str, str], int]:
    """The depths of the process's global broker (the one `jobs.broker` installed)."""
    return job_queue_depths(dramatiq.get_broker())
