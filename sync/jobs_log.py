"""The job log and the dead letters, as the job layer writes them.

Every message a worker ran leaves one `job_events` row (the operator's /ops/events page and
`sync.ops.job_events` read them); a message out of retries is kept as a `dead_letters` row,
once per message id, until `sync.ops.retry_dead_letter` sends it again. The job layer's
middleware (`jobs.middleware`) calls these: it never touches the tables itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lapak.sync.store.db import Database
from lapak.sync.store.dialect import insert_ignore
from lapak.sync.store.models import DeadLetter, JobEvent, Order

ERROR_LIMIT = 2000
"""Characters of a job's error kept in its event row."""


def record_job_event(
    db: Database,
    *,
    actor: str,
    message_id: str,
    store_id: int | None,
    outcome: str,
    attempt: int,
    duration_ms: float,
    counts: Mapping[str, Any],
    error: str | None,
) -> None:
    """One finished (or failed, or retried) run of a job."""
    with db.session() as session:
        session.add(
            JobEvent(
                actor=actor,
                message_id=message_id,
                store_id=store_id,
                outcome=outcome,
                attempt=attempt,
                duration_ms=duration_ms,
                counts=dict(counts),
                error=error[:ERROR_LIMIT] if error else None,
            )
        )


def record_dead_letter(
    db: Database,
    *,
    message_id: str,
    queue: str,
    actor: str,
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    error: str | None,
) -> bool:
    """Keep a message that ran out of retries; False when it was kept already (a message
    nacked twice, by two processes, is one dead letter)."""
    row = {
        "message_id": message_id,
        "queue": queue,
        "actor": actor,
        "args": list(args),
        "kwargs": dict(kwargs),
        "error": error,
    }
    with db.session() as session:
        return insert_ignore(session, DeadLetter, [row], ["message_id"]) == 1


def store_of_order(db: Database, order_id: int) -> int | None:
    """The store an order belongs to (None: no such order), for a job about one order."""
    with db.session() as session:
        found = session.get(Order, order_id)
        return found.store_id if found is not None else None
