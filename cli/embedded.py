"""`lapak run`: web, scheduler and worker in one process.

The embedded default: dramatiq's in-process broker, worker threads and a background
scheduler. The broker keeps nothing across a restart, and needs not: at start-up the
reconciler's first tick recomputes everything due from the database (dirty listings,
requested shipments), and each store's first pull tick runs at once. What the last run's
jobs had taken up is released first, since no other process can be working on it:
creates it left unanswered are adopted by SKU at once (`sync.push.release_create_intents`)
and its shipments are sent again (`sync.dispatch.release_ship_jobs`).

A push requested by another process (`lapak catalog import` or `set-stock` in a second
terminal) sent its job into that process's own in-process broker, which died with it. A
thread of this process looks for such requests every `PUSH_REQUEST_POLL_SECONDS` (one
query on the stores table, `sync.dispatch.foreign_push_requests`) and sends their pushes
here, so a change made elsewhere reaches the marketplaces within a second.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import dramatiq
import structlog
from lapak.jobs.broker import build_broker
from lapak.jobs.replay import job_sender
from lapak.sync import push
from lapak.sync.dispatch import foreign_push_requests, release_ship_jobs, take_push_requests
from lapak.wiring.job_queues import current_job_queue_depths
from lapak.wiring.runtime import Runtime, install

log = structlog.get_logger(__name__)

EMBEDDED_RECONCILE_SECONDS = 5
"""Embedded, the reconciler runs often: nothing but the database carries work between runs."""
PUSH_REQUEST_POLL_SECONDS = 1.0
"""How often an embedded `lapak run` looks for push requests other processes made."""


class Embedded:
    """A running embedded Lapak; `stop()` (or leaving the `with` block) shuts it down."""

    def __init__(self, runtime: Runtime, *, threads: int = 8, web_port: int | None = None):
        self.runtime = install(runtime)
        self.web_port = web_port
        self.web: Any = None
        self.broker = build_broker(runtime.config.redis_url)
        from lapak.jobs import actors, scheduler

        self.actors = actors
        self.worker = dramatiq.Worker(self.broker, worker_threads=threads, worker_timeout=100)
        self._stopping = threading.Event()
        self._requests: threading.Thread | None = None
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
        if self.runtime.config.redis_url is None:  # one process: no other job is running
            push.release_create_intents(self.runtime.db)
            release_ship_jobs(self.runtime.db)
        self.worker.start()
        self.scheduler.start()
        if self.runtime.config.redis_url is None:  # with Redis, the broker carries them
            self._requests = threading.Thread(
                target=self._take_push_requests, name="lapak-push-requests", daemon=True
            )
            self._requests.start()
        if self.web_port is not None:
            from lapak.web.app import create_app
            from lapak.wiring.server import serve

            app = create_app(
                self.runtime,
                self.actors.dispatcher,
                send_job=job_sender(),
                job_queues=current_job_queue_depths,
            )
            self.web = serve(app, port=self.web_port)
        log.info(
            "lapak_started", stores=len(self.runtime.store_ids), embedded=True, web=self.web_url
        )
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._requests is not None:
            self._requests.join()
        if self.web is not None:
            self.web.stop()
        self.scheduler.shutdown(wait=False)
        self.worker.stop(timeout=10_000)
        self.broker.close()
        log.info("lapak_stopped")

    def _take_push_requests(self) -> None:
        """Send here the pushes other processes asked for, until `stop()`."""
        while True:
            try:
                found = foreign_push_requests(self.runtime.db)
                if found:
                    taken = take_push_requests(self.runtime.db, self.actors.dispatcher, found)
                    if taken:
                        log.info("push_requests_taken", stores=taken)
            except Exception as error:  # a locked or restarting database: try next tick
                log.warning("push_requests_unread", error=f"{type(error).__name__}: {error}")
            if self._stopping.wait(PUSH_REQUEST_POLL_SECONDS):
                return

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
