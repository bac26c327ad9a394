"""Cross-cutting job concerns, written once as dramatiq middleware.

`JobLog` gives every message one structured log line and one `job_events` row (actor,
message id, store, attempt, duration, counts, outcome), with the log context cleared at the
start of each message. `DeadLetterRecorder` keeps messages that ran out of retries in the
database, where `lapak jobs retry` can send them again, and keeps the in-process broker's
own dead-letter list from growing without bound.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from typing import Any

import dramatiq
import structlog
from dramatiq.brokers.stub import StubBroker

from sync.store.dialect import insert_ignore
from sync.store.models import DeadLetter, JobEvent

log = structlog.get_logger("lapak.jobs")

_counts: ContextVar[dict[str, Any] | None] = ContextVar("lapak_job_counts", default=None)


def record_counts(counts: dict[str, Any]) -> None:
    """What the running job did (items pushed, orders seen…), for its log line and event."""
    _counts.set(counts)


def _store_id(message: Any) -> int | None:
    args = message.args
    return (
        args[0]
        if args and isinstance(args[0], int) and message.actor_name != "ship_order"
        else None
    )


def _runtime() -> Any:
    from jobs.runtime import current

    return current()


class JobLog(dramatiq.Middleware):
    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        structlog.contextvars.clear_contextvars()
        _counts.set(None)
        structlog.contextvars.bind_contextvars(
            actor=message.actor_name,
            message_id=message.message_id,
            attempt=message.options.get("retries", 0) + 1,
            store_id=_store_id(message),
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
        event("job_finished", outcome=outcome, duration_ms=duration_ms, counts=counts, error=error)
        self._record(message, outcome, duration_ms, counts, error)
        structlog.contextvars.clear_contextvars()

    def after_skip_message(self, broker: dramatiq.Broker, message: Any) -> None:
        log.info("job_skipped", actor=message.actor_name, message_id=message.message_id)

    @staticmethod
    def _record(
        message: Any, outcome: str, duration_ms: float, counts: dict[str, Any], error: str | None
    ) -> None:
        try:
            with _runtime().db.session() as session:
                session.add(
                    JobEvent(
                        actor=message.actor_name,
                        message_id=message.message_id,
                        store_id=_store_id(message),
                        outcome=outcome,
                        attempt=message.options.get("retries", 0) + 1,
                        duration_ms=duration_ms,
                        counts=counts,
                        error=error[:2000] if error else None,
                    )
                )
        except Exception:  # a job log row must never fail the job itself
            log.exception("job_event_not_recorded")


class DeadLetterRecorder(dramatiq.Middleware):
    def after_nack(self, broker: dramatiq.Broker, message: Any) -> None:
        error = message.options.get("traceback", "")
        last_line = error.strip().splitlines()[-1] if error else None
        with _runtime().db.session() as session:
            insert_ignore(
                session,
                DeadLetter,
                [
                    {
                        "message_id": message.message_id,
                        "queue": message.queue_name,
                        "actor": message.actor_name,
                        "args": list(message.args),
                        "kwargs": dict(message.kwargs),
                        "error": last_line,
                    }
                ],
                ["message_id"],
            )
        log.error("job_dead_lettered", actor=message.actor_name, message_id=message.message_id)
        if isinstance(broker, StubBroker):
            # Kept in the database now; the stub's in-memory list would only grow.
            broker.dead_letters_by_queue[message.queue_name].clear()
