"""The module the floor's worker process gives the dramatiq CLI, as `lapak.jobs.worker` is
Lapak's (`benchmarks/floor.py`): the floor's broker on `LAPAK_FLOOR_REDIS_URL`, made
dramatiq's global one, and actors A and B, B pushing its figures onto a Redis list."""

import os

import dramatiq
from redis import Redis

from benchmarks.floor import REDIS_URL_ENV, RESULTS_KEY, declare_chain, redis_broker

_url = os.environ[REDIS_URL_ENV]
broker = redis_broker(_url)
dramatiq.set_broker(broker)
_results = Redis.from_url(_url)


def _record(took: float) -> None:
    _results.rpush(RESULTS_KEY, took)


floor_first = declare_chain(broker, _record)
