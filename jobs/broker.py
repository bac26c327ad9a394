"""The dramatiq broker: Redis when `LAPAK_REDIS_URL`/config says so, in-process otherwise.

Redis broker tuning (docs/ARCHITECTURE.md#the-processes): a worker killed with SIGKILL leaves its
messages un-acked; dramatiq requeues them only when a maintenance pass runs after
`heartbeat_timeout`. The defaults (60 s and 1,000 per million commands) make that minutes;
Lapak uses 10 s and 100,000 per million (10 % of commands), so they return in seconds.
"""

from __future__ import annotations

import os
import sys

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import CurrentMessage
from lapak.jobs.middleware import DeadLetterRecorder, DramatiqMetrics, JobLog

HEARTBEAT_TIMEOUT_MS = 10_000
MAINTENANCE_CHANCE = 100_000
DEAD_MESSAGE_TTL_MS = 7 * 24 * 3600 * 1000

_installed = False


def build_broker(redis_url: str | None) -> dramatiq.Broker:
    """Create the broker, install Lapak's middleware, and make it dramatiq's global one."""
    broker: dramatiq.Broker
    if redis_url:
        broker = RedisBroker(
            url=redis_url,
            heartbeat_timeout=HEARTBEAT_TIMEOUT_MS,
            maintenance_chance=MAINTENANCE_CHANCE,
            dead_message_ttl=DEAD_MESSAGE_TTL_MS,
        )
    else:
        broker = StubBroker()
    broker.add_middleware(CurrentMessage())
    broker.add_middleware(JobLog())
    broker.add_middleware(DeadLetterRecorder())
    broker.add_middleware(DramatiqMetrics())
    dramatiq.set_broker(broker)
    global _installed
    _installed = True
    _rebind_actors(broker)
    return broker


def _rebind_actors(broker: dramatiq.Broker) -> None:
    """Actors bind to the broker of the moment they are declared; a process that builds a
    new broker (tests, `lapak run` after a CLI command) moves the declared ones over."""
    declared = sys.modules.get("lapak.jobs.actors")
    for actor in getattr(declared, "ALL", ()):
        actor.broker = broker
        broker.declare_actor(actor)


def ensure_broker() -> dramatiq.Broker:
    """Lapak's broker, built from `LAPAK_REDIS_URL` unless a process already installed one.

    Actors bind to the global broker when declared, so this runs before `jobs.actors`.
    """
    broker = dramatiq.get_broker() if _installed else None
    return broker or build_broker(os.environ.get("LAPAK_REDIS_URL") or None)
