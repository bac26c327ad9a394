"""`lapak run`: web, scheduler and worker in one process.

The embedded default: dramatiq's in-process broker, worker threads and a background
scheduler. The broker keeps nothing across a restart, and needs not: at start-up the
reconciler's first tick recomputes everything due from the database (dirty listings,
requested shipments), and each store's first pull tick runs at once. Creates the last run
left unanswered are adopted by SKU at once (`sync.push.release_create_intents`): no other
process can be pushing.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import dramatiq
import structlog

from jobs.broker import build_broker
from jobs.runtime import Runtime, install
from sync import push

log = structlog.get_logger(__name__)

EMBEDDED_RECONCILE_SECONDS = 5
"""Embedded, a CLI command's jobs cannot reach this process: the reconciler finds them."""


class Embedded:
    """A running embedded Lapak; `stop()` (or leaving the `with` block) shuts it down."""

    def __init__(self, runtime: Runtime, *, threads: int = 8, web_port: int | None = None):
        self.runtime = install(runtime)
        self.web_port = web_port
        self.web: Any = None
        self.broker = build_broker(runtime.config.redis_url)
        from jobs import actors, scheduler

        self.actors = actors
        self.worker = dramatiq.Worker(self.broker, worker_threads=threads, worker_timeout=100)
        self.scheduler = scheduler.build_scheduler(
            runtime,
            reconcile_seconds=(
                EMBEDDED_RECONCILE_SECONDS
                if runtime.config.redis_url is None
                else scheduler.RECONCILE_SECONDS
            ),
        )

    @property
    def web_url(self) -> str | None:
        return self.web.url if self.web is not None else None

    def start(self) -> Embedded:
        if self.runtime.config.redis_url is None:  # one process: no other push is running
            push.release_create_intents(self.runtime.db)
        self.worker.start()
        self.scheduler.start()
        if self.web_port is not None:
            from connectors.sandbox_server import serve
            from web.app import create_app

            app = create_app(self.runtime, dispatcher=self.actors.dispatcher)
            self.web = serve(app, port=self.web_port)
        log.info(
            "lapak_started", stores=len(self.runtime.store_ids), embedded=True, web=self.web_url
        )
        return self

    def stop(self) -> None:
        if self.web is not None:
            self.web.stop()
        self.scheduler.shutdown(wait=False)
        self.worker.stop(timeout=10_000)
        self.broker.close()
        log.info("lapak_stopped")

    def __enter__(self) -> Embedded:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def run_until(stop: threading.Event, duration: float | None) -> None:
    """Block until `stop` is set or `duration` seconds have passed (None: forever)."""
    deadline = None if duration is None else time.monotonic() + duration
    while not stop.is_set():
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return
        stop.wait(0.5 if remaining is None else min(0.5, remaining))
