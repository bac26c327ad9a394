"""What operators need to see and do, read straight from the database (no logs needed).

Every store's sync state (listings in sync, dirty, failed; last push and pull; last error;
sync lag; webhooks waiting or refused; token expiry), the failed listings with the
marketplace's error, dead-lettered jobs and their replay, the job event log filtered by
store, actor and outcome, and the figures `/metrics` exposes at scrape time. Typed views
only: the web pages, the `/metrics` collector and the CLI render them.

Sync lag of a store (`StoreState.sync_lag_seconds`): 0 when none of its listings is dirty;
else how long its pending changes have waited at most — since the push was requested
(`Store.push_requested_at`, set by the first request after a push started), or, with no
request pending (a push is running, or the last one left items deferred), since its last
push finished (since it was connected, if it never pushed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lapak.sync.dispatch import Dispatcher, request_pushes
from lapak.sync.store.db import Database
from lapak.sync.store.dialect import affected
from lapak.sync.store.models import (
    DeadLetter,
    JobEvent,
    Listing,
    Order,
    Product,
    Store,
    StoreGrant,
    Token,
    WebhookRecord,
    utcnow,
)
from lapak.sync.types import LASTING
from sqlalchemy import ColumnElement, and_, case, func, select, update

EVENT_PAGE = 100
"""Job events per page of the log."""
STORE_ACTORS = frozenset({"push_store", "pull_orders", "fetch_orders", "process_webhooks",
                          "refresh_token", "read_back"})  # fmt: skip
"""Actors whose first argument is a store id."""
JOB_ACTORS = ("catch_up_orders", "fetch_orders", "process_webhooks", "pull_orders", "push_store",
              "read_back", "reconcile", "refresh_token", "ship_order")  # fmt: skip
"""Every job actor's name (`jobs/actors.py`): the values a filter by actor may take."""


class OpsError(Exception):
    """An operator action that cannot be done; `kind` is not_found or conflict."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


# --- stores ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoreState:
    id: int
    name: str
    platform: str
    enabled: bool
    listings: int
    in_sync: int
    dirty: int
    """Dirty and not failed: waiting for a push."""
    failed: int
    """Refused for good by the marketplace: not pushed again until changed or retried."""
    last_push_at: datetime | None
    last_pull_at: datetime | None
    push_requested_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    last_error_source: str | None
    """Where the last error came from: "store", a job's actor name, or "listing"."""
    webhooks_pending: int
    webhooks_refused: int
    """Verified webhooks kept with an error (stale, unparsable): not acted on."""
    orders_open: int
    orders_unmapped: int
    """Orders with lines whose SKU is not in the catalog (nothing reserved for them)."""
    token_expires_at: datetime | None
    refresh_expires_at: datetime | None
    sync_lag_seconds: float

    @property
    def healthy(self) -> bool:
        return self.failed == 0 and self.webhooks_refused == 0 and self.last_error is None


def store_states(db: Database, *, now: datetime | None = None) -> list[StoreState]:
    """Every store of the database, by name."""
    now = now or utcnow()
    with db.session() as session:
        listings = {
            row.store_id: row
            for row in session.execute(
                select(
                    Listing.store_id,
                    func.count().label("total"),
                    func.sum(case((Listing.failed, 1), else_=0)).label("failed"),
                    func.sum(case((and_(Listing.dirty, ~Listing.failed), 1), else_=0)).label(
                        "dirty"
                    ),
                    func.max(Listing.last_error_at).label("error_at"),
                ).group_by(Listing.store_id)
            )
        }
        listing_errors = _latest_listing_errors(session)
        job_errors = _latest_job_errors(session)
        webhooks = {
            row.store_id: row
            for row in session.execute(
                select(
                    WebhookRecord.store_id,
                    func.sum(
                        case(
                            (
                                and_(
                                    WebhookRecord.processed_at.is_(None),
                                    WebhookRecord.error.is_(None),
                                ),
                                1,
                            ),
                            else_=0,
                        )
                    ).label("pending"),
                    func.sum(case((WebhookRecord.error.is_not(None), 1), else_=0)).label("refused"),
                ).group_by(WebhookRecord.store_id)
            )
        }
        open_statuses = ("unpaid", "ready_to_ship")
        orders = {
            row.store_id: row
            for row in session.execute(
                select(
                    Order.store_id,
                    func.sum(case((Order.status.in_(open_statuses), 1), else_=0)).label("open"),
                    func.sum(
                        case((func.json_array_length(Order.unmapped_skus) > 0, 1), else_=0)
                    ).label("unmapped"),
                ).group_by(Order.store_id)
            )
        }
        tokens = {token.store_id: token for token in session.scalars(select(Token))}
        granted = dict(session.execute(select(StoreGrant.store_id, StoreGrant.granted_at)).all())
        states = []
        for store in session.scalars(select(Store).order_by(Store.name)):
            counts = listings.get(store.id)
            total = int(counts.total) if counts else 0
            failed = int(counts.failed or 0) if counts else 0
            dirty = int(counts.dirty or 0) if counts else 0
            error = _latest(
                [
                    *_after(
                        granted.get(store.id),
                        [
                            (store.last_error_at, store.last_error, "store"),
                            job_errors.get(store.id, (None, None, None)),
                        ],
                    ),
                    listing_errors.get(store.id, (None, None, None)),
                ]
            )
            hooks = webhooks.get(store.id)
            order_row = orders.get(store.id)
            token = tokens.get(store.id)
            states.append(
                StoreState(
                    id=store.id,
                    name=store.name,
                    platform=store.platform,
                    enabled=store.enabled,
                    listings=total,
                    in_sync=total - failed - dirty,
                    dirty=dirty,
                    failed=failed,
                    last_push_at=store.last_push_at,
                    last_pull_at=store.last_pull_at,
                    push_requested_at=store.push_requested_at,
                    last_error=error[1],
                    last_error_at=error[0],
                    last_error_source=error[2],
                    webhooks_pending=int(hooks.pending or 0) if hooks else 0,
                    webhooks_refused=int(hooks.refused or 0) if hooks else 0,
                    orders_open=int(order_row.open or 0) if order_row else 0,
                    orders_unmapped=int(order_row.unmapped or 0) if order_row else 0,
                    token_expires_at=_expiry(token.expires_at) if token else None,
                    refresh_expires_at=token.refresh_expires_at if token else None,
                    sync_lag_seconds=_sync_lag(store, dirty, now),
                )
            )
    return states


def _sync_lag(store: Store, dirty: int, now: datetime) -> float:
    if not dirty or not store.enabled:
        return 0.0
    since = store.push_requested_at or store.last_push_at or store.connected_at
    return max(0.0, (now - since).total_seconds())


ErrorMark = tuple[datetime | None, str | None, str | None]


def _expiry(expires_at: datetime) -> datetime | None:
    """When a store's access token dies; None for a key that does not expire."""
    return None if expires_at >= LASTING else expires_at


def _latest(marks: Iterable[ErrorMark]) -> ErrorMark:
    found: ErrorMark = (None, None, None)
    for at, error, source in marks:
        if at is not None and error and (found[0] is None or at > found[0]):
            found = (at, error, source)
    return found


def _after(granted_at: datetime | None, marks: list[ErrorMark]) -> list[ErrorMark]:
    """The store's and its jobs' errors since its latest authorization: "not connected" and
    refused tokens are over once the store is (re)connected. A failed listing's error is
    not: the listing still fails."""
    if granted_at is None:
        return marks
    return [mark for mark in marks if mark[0] is None or mark[0] >= granted_at]


def _latest_job_errors(session: Any) -> dict[int, ErrorMark]:
    """Per store: the newest job event that failed, unless a later run of that actor for
    the store went well (an error a retry has since fixed is history, not state)."""
    newest = (
        select(JobEvent.store_id, JobEvent.actor, func.max(JobEvent.id).label("id"))
        .where(JobEvent.store_id.is_not(None))
        .group_by(JobEvent.store_id, JobEvent.actor)
        .subquery()
    )
    rows = session.execute(
        select(JobEvent.store_id, JobEvent.at, JobEvent.error, JobEvent.actor)
        .join(newest, JobEvent.id == newest.c.id)
        .where(JobEvent.error.is_not(None), JobEvent.outcome != "ok")
    )
    found: dict[int, ErrorMark] = {}
    for store_id, at, error, actor in rows:
        found[store_id] = _latest([found.get(store_id, (None, None, None)), (at, error, actor)])
    return found


def _latest_listing_errors(session: Any) -> dict[int, ErrorMark]:
    """Per store: the newest error of a listing still failed or dirty."""
    newest = (
        select(Listing.store_id, func.max(Listing.last_error_at).label("at"))
        .where(Listing.last_error.is_not(None), Listing.dirty | Listing.failed)
        .group_by(Listing.store_id)
        .subquery()
    )
    rows = session.execute(
        select(Listing.store_id, Listing.last_error_at, Listing.last_error, Product.sku)
        .join(Product, Listing.product_id == Product.id)
        .join(
            newest,
            and_(Listing.store_id == newest.c.store_id, Listing.last_error_at == newest.c.at),
        )
        .where(Listing.last_error.is_not(None), Listing.dirty | Listing.failed)
    )
    return {store_id: (at, f"{sku}: {error}", "listing") for store_id, at, error, sku in rows}


# --- listings -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FailedListing:
    id: int
    store: str
    platform: str
    sku: str
    name: str
    item_id: str | None
    desired_stock: int
    error: str | None
    error_at: datetime | None


def failed_listings(
    db: Database, *, store_id: int | None = None, limit: int = 500
) -> list[FailedListing]:
    """Listings the marketplace refused for good, newest failure first, with its error."""
    query = (
        select(Listing, Store.name, Store.platform)
        .join(Store, Listing.store_id == Store.id)
        .where(Listing.failed.is_(True))
        .order_by(Listing.last_error_at.desc(), Listing.id)
        .limit(limit)
    )
    if store_id is not None:
        query = query.where(Listing.store_id == store_id)
    with db.session() as session:
        return [
            FailedListing(
                id=listing.id,
                store=store,
                platform=platform,
                sku=listing.product.sku,
                name=listing.product.name,
                item_id=listing.item_id,
                desired_stock=listing.desired_stock,
                error=listing.last_error,
                error_at=listing.last_error_at,
            )
            for listing, store, platform in session.execute(query)
        ]


def retry_listings(
    db: Database,
    dispatcher: Dispatcher,
    *,
    listing_ids: Iterable[int] | None = None,
    store_id: int | None = None,
) -> int:
    """Clear the failed mark (the listings stay dirty) and request a push of their stores;
    returns how many listings will be pushed again. The error stays until a push succeeds."""
    conditions: list[ColumnElement[bool]] = [Listing.failed.is_(True)]
    if listing_ids is not None:
        conditions.append(Listing.id.in_(list(listing_ids)))
    if store_id is not None:
        conditions.append(Listing.store_id == store_id)
    with db.session() as session:
        stores = set(session.scalars(select(Listing.store_id).where(*conditions).distinct()))
        count = affected(session.execute(update(Listing).where(*conditions).values(failed=False)))
    request_pushes(db, dispatcher, stores)
    return count


# --- dead letters -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeadLetterView:
    id: int
    message_id: str
    queue: str
    actor: str
    args: list[Any]
    kwargs: dict[str, Any]
    error: str | None
    at: datetime
    retried_at: datetime | None
    store_id: int | None
    """The store the job was about, for store-keyed actors."""


def _dead_letter_view(row: DeadLetter) -> DeadLetterView:
    store_id = row.args[0] if row.actor in STORE_ACTORS and row.args else None
    return DeadLetterView(
        id=row.id,
        message_id=row.message_id,
        queue=row.queue,
        actor=row.actor,
        args=list(row.args),
        kwargs=dict(row.kwargs),
        error=row.error,
        at=row.at,
        retried_at=row.retried_at,
        store_id=store_id if isinstance(store_id, int) else None,
    )


def dead_letters(
    db: Database, *, include_retried: bool = False, limit: int = 200
) -> list[DeadLetterView]:
    """Dead-lettered jobs, newest first (not yet retried ones only, unless asked)."""
    query = select(DeadLetter).order_by(DeadLetter.at.desc(), DeadLetter.id.desc()).limit(limit)
    if not include_retried:
        query = query.where(DeadLetter.retried_at.is_(None))
    with db.session() as session:
        return [_dead_letter_view(row) for row in session.scalars(query)]


Send = Callable[[str, list[Any], dict[str, Any]], None]
"""Sends one job again: (actor name, args, kwargs). The job layer provides it."""


def retry_dead_letter(
    db: Database, dead_letter_id: int, send: Send, *, now: datetime | None = None
) -> DeadLetterView:
    """Send a dead-lettered job again, once.

    It is marked retried first, with one conditional UPDATE: of two operators pressing retry
    at once, one sends it and the other gets `OpsError("conflict")`. Then `send` runs,
    outside the transaction (it may run the job right here, which writes to the database);
    if `send` fails, the mark is taken back so it can be retried later.
    """
    now = now or utcnow()
    with db.session() as session:
        claimed = affected(
            session.execute(
                update(DeadLetter)
                .where(DeadLetter.id == dead_letter_id, DeadLetter.retried_at.is_(None))
                .values(retried_at=now)
            )
        )
        row = session.get(DeadLetter, dead_letter_id)
        if row is None:
            raise OpsError("not_found", f"no dead-lettered job {dead_letter_id}")
        if not claimed:
            raise OpsError("conflict", f"dead-lettered job {dead_letter_id} was already retried")
        view = _dead_letter_view(row)
    try:
        send(view.actor, view.args, view.kwargs)
    except BaseException:
        with db.session() as session:
            session.execute(
                update(DeadLetter)
                .where(DeadLetter.id == dead_letter_id, DeadLetter.retried_at == now)
                .values(retried_at=None)
            )
        raise
    return view


# --- job events ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JobEventView:
    id: int
    at: datetime
    actor: str
    message_id: str | None
    store_id: int | None
    store: str | None
    outcome: str
    attempt: int
    duration_ms: float
    counts: dict[str, Any]
    error: str | None


def job_events(
    db: Database,
    *,
    store_id: int | None = None,
    actor: str | None = None,
    outcome: str | None = None,
    before_id: int | None = None,
    limit: int = EVENT_PAGE,
) -> list[JobEventView]:
    """The job log, newest first, filtered; `before_id` pages back."""
    query = (
        select(JobEvent, Store.name)
        .outerjoin(Store, JobEvent.store_id == Store.id)
        .order_by(JobEvent.id.desc())
        .limit(limit)
    )
    if store_id is not None:
        query = query.where(JobEvent.store_id == store_id)
    if actor:
        query = query.where(JobEvent.actor == actor)
    if outcome:
        query = query.where(JobEvent.outcome == outcome)
    if before_id is not None:
        query = query.where(JobEvent.id < before_id)
    with db.session() as session:
        return [
            JobEventView(
                id=event.id,
                at=event.at,
                actor=event.actor,
                message_id=event.message_id,
                store_id=event.store_id,
                store=store,
                outcome=event.outcome,
                attempt=event.attempt,
                duration_ms=float(event.duration_ms),
                counts=dict(event.counts or {}),
                error=event.error,
            )
            for event, store in session.execute(query)
        ]


@dataclass(frozen=True, slots=True)
class EventFilters:
    """The values the job log can be filtered by (what occurs in it)."""

    actors: list[str]
    outcomes: list[str]


def event_filters(db: Database) -> EventFilters:
    with db.session() as session:
        actors = session.scalars(select(JobEvent.actor).distinct().order_by(JobEvent.actor))
        outcomes = session.scalars(select(JobEvent.outcome).distinct().order_by(JobEvent.outcome))
        return EventFilters(list(actors), list(outcomes))


# --- webhooks -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WebhookProblem:
    id: int
    store: str
    topic: str
    received_at: datetime
    sent_at: datetime | None
    error: str
    body: str


def webhook_problems(db: Database, *, limit: int = 50) -> list[WebhookProblem]:
    """Verified webhooks kept with an error (refused as stale, unparsable), newest first."""
    query = (
        select(WebhookRecord, Store.name)
        .join(Store, WebhookRecord.store_id == Store.id)
        .where(WebhookRecord.error.is_not(None))
        .order_by(WebhookRecord.id.desc())
        .limit(limit)
    )
    with db.session() as session:
        return [
            WebhookProblem(
                id=record.id,
                store=store,
                topic=record.topic,
                received_at=record.received_at,
                sent_at=record.sent_at,
                error=record.error or "",
                body=record.body[:2000],
            )
            for record, store in session.execute(query)
        ]


# --- figures for /metrics -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderCount:
    store: str
    status: str
    ship_state: str
    count: int


def order_counts(db: Database) -> list[OrderCount]:
    """Orders by store, status and shipping state (the queue's depth)."""
    query = (
        select(Store.name, Order.status, Order.ship_state, func.count())
        .join(Store, Order.store_id == Store.id)
        .group_by(Store.name, Order.status, Order.ship_state)
        .order_by(Store.name, Order.status, Order.ship_state)
    )
    with db.session() as session:
        return [
            OrderCount(store, status, ship_state, int(count))
            for store, status, ship_state, count in session.execute(query)
        ]


def dead_letter_counts(db: Database) -> dict[str, int]:
    """Dead-lettered jobs not yet retried, by actor."""
    with db.session() as session:
        rows = session.execute(
            select(DeadLetter.actor, func.count())
            .where(DeadLetter.retried_at.is_(None))
            .group_by(DeadLetter.actor)
        )
        return {actor: int(count) for actor, count in rows}
