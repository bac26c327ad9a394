"""Periodic jobs (APScheduler 3.x): order pulls, reconcile, token refresh, stock read-back.

A `BackgroundScheduler` inside `lapak run`; a `BlockingScheduler` as the Procfile's
`scheduler` process. Run exactly one scheduler; on Redis each tick is also guarded by a
short lock, so a second one started by mistake enqueues nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from lapak.jobs import actors
from lapak.wiring.runtime import Runtime

log = structlog.get_logger(__name__)

RECONCILE_SECONDS = 30
TOKEN_CHECK_SECONDS = 300
READ_BACK_SECONDS = 900


def build_scheduler(
    runtime: Runtime, *, blocking: bool = False, reconcile_seconds: float = RECONCILE_SECONDS
) -> BaseScheduler:
    scheduler: BaseScheduler = (
        BlockingScheduler(timezone=UTC) if blocking else BackgroundScheduler(timezone=UTC)
    )
    now = datetime.now(UTC)

    def every(seconds: float, name: str, send: Callable[[], object]) -> None:
        scheduler.add_job(
            _guarded(runtime, name, seconds, send),
            "interval",
            seconds=seconds,
            id=name,
            next_run_time=now,
            max_instances=1,
            coalesce=True,
        )

    every(reconcile_seconds, "reconcile", actors.reconcile.send)
    for store in runtime.config.stores:
        if not store.enabled:
            continue
        store_id = runtime.store_ids[store.name]
        every(
            store.poll_interval_seconds,
            f"pull:{store.name}",
            partial(actors.pull_orders.send, store_id),
        )
        every(
            TOKEN_CHECK_SECONDS,
            f"token:{store.name}",
            partial(actors.refresh_token.send, store_id),
        )
        every(
            READ_BACK_SECONDS,
            f"read-back:{store.name}",
            partial(actors.read_back.send, store_id),
        )
    return scheduler


def _guarded(
    runtime: Runtime, name: str, seconds: float, send: Callable[[], object]
) -> Callable[[], None]:
    """A tick that enqueues only if no other scheduler ticked this job in this interval."""

    def tick() -> None:
        if runtime.redis is not None:
            key = f"lapak:tick:{name}"
            if not runtime.redis.set(key, "1", nx=True, px=max(1, int(seconds * 900))):
                return
        try:
            send()
        except Exception:
            log.exception("schedule_tick_failed", job=name)

    return tick
