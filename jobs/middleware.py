"""Cross-cutting job concerns, written once as dramatiq middleware.

`JobLog` gives every message one structured log line and one `job_events` row (actor,
message id, store, attempt, duration, counts, outcome), with the log context cleared at the
start of each message. `DeadLetterRecorder` keeps messages that ran out of retries in the
database, where `lapak jobs retry` can send them again, and keeps the in-process broker's
own dead-letter list from growing without bound.

Metrics (served by the web process's `/metrics`, see `web.metrics`): `JobLog` counts
pushes, pushed items and orders taken in per store, and names the store a message is about
to `connectors.http.calling_store`, so the marketplace-call hook installed here counts calls
and errors by store and code. `DramatiqMetrics` is dramatiq's own Prometheus middleware
made usable in any process (see its docstring).
"""

from __future__ import annotations

import os
import time
from contextvars import ContextVar
from typing import Any

import dramatiq
import structlog
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware.prometheus import Prometheus
from lapak.connectors.http import add_call_hook, calling_store
from lapak.sync.jobs_log import record_dead_letter, record_job_event, store_of_order
from prometheus_client import REGISTRY, Counter

log = structlog.get_logger("lapak.jobs")

_counts: ContextVar[dict[str, Any] | None] = ContextVar("lapak_job_counts", default=None)


def record_counts(counts: dict[str, Any]) -> None:
    """What the running job did (items pushed, orders seen…), for its log line and event."""
    _counts.set(counts)


def _store_id(message: Any) -> int | None:
    """The store a message is about: its first argument, or a shipped order's store."""
    cached = message.options.get("lapak_store_id")
    if cached is not None:
        return int(cached)
    args = message.args
    if not args or not isinstance(args[0], int):
        return None
    if message.actor_name != "ship_order":
        return args[0]
    try:
        store_id = store_of_order(_runtime().db, args[0])
    except Exception:  # the log line must never fail the job
        return None
    if store_id is not None:
        message.options["lapak_store_id"] = store_id
    return store_id


def _store_name(store_id: int | None) -> str:
    if store_id is None:
        return ""
    try:
        name: str = _runtime().store_name(store_id)
    except Exception:  # a store no longer in the config
        return str(store_id)
    return name


def _runtime() -> Any:
    from lapak.wiring.runtime import current

    return current()


# --- Lapak's own metrics ----------------------------------------------------------------------

PUSHES = Counter("lapak_pushes", "Push jobs finished, by store and outcome.", ["store", "outcome"])
PUSHED_ITEMS = Counter(
    "lapak_pushed_items",
    "Listings a push settled (adopted, created, content, prices, stock) or could not "
    "(failed: permanent; deferred: retried later), by store and kind.",
    ["store", "kind"],
)
ORDERS_INGESTED = Counter(
    "lapak_orders_ingested",
    "Orders taken in by pulls and webhook jobs: new, updated, or oversold (took units"
    " beyond what was available when it arrived), by store.",
    ["store", "kind"],
)
MARKETPLACE_CALLS = Counter(
    "lapak_marketplace_calls",
    'Marketplace call attempts by store and how they ended (code "ok" or the error\'s code).',
    ["store", "code"],
)
MARKETPLACE_ERRORS = Counter(
    "lapak_marketplace_errors",
    "Marketplace call attempts that failed, by store and the marketplace's error code.",
    ["store", "code"],
)
PUSH_KINDS = ("adopted", "created", "content", "prices", "stock", "failed", "deferred")
INTAKE_ACTORS = frozenset({"pull_orders", "fetch_orders", "process_webhooks"})


def count_call(store: str, code: str, seconds: float) -> None:
    """The `connectors.http` call hook: one marketplace call attempt."""
    store = store or "none"
    MARKETPLACE_CALLS.labels(store, code).inc()
    if code != "ok":
        MARKETPLACE_ERRORS.labels(store, code).inc()


add_call_hook(count_call)


def _count_job(actor: str, store: str, outcome: str, counts: dict[str, Any]) -> None:
    store = store or "none"
    if actor == "push_store":
        PUSHES.labels(store, outcome).inc()
        for kind in PUSH_KINDS:
            if isinstance(counts.get(kind), int) and counts[kind]:
                PUSHED_ITEMS.labels(store, kind).inc(counts[kind])
    elif actor in INTAKE_ACTORS:
        for kind in ("new", "updated", "oversold"):
            if isinstance(counts.get(kind), int) and counts[kind]:
                ORDERS_INGESTED.labels(store, kind).inc(counts[kind])


class JobLog(dramatiq.Middleware):
    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        structlog.contextvars.clear_contextvars()
        _counts.set(None)
        store_id = _store_id(message)
        store = _store_name(store_id)
        calling_store.set(store)
        structlog.contextvars.bind_contextvars(
            actor=message.actor_name,
            message_id=message.message_id,
            attempt=message.options.get("retries", 0) + 1,
            store_id=store_id,
            store=store or None,
        )
        message.options["lapak_started"] = time.perf_counter()

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: Any,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        started = message.options.pop("lapak_started", time.perf_counter())
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        counts = _counts.get() or {}
        if exception is None:
            outcome = "ok"
        elif isinstance(exception, dramatiq.Retry):
            outcome = "retry"
        else:
            outcome = "error"
        error = None if exception is None else f"{type(exception).__name__}: {exception}"
        event = log.info if exception is None else log.warning
        figures = {key: value for key, value in counts.items() if not isinstance(value, list)}
        event("job_finished", outcome=outcome, duration_ms=duration_ms, counts=figures, error=error)
        self._record(message, outcome, duration_ms, counts, error)
        _count_job(message.actor_name, calling_store.get(), outcome, counts)
        structlog.contextvars.clear_contextvars()
        calling_store.set("")

    def after_skip_message(self, broker: dramatiq.Broker, message: Any) -> None:
        log.info("job_skipped", actor=message.actor_name, message_id=message.message_id)

    @staticmethod
    def _record(
        message: Any, outcome: str, duration_ms: float, counts: dict[str, Any], error: str | None
    ) -> None:
        try:
            record_job_event(
                _runtime().db,
                actor=message.actor_name,
                message_id=message.message_id,
                store_id=_store_id(message),
                outcome=outcome,
                attempt=message.options.get("retries", 0) + 1,
                duration_ms=duration_ms,
                counts=counts,
                error=error,
            )
        except Exception:  # a job log row must never fail the job itself
            log.exception("job_event_not_recorded")


class DeadLetterRecorder(dramatiq.Middleware):
    def after_nack(self, broker: dramatiq.Broker, message: Any) -> None:
        error = message.options.get("traceback", "")
        last_line = error.strip().splitlines()[-1] if error else None
        record_dead_letter(
            _runtime().db,
            message_id=message.message_id,
            queue=message.queue_name,
            actor=message.actor_name,
            args=message.args,
            kwargs=message.kwargs,
            error=last_line,
        )
        log.error("job_dead_lettered", actor=message.actor_name, message_id=message.message_id)
        if isinstance(broker, StubBroker):
            # Kept in the database now; the stub's in-memory list would only grow.
            broker.dead_letters_by_queue[message.queue_name].clear()


_DRAMATIQ_METRICS = (
    "total_messages",
    "total_errored_messages",
    "total_retried_messages",
    "total_rejected_messages",
    "inprogress_messages",
    "inprogress_delayed_messages",
    "message_durations",
)
_dramatiq_metrics: dict[str, Any] | None = None


class DramatiqMetrics(Prometheus):
    """dramatiq's own Prometheus middleware (its metrics, names and labels), usable in any
    process that runs workers.

    dramatiq sets its metrics up in `after_process_boot`, which only its CLI emits, and
    keeps them in a private registry that only its exposition server (a process it forks
    at port `dramatiq_prom_port`, default 9191) reads, from the prometheus_client
    multiprocess directory `dramatiq_prom_db`. Here they are set up at once and also
    registered in prometheus_client's default registry, so:

    - embedded (`lapak run`: one process), the web app's `/metrics` serves them;
    - scaled out (`dramatiq lapak.jobs.worker` processes beside `web`), set
      `PROMETHEUS_MULTIPROC_DIR` and `dramatiq_prom_db` to the same directory for every
      process on the host: the workers write their values there and `/metrics` aggregates
      the directory (dramatiq's exposition server keeps working too, for workers on other
      hosts).
    """

    def __init__(self) -> None:
        super().__init__()
        global _dramatiq_metrics
        if _dramatiq_metrics is None:
            _dramatiq_metrics = self._create()
            for metric in _dramatiq_metrics.values():
                REGISTRY.register(metric)
        for name, metric in _dramatiq_metrics.items():
            setattr(self, name, metric)  # every broker of the process shares one set

    def _create(self) -> dict[str, Any]:
        keys = ("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir")
        saved = {key: os.environ.get(key) for key in keys}
        try:
            super().after_process_boot(None)  # creates the metrics (and sets the env: undone)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        return {name: getattr(self, name) for name in _DRAMATIQ_METRICS}

    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        return None  # set up in __init__ already

    @property
    def forks(self) -> list[Any]:
        # The exposition server only reads the multiprocess directory: without one, the
        # values live in this process and the web app's /metrics serves them.
        return super().forks if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else []
