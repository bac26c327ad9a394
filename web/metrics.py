"""`/metrics` (Prometheus text format) and `/healthz`.

What `/metrics` serves:

- **dramatiq's own metrics** (`dramatiq_messages_total`, `dramatiq_message_errors_total`,
  `dramatiq_message_retries_total`, `dramatiq_message_rejects_total`,
  `dramatiq_messages_inprogress`, `dramatiq_message_duration_milliseconds`, …) from its
  Prometheus middleware as `jobs.middleware.DramatiqMetrics` installs it;
- **Lapak's counters**, counted where the work happens (`jobs.middleware`, which the
  composition root imports: this module reads prometheus_client's registry only):
  `lapak_pushes_total{store,outcome}`, `lapak_pushed_items_total{store,kind}`,
  `lapak_orders_ingested_total{store,kind}`, `lapak_marketplace_calls_total{store,code}`
  and `lapak_marketplace_errors_total{store,code}` (every connector call attempt, through
  the `connectors.http` call hook);
- **state read from the database at scrape time** (`sync.ops`), true whichever process did
  the work: `lapak_listings{store,state}` (in_sync, dirty, failed),
  `lapak_sync_lag_seconds{store}`, `lapak_last_push_timestamp_seconds{store}`,
  `lapak_last_pull_timestamp_seconds{store}`, `lapak_orders{store,status,ship_state}` (the
  order queue's depth), `lapak_webhooks{store,state}` (pending, refused),
  `lapak_dead_letters{actor}`, `lapak_token_expiry_timestamp_seconds{store,token}`,
  `lapak_orders_oversold{store}` (open orders flagged by `sync.oversold`),
  `lapak_stray_listings{store,action}` (zeroed, reported, failed: `sync.strays`);
- **the job queues' depth** read from the broker through the `job_queues` function the
  app was given (`wiring.job_queues`): `lapak_job_messages{queue,state}` (waiting,
  in_progress, delayed; dead on Redis).

Where the counters come from. Embedded (`lapak run`), the worker threads share this
process, so its default registry has everything. Scaled out, the workers are other
processes: give every process on the host the same `PROMETHEUS_MULTIPROC_DIR` (and
`dramatiq_prom_db`, the same directory) and `/metrics` aggregates that directory
(prometheus_client's multiprocess mode) instead. Workers on another host are scraped there,
on dramatiq's exposition server (`dramatiq_prom_port`, default 9191). The database and
queue figures are the same from any web process.

`/healthz` answers 200 with {"database": "ok"} (and "redis" when Redis is used), or 503
naming what is down.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from lapak.sync import ops, strays
from lapak.sync.oversold import open_oversold_counts
from lapak.web.sessions import current_operator, runtime_of
from lapak.wiring.runtime import Runtime
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import text

log = structlog.get_logger(__name__)

router = APIRouter(include_in_schema=False)

LISTING_STATES = ("in_sync", "dirty", "failed")


JobQueues = Callable[[], Mapping[tuple[str, str], int]]
"""Messages per (queue, state) in the job broker (`wiring.job_queues`)."""


def _gauge(name: str, documentation: str, *labels: str) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=list(labels))


class DatabaseCollector:
    """Gauges computed from the database (and the broker's queues) at each scrape."""

    def __init__(self, runtime: Runtime, job_queues: JobQueues | None = None):
        self.runtime = runtime
        self.job_queues = job_queues

    def collect(self) -> Iterator[Metric]:
        db = self.runtime.db
        listings = _gauge("lapak_listings", "Listings by store and state.", "store", "state")
        lag = GaugeMetricFamily(
            "lapak_sync_lag_seconds",
            "How long a store's pending changes have waited at most (0: nothing pending).",
            labels=["store"],
        )
        pushed = _gauge(
            "lapak_last_push_timestamp_seconds", "When a store's last push finished.", "store"
        )
        pulled = _gauge(
            "lapak_last_pull_timestamp_seconds", "When a store's orders were last pulled.", "store"
        )
        hooks = _gauge("lapak_webhooks", "Stored webhooks: pending, refused.", "store", "state")
        tokens = GaugeMetricFamily(
            "lapak_token_expiry_timestamp_seconds",
            "When a store's access and refresh tokens expire.",
            labels=["store", "token"],
        )
        for state in ops.store_states(db):
            counts = (state.in_sync, state.dirty, state.failed)
            for name, value in zip(LISTING_STATES, counts, strict=True):
                listings.add_metric([state.name, name], value)
            lag.add_metric([state.name], state.sync_lag_seconds)
            if state.last_push_at:
                pushed.add_metric([state.name], state.last_push_at.timestamp())
            if state.last_pull_at:
                pulled.add_metric([state.name], state.last_pull_at.timestamp())
            hooks.add_metric([state.name, "pending"], state.webhooks_pending)
            hooks.add_metric([state.name, "refused"], state.webhooks_refused)
            if state.token_expires_at:
                tokens.add_metric([state.name, "access"], state.token_expires_at.timestamp())
            if state.refresh_expires_at:
                tokens.add_metric([state.name, "refresh"], state.refresh_expires_at.timestamp())
        orders = GaugeMetricFamily(
            "lapak_orders",
            "Orders in the queue by store, status and shipping state.",
            labels=["store", "status", "ship_state"],
        )
        for row in ops.order_counts(db):
            orders.add_metric([row.store, row.status, row.ship_state], row.count)
        dead = _gauge("lapak_dead_letters", "Dead-lettered jobs not yet retried.", "actor")
        for actor, count in ops.dead_letter_counts(db).items():
            dead.add_metric([actor], count)
        stray = _gauge(
            "lapak_stray_listings",
            "Items carrying a bound SKU that are not the bound listing, by what was done.",
            "store",
            "action",
        )
        for (store, action), count in strays.stray_counts(db).items():
            stray.add_metric([store, action], count)
        oversold = _gauge(
            "lapak_orders_oversold",
            "Open orders that took units beyond what was available when they arrived.",
            "store",
        )
        for store, count in open_oversold_counts(db).items():
            oversold.add_metric([store], count)
        yield from (listings, lag, pushed, pulled, hooks, tokens, orders, dead, stray, oversold)
        if self.job_queues is not None:
            yield self._job_queues(self.job_queues)

    def _job_queues(self, job_queues: JobQueues) -> Metric:
        family = GaugeMetricFamily(
            "lapak_job_messages",
            "Job messages by queue: waiting, in_progress (fetched by a worker), delayed, dead.",
            labels=["queue", "state"],
        )
        try:
            for (queue, state), count in job_queues().items():
                family.add_metric([queue, state], count)
        except Exception as failure:  # Redis down: /healthz says so; the rest still serves
            log.warning("job_queue_depth_unavailable", error=type(failure).__name__)
        return family


class _Exposition:
    """What one scrape serves: the process's (or the host's) metrics, then the database's."""

    def __init__(self, *sources: Any):
        self.sources = sources

    def collect(self) -> Iterator[Metric]:
        for source in self.sources:
            yield from source.collect()


def multiprocess_dir() -> str | None:
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return path if path and os.path.isdir(path) else None


def exposition(runtime: Runtime, job_queues: JobQueues | None = None) -> bytes:
    """The Prometheus text of one scrape."""
    directory = multiprocess_dir()
    if directory is not None:
        counted: Any = CollectorRegistry()
        MultiProcessCollector(counted, path=directory)
    else:
        counted = REGISTRY
    return generate_latest(_Exposition(counted, DatabaseCollector(runtime, job_queues)))


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Open by default (bind the web port to loopback or a private network, or set
    `[lapak] protect_metrics = true`: then only the operator's token may scrape it)."""
    if runtime_of(request).config.protect_metrics:
        current_operator(request)
    found = exposition(runtime_of(request), request.app.state.job_queues)
    return Response(found, media_type=CONTENT_TYPE_LATEST)


def health(runtime: Runtime) -> dict[str, str]:
    """ "ok" or "down: <error class>" for the database and, when used, Redis."""
    checks: dict[str, str] = {}
    try:
        with runtime.db.session() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as failure:
        checks["database"] = f"down: {type(failure).__name__}"
    if runtime.redis is not None:
        try:
            runtime.redis.ping()
            checks["redis"] = "ok"
        except Exception as failure:
            checks["redis"] = f"down: {type(failure).__name__}"
    return checks


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    checks = health(runtime_of(request))
    healthy = all(value == "ok" for value in checks.values())
    if not healthy:
        log.warning("unhealthy", **checks)
    return JSONResponse(checks, status_code=200 if healthy else 503)
