"""Webhooks in: verified, checked for freshness and replay, kept raw, fetched later.

docs/rules.md, rule 8.

The web process hands every delivery to `take_in`, which decides, in this order:

1. **Signature**: the connector verifies the body with the marketplace's own scheme. A bad
   or missing signature is refused and nothing is stored or enqueued. A platform's liveness
   ping that comes unsigned (WooCommerce's) is answered and never stored: anybody can send
   one, so storing it would let anybody write.
2. **Parse**: `connector.parse_webhook(body, headers)` gives a `WebhookEvent`. A verified
   body that does not parse is kept with its error (operators see it) and answered 2xx:
   the marketplace would only send the same bytes again.
3. **Freshness**: when the platform says when it sent the event (`sent_at`), an event older
   than `Freshness.max_age` (a day) or ahead of our clock by more than
   `Freshness.max_skew` (5 minutes) is refused, and kept with the reason. Orders it names
   are not lost: pulls keep running as the safety net.
4. **Replay**: a delivery is recorded once per store, keyed by the platform's delivery id,
   else by a digest of the raw body (a retry repeats the bytes). A delivery seen before is
   answered 2xx without a second job: a marketplace retrying after a lost answer is
   legitimate, and the first record already carries the work.

A good new delivery is stored and the caller sends a `process_webhooks` job, unless one is
pending (`sync.dispatch.ask_for_webhooks_job`: only the first delivery since a job took the
store's deliveries sends one); the job (or, if that message is lost, the reconciler) takes every
stored body of the store that is not processed yet, fetches the orders it names — never
trusting the body as state (docs/rules.md, rule 1) — and marks it processed, or keeps the
parse error on it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from lapak.sync.dispatch import ask_for_webhooks_job
from lapak.sync.protocol import Connector, PermanentError
from lapak.sync.pull import PullReport, fetch_orders
from lapak.sync.store.db import Database
from lapak.sync.store.dialect import insert_for
from lapak.sync.store.models import Store, WebhookRecord, utcnow
from lapak.sync.types import WebhookEvent
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

MAX_AGE = timedelta(hours=24)
"""An event the platform says it sent longer ago than this is refused as stale.

A day: platforms re-send an unanswered event with its first send time (Lazada for 30
minutes, Shopify for 4 hours, TikTok Shop up to 12 hours later), and refusing those
retries would make a platform give the subscription up (Shopify deletes it after 8
failures). Replays within the day are caught by the delivery id / body digest instead."""
MAX_SKEW = timedelta(minutes=5)
"""How far ahead of our clock a platform's send time may be (clocks differ a little)."""
CLAIM_BATCH = 100
"""Deliveries one `process_webhooks` job takes on."""
CLAIM_LEASE = timedelta(minutes=5)
"""How long a job's claim on its deliveries lasts (longer than the job's time limit)."""


@dataclass(frozen=True, slots=True)
class Freshness:
    """How old (or how far in the future) a delivery's `sent_at` may be."""

    max_age: timedelta = MAX_AGE
    max_skew: timedelta = MAX_SKEW

    def problem(self, sent_at: datetime | None, now: datetime) -> str | None:
        """Why an event sent at `sent_at` is refused at `now`, or None when it is fresh."""
        if sent_at is None:
            return None
        age = (now - sent_at).total_seconds()
        if age > self.max_age.total_seconds():
            return f"stale: sent {age:.0f} s ago (tolerance {self.max_age.total_seconds():.0f} s)"
        if -age > self.max_skew.total_seconds():
            return (
                f"from the future: sent {-age:.0f} s ahead of our clock "
                f"(tolerance {self.max_skew.total_seconds():.0f} s)"
            )
        return None


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    """Stored; orders to fetch: the caller sends a `process_webhooks` job unless one is
    pending (`Intake.job_requested_at`)."""
    KEPT = "kept"
    """Stored with nothing to fetch (an unparsable body, a topic without orders)."""
    DUPLICATE = "duplicate"
    """This store already recorded this delivery: answered 2xx, nothing enqueued."""
    STALE = "stale"
    """Sent too long ago or too far ahead: refused (kept with the reason)."""
    UNSIGNED = "unsigned"
    """Bad or missing signature: refused, nothing stored."""
    PING = "ping"
    """A platform's liveness check (`WebhookEvent.ping`): answered 2xx, nothing stored."""
    UNROUTED = "unrouted"
    """Verified at an app-level push URL, for a shop no store of the config is
    (`sync.app_webhooks`): kept refused for operators, answered 2xx (else retried forever)."""


@dataclass(frozen=True, slots=True)
class Intake:
    outcome: Outcome
    topic: str = ""
    order_ids: tuple[str, ...] = ()
    record_id: int | None = None
    reason: str | None = None
    job_requested_at: datetime | None = None
    """Set when this delivery is the one to send the store's `process_webhooks` job
    (`sync.dispatch.ask_for_webhooks_job`): None when nothing is to be fetched or a pending
    job will take it."""


def delivery_key(delivery_id: str | None, body: bytes) -> str:
    """The platform's delivery id, else a digest of the raw body."""
    if delivery_id:
        return delivery_id[:128]
    return "sha256:" + hashlib.sha256(body).hexdigest()


def record_webhook(
    db: Database,
    store_id: int,
    topic: str,
    body: bytes,
    *,
    delivery_id: str | None = None,
    sent_at: datetime | None = None,
    error: str | None = None,
    processed: bool = False,
) -> int | None:
    """Keep a verified body once per (store, delivery); returns its new id, or None when the
    store had recorded this delivery already (`delivery_id` None: a digest of `body`)."""
    row = _row(store_id, topic, body, delivery_id, sent_at, error, processed)
    with db.session() as session:
        return _insert(session, row)


def _row(
    store_id: int,
    topic: str,
    body: bytes,
    delivery_id: str | None,
    sent_at: datetime | None,
    error: str | None,
    processed: bool,
) -> dict[str, Any]:
    return {
        "store_id": store_id,
        "topic": topic[:60],
        "body": body.decode("utf-8", errors="replace"),
        "received_at": utcnow(),
        "delivery_id": delivery_key(delivery_id, body),
        "sent_at": sent_at,
        "error": error,
        "processed_at": utcnow() if processed else None,
    }


def _insert(session: Session, row: dict[str, Any]) -> int | None:
    statement = (
        insert_for(session, WebhookRecord)
        .values(row)
        .on_conflict_do_nothing(index_elements=["store_id", "delivery_id"])
        .returning(WebhookRecord.id)
    )
    new_id: int | None = session.execute(statement).scalar()
    return new_id


def take_in(
    db: Database,
    store_id: int,
    connector: Connector,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    freshness: Freshness | None = None,
    now: datetime | None = None,
) -> Intake:
    """Verify, parse, check and record one delivery to `url` (the URL the platform signed)."""
    if not connector.verify_webhook(url, headers, body):
        return Intake(Outcome.UNSIGNED, reason="bad or missing signature")
    try:
        event: WebhookEvent | None = connector.parse_webhook(body, headers)
    except PermanentError as malformed:
        event, parse_error = None, str(malformed) or type(malformed).__name__
    if event is not None and event.ping:
        return Intake(Outcome.PING, event.topic)
    if event is None:
        record_id = record_webhook(db, store_id, "unparsed", body, error=parse_error)
        outcome = Outcome.KEPT if record_id else Outcome.DUPLICATE
        return Intake(outcome, "unparsed", record_id=record_id, reason=parse_error)
    now = now or utcnow()
    stale = (freshness or Freshness()).problem(event.sent_at, now)
    pending = not stale and bool(event.order_ids)
    row = _row(
        store_id,
        event.topic,
        body,
        event.delivery_id,
        event.sent_at,
        f"refused: {stale}" if stale else None,
        not stale and not event.order_ids,
    )
    with db.session() as session:
        record_id = _insert(session, row)
        asked = pending and record_id is not None and ask_for_webhooks_job(session, store_id, now)
    if stale:
        outcome = Outcome.STALE
    elif record_id is None:
        outcome = Outcome.DUPLICATE
    else:
        outcome = Outcome.ACCEPTED if event.order_ids else Outcome.KEPT
    return Intake(outcome, event.topic, event.order_ids, record_id, stale, now if asked else None)


def stores_with_pending_webhooks(db: Database, *, now: datetime | None = None) -> set[int]:
    """Stores with stored deliveries no job holds (never claimed, or its claim ran out)."""
    with db.session() as session:
        return set(
            session.scalars(
                select(WebhookRecord.store_id).where(_unclaimed(now or utcnow())).distinct()
            )
        )


def webhooks_waiting(db: Database, store_id: int, *, now: datetime | None = None) -> bool:
    """Whether stored deliveries of the store wait for a job (none holds them)."""
    with db.session() as session:
        waiting = session.scalar(
            select(WebhookRecord.id)
            .where(WebhookRecord.store_id == store_id, _unclaimed(now or utcnow()))
            .limit(1)
        )
    return waiting is not None


def holds_claims(db: Database, store_id: int, claimant: str) -> bool:
    """Whether `claimant` (a job's message id) holds deliveries of the store it has not
    processed: its earlier attempt claimed them and died before it was done."""
    with db.session() as session:
        held = session.scalar(
            select(WebhookRecord.id)
            .where(
                WebhookRecord.store_id == store_id,
                WebhookRecord.claimed_by == claimant,
                WebhookRecord.processed_at.is_(None),
                WebhookRecord.error.is_(None),
            )
            .limit(1)
        )
    return held is not None


def _unclaimed(now: datetime, claimant: str | None = None) -> ColumnElement[bool]:
    """Pending and held by no job — or by `claimant`: a job's message that comes back after
    its worker died takes its own deliveries again at once."""
    free = or_(WebhookRecord.claimed_until.is_(None), WebhookRecord.claimed_until < now)
    if claimant is not None:
        free = or_(free, WebhookRecord.claimed_by == claimant)
    return and_(WebhookRecord.processed_at.is_(None), WebhookRecord.error.is_(None), free)


@dataclass
class WebhookReport(PullReport):
    more: bool = False
    """Deliveries still wait unclaimed: the caller asks for another job."""


def process_webhooks(
    db: Database,
    store_id: int,
    connector: Connector,
    *,
    batch: int = CLAIM_BATCH,
    claimant: str | None = None,
) -> WebhookReport:
    """Fetch the orders named by up to `batch` of the store's pending deliveries, claimed
    for this job alone, and mark them processed.

    At a flash sale every delivery asks for a job: each job claims the deliveries no other
    holds (`SKIP LOCKED` on PostgreSQL), so concurrent jobs share the work instead of all
    fetching the same orders. A job that dies leaves its claim to run out
    (`CLAIM_LEASE`) — or takes them again when its message comes back (`claimant`, the
    job's message id, names the claim)."""
    pending = db.transaction(lambda session: _claim(session, store_id, batch, claimant))
    order_ids: dict[str, None] = {}
    errors: dict[int, str] = {}
    for record_id, body in pending:
        try:
            event = connector.parse_webhook(body.encode("utf-8"))
        except PermanentError as malformed:
            errors[record_id] = str(malformed)
            continue
        order_ids.update(dict.fromkeys(event.order_ids))
    report = WebhookReport(**vars(fetch_orders(db, store_id, connector, list(order_ids))))
    with db.session() as session:
        done = [record_id for record_id, _ in pending if record_id not in errors]
        if done:
            session.execute(
                update(WebhookRecord)
                .where(WebhookRecord.id.in_(done))
                .values(processed_at=utcnow(), claimed_until=None, claimed_by=None)
            )
        for record_id, error in errors.items():
            session.execute(
                update(WebhookRecord)
                .where(WebhookRecord.id == record_id)
                .values(error=error, claimed_until=None, claimed_by=None)
            )
        more = select(WebhookRecord.id).where(
            WebhookRecord.store_id == store_id, _unclaimed(utcnow())
        )
        report.more = session.scalar(more.limit(1)) is not None
    return report


def _claim(
    session: Session, store_id: int, batch: int, claimant: str | None
) -> list[tuple[int, str]]:
    now = utcnow()
    # first: a delivery stored after this statement asks for a job of its own
    # (`sync.dispatch.ask_for_webhooks_job`); one stored before it is among the rows below
    session.execute(update(Store).where(Store.id == store_id).values(webhooks_requested_at=None))
    rows = session.execute(
        select(WebhookRecord.id, WebhookRecord.body)
        .where(WebhookRecord.store_id == store_id, _unclaimed(now, claimant))
        .order_by(WebhookRecord.id)
        .limit(batch)
        .with_for_update(skip_locked=True, key_share=True)
    ).all()
    if rows:
        session.execute(
            update(WebhookRecord)
            .where(WebhookRecord.id.in_([record_id for record_id, _ in rows]))
            .values(claimed_until=now + CLAIM_LEASE, claimed_by=claimant)
        )
    return [(record_id, body) for record_id, body in rows]
