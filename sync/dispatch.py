"""How the engine asks for follow-up work without knowing the job system.

Jobs carry ids, never state (docs/rules.md, rule 1). A push request is coalesced through
`Store.push_requested_at`: only the first request since the last push started enqueues a
job; a request older than `STALE_AFTER` counts as lost and is sent again. A push job that
finds its store busy leaves it to the push holding it, which asks `push_requested` when it
lets go (docs/push.md, "Coalescing"). A push job that fails puts the request back: its
retry is the push on its way. Requested shipments work the same way through
`Order.ship_job_at`, stamped by the job that takes one up and again when it fails.

Each request is stamped with the process that made it (`ORIGIN`). With Redis every process
shares one broker, so the stamp changes nothing. Embedded (`lapak run` on dramatiq's
in-process broker), a request made by another process (a CLI `catalog import`) sent its job
into a broker that died with that process: the running `lapak run` finds such requests with
`foreign_push_requests` (one indexed query on the small stores table, every second) and
takes them over (`take_push_requests`), instead of waiting for them to go stale.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from lapak.sync.store.db import Database
from lapak.sync.store.dialect import affected
from lapak.sync.store.models import Order, Store, utcnow
from sqlalchemy import or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

STALE_AFTER = timedelta(seconds=60)
ORIGIN = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
"""This process, as stamped on the push requests it makes (unique across restarts)."""


class Dispatcher(Protocol):
    """Sends jobs. Implemented by `jobs/` on dramatiq; tests may record calls."""

    def push(self, store_id: int) -> None: ...

    def fetch_orders(self, store_id: int, external_ids: Sequence[str]) -> None: ...

    def ship(self, order_id: int) -> None: ...

    def process_webhooks(self, store_id: int) -> None: ...


def request_pushes(
    db: Database, dispatcher: Dispatcher, store_ids: Iterable[int], *, now: datetime | None = None
) -> list[int]:
    """Make sure one push job per store is pending; returns the stores actually enqueued."""
    now = now or utcnow()
    sent: list[int] = []
    for store_id in sorted(set(store_ids)):
        with db.session() as session:
            claimed = _request(
                session, store_id, Store.push_requested_at, now, push_requested_by=ORIGIN
            )
        if claimed:
            dispatcher.push(store_id)
            sent.append(store_id)
    return sent


def keep_push_requested(db: Database, store_id: int) -> None:
    """A push job failed and the job system will send it again: put a request back on the
    store (the push cleared it when it started), so the requests made while its retry waits
    (the reconciler's, every tick) send no second push beside it. A retry that never comes
    (the message dead-lettered) leaves the request to go stale after `STALE_AFTER`; then the
    next request or the reconciler sends the push again (docs/push.md, "Coalescing")."""
    with db.session() as session:
        _request(session, store_id, Store.push_requested_at, utcnow(), push_requested_by=ORIGIN)


def request_shipments(
    db: Database, dispatcher: Dispatcher, *, now: datetime | None = None
) -> list[int]:
    """Send a ship job for every requested shipment that no job has taken up within
    `STALE_AFTER` (`Order.ship_job_at`: none was sent, or it was lost or dead-lettered);
    returns the orders sent. A job sending one, or waiting to retry it, is left to it."""
    now = now or utcnow()
    with db.session() as session:
        due = sorted(
            session.scalars(
                update(Order)
                .where(
                    Order.ship_state == "requested",
                    or_(Order.ship_job_at.is_(None), Order.ship_job_at < now - STALE_AFTER),
                )
                .values(ship_job_at=now)
                .returning(Order.id),
                execution_options={"synchronize_session": False},
            )
        )
    for order_id in due:
        dispatcher.ship(order_id)
    return due


def stamp_ship_job(db: Database, order_id: int) -> None:
    """A ship job failed and the job system will send it again: the order is taken up
    until then, so the reconciler sends no second job beside its retry."""
    with db.session() as session:
        session.execute(
            update(Order)
            .where(Order.id == order_id, Order.ship_state == "requested")
            .values(ship_job_at=utcnow())
        )


def release_ship_jobs(db: Database) -> None:
    """Embedded start-up: the in-process broker that held the last run's ship jobs died
    with it, so the reconciler's first tick sends the requested shipments again at once."""
    with db.session() as session:
        session.execute(
            update(Order)
            .where(Order.ship_state == "requested", Order.ship_job_at.is_not(None))
            .values(ship_job_at=None)
        )


def push_requested(db: Database, store_id: int) -> bool:
    """Whether a push of the store was asked for since the last one started: what the push
    that held the store looks at when it lets go, for the requests it turned away."""
    with db.session() as session:
        requested = session.scalar(select(Store.push_requested_at).where(Store.id == store_id))
    return requested is not None


def ask_for_webhooks_job(session: Session, store_id: int, now: datetime) -> bool:
    """In the transaction that stores a delivery: whether its caller is to send a
    `process_webhooks` job of the store.

    Only the first delivery since a job took the store's deliveries sends one
    (`Store.webhooks_requested_at`, cleared by that job before it reads them, in
    `sync.webhooks`): at fifty orders a second the others would each send a job that finds
    the store busy. A delivery that sends none is taken by the pending job or, when that
    job found the store busy and ended, by the job holding the store, which sends the next
    job when it lets go for every delivery stored after it claimed its own. The row lock
    this update takes orders it with that clearing: a delivery is either stored before the
    job reads, or asks for a job of its own."""
    return _request(session, store_id, Store.webhooks_requested_at, now)


def _request(
    session: Session,
    store_id: int,
    requested: InstrumentedAttribute[datetime | None],
    now: datetime,
    **stamps: Any,
) -> bool:
    """Put a request on the store's `requested` column, stamped `now` (and `stamps`), unless
    one is on it already (a request older than `STALE_AFTER` counts as lost); whether this
    one is."""
    free = or_(requested.is_(None), requested < now - STALE_AFTER)
    values = {requested.key: now, **stamps}
    return bool(
        affected(session.execute(update(Store).where(Store.id == store_id, free).values(values)))
    )


def withdraw_webhooks_request(db: Database, store_id: int, at: datetime) -> None:
    """The job asked for `at` could not be sent (the broker is down): the next delivery asks
    again instead of waiting for the request to go stale."""
    with db.session() as session:
        session.execute(
            update(Store)
            .where(Store.id == store_id, Store.webhooks_requested_at == at)
            .values(webhooks_requested_at=None)
        )


def foreign_push_requests(db: Database) -> list[tuple[int, datetime, str | None]]:
    """Pending push requests of enabled stores made by other processes: (store, when, by)."""
    with db.session() as session:
        rows = session.execute(
            select(Store.id, Store.push_requested_at, Store.push_requested_by).where(
                Store.enabled.is_(True),
                Store.push_requested_at.is_not(None),
                or_(Store.push_requested_by.is_(None), Store.push_requested_by != ORIGIN),
            )
        ).all()
    return [(store_id, at, by) for store_id, at, by in rows if at is not None]


def take_push_requests(
    db: Database,
    dispatcher: Dispatcher,
    requests: Iterable[tuple[int, datetime, str | None]],
    *,
    now: datetime | None = None,
) -> list[int]:
    """Make the requests `foreign_push_requests` found this process's own and send their
    pushes; a request that changed meanwhile (a push started, another taker) is left."""
    now = now or utcnow()
    sent: list[int] = []
    for store_id, at, by in requests:
        same_maker = (
            Store.push_requested_by.is_(None) if by is None else Store.push_requested_by == by
        )
        with db.session() as session:
            taken = affected(
                session.execute(
                    update(Store)
                    .where(Store.id == store_id, Store.push_requested_at == at, same_maker)
                    .values(push_requested_at=now, push_requested_by=ORIGIN)
                )
            )
        if taken:
            dispatcher.push(store_id)
            sent.append(store_id)
    return sent


def requests_taken(db: Database, store_ids: Iterable[int]) -> bool:
    """Whether every push this process requested for these stores was taken over by another
    process or has started (the CLI's way to see a running embedded `lapak run`)."""
    ids = sorted(set(store_ids))
    if not ids:
        return True
    with db.session() as session:
        mine = session.scalar(
            select(Store.id)
            .where(Store.id.in_(ids), Store.push_requested_by == ORIGIN)
            .where(Store.push_requested_at.is_not(None))
            .limit(1)
        )
    return mine is None


def claim_retry_push(
    db: Database, store_id: int, at: datetime, *, now: datetime | None = None
) -> bool:
    """Whether a delayed push for `at` should be sent: true unless one already waits for
    `at` or earlier. Listings backing off are retried by this one push per store, not by
    every push of it sending its own."""
    now = now or utcnow()
    with db.session() as session:
        return bool(
            affected(
                session.execute(
                    update(Store)
                    .where(
                        Store.id == store_id,
                        or_(
                            Store.retry_push_at.is_(None),
                            Store.retry_push_at <= now,
                            Store.retry_push_at > at,
                        ),
                    )
                    .values(retry_push_at=at)
                )
            )
        )
