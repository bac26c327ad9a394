"""The dramatiq actors. Each carries ids only and reads what is due from the database.

Transient marketplace failures raise so dramatiq retries with exponential backoff (a
push's per-item failures do not: those items back off alone, `sync.push`); a throttle
whose Retry-After is long is honoured as `dramatiq.Retry(delay=…)` instead of sleeping in
a worker thread. After the last retry a message is dead-lettered — and the
state it was about stays dirty or requested in the database, so the reconciler heals it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import partial, wraps
from typing import Any, TypeVar

import dramatiq
import structlog
from dramatiq.actor import ActorDecorator
from dramatiq.middleware import CurrentMessage
from dramatiq.rate_limits import ConcurrentRateLimiter
from lapak.jobs.broker import ensure_broker
from lapak.jobs.lease import Lease
from lapak.jobs.middleware import record_counts
from lapak.sync import pull, push, shipping, strays, webhooks
from lapak.sync import reconcile as reconciling
from lapak.sync.dispatch import (
    claim_retry_push,
    keep_push_requested,
    push_requested,
    request_pushes,
    request_shipments,
    stamp_ship_job,
)
from lapak.sync.jobs_log import store_of_order
from lapak.sync.protocol import ThrottledError
from lapak.sync.store.models import utcnow
from lapak.wiring.runtime import Runtime, current

ensure_broker()
log = structlog.get_logger(__name__)

MAX_RETRIES = 8
MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 300_000

RETRY_PUSH_SLACK_MS = 50
"""A delayed push for items backing off comes this much after their `retry_at`."""
CATCH_UP_DELAY_MS = 5_000
"""A push that held an increase asks for a pull this long after: by then the webhooks of the
sales behind the lower stock have usually arrived, and the pull is skipped."""
BUSY_RETRY_MS = 10_000
"""A webhook job holding claims of its own that finds the store's lease held comes back
after this long (a third of the TTL: a dead holder's lease is gone within three)."""
PUSH_MUTEX_TTL_MS = 30_000
"""How long a dead worker's push mutex outlives its last renewal. A live push renews it every
third of this (`jobs.lease.Lease`) for as long as it runs, however long that is."""

F = TypeVar("F", bound=Callable[..., Any])


def retried_actor(*, queue_name: str, time_limit: int) -> ActorDecorator:
    """`dramatiq.actor` with Lapak's retry policy: exponential backoff from 1 s (doubling,
    with jitter), some 4 to 8 minutes of retries in all before a message is dead-lettered.

    Typed options instead of a `**dict`: dramatiq's overloads then give each actor its
    `dramatiq.Actor[P, R]` type, so `send` and calls are checked against the function."""
    return dramatiq.actor(
        queue_name=queue_name,
        time_limit=time_limit,
        max_retries=MAX_RETRIES,
        min_backoff=MIN_BACKOFF_MS,
        max_backoff=MAX_BACKOFF_MS,
    )


def honour_throttling(fn: F) -> F:
    """Turn a marketplace's long Retry-After into a delayed retry of the whole message."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ThrottledError as throttled:
            delay = int((throttled.retry_after or 5) * 1000)
            raise dramatiq.Retry(
                f"throttled by the marketplace: {throttled}", delay=delay
            ) from None

    return wrapper  # type: ignore[return-value]


def push_lease(store_id: int) -> Lease:
    """The one-push-per-store mutex (dramatiq's ConcurrentRateLimiter), held as a lease."""
    return _store_lease("push", store_id)


def webhook_lease(store_id: int) -> Lease:
    """One webhook job per store at a time: it takes every delivery waiting, so the orders
    of a burst go to the marketplace in a few batch calls instead of one call each."""
    return _store_lease("webhooks", store_id)


def pull_lease(store_id: int) -> Lease:
    """One pull per store at a time: a pull reads every order of its window, so a second
    one started meanwhile (a short poll interval, a catch-up) would only fetch the same
    orders again — and hold a worker thread while it waits on the store's rate limit."""
    return _store_lease("pull", store_id)


def _store_lease(kind: str, store_id: int) -> Lease:
    return Lease(
        ConcurrentRateLimiter(
            current().rate_limit_backend,
            f"{kind}-store-{store_id}",
            limit=1,
            ttl=PUSH_MUTEX_TTL_MS,
        )
    )


def _pull(store_id: int) -> None:
    """Pull the store's orders unless a pull of it is running (that one covers this)."""
    with pull_lease(store_id).hold() as acquired:
        if not acquired:
            record_counts({"skipped": 1})
            return
        runtime = current()
        _took_in(runtime, pull.pull_orders(runtime.db, store_id, runtime.connector(store_id)))


class Dispatcher:
    """`sync.dispatch.Dispatcher` on dramatiq: turns the engine's requests into messages."""

    def push(self, store_id: int) -> None:
        push_store.send(store_id)

    def fetch_orders(self, store_id: int, external_ids: Sequence[str]) -> None:
        fetch_orders.send(store_id, list(external_ids))

    def pull(self, store_id: int) -> None:
        """A pull now (a newly connected store: sync.connect)."""
        pull_orders.send(store_id)

    def ship(self, order_id: int) -> None:
        ship_order.send(order_id)

    def process_webhooks(self, store_id: int) -> None:
        process_webhooks.send(store_id)


dispatcher = Dispatcher()


@retried_actor(queue_name="push", time_limit=1_800_000)
@honour_throttling
def push_store(store_id: int) -> None:
    """Push every dirty listing of one store (at most one at a time per store).

    A push that finds the store busy ends at once: the request behind it is on record
    (`Store.push_requested_at`), and the push holding the store looks for one when it lets
    go (docs/push.md, "Coalescing") — no message waits on a mutex or polls for it. A push
    that fails leaves a request on record for its retry, so the reconciler's ticks while
    the retry waits send no second push beside it."""
    with push_lease(store_id).hold() as acquired:
        if not acquired:
            record_counts({"coalesced": 1})
            return
        runtime = current()
        with _retry_on_record(partial(keep_push_requested, runtime.db, store_id)):
            report = push.push_store(runtime.db, store_id, runtime.connector(store_id))
    record_counts(report.as_counts())
    if report.held:
        catch_up_orders.send_with_options(args=(store_id,), delay=CATCH_UP_DELAY_MS)
    if report.incomplete or push_requested(runtime.db, store_id):
        push_store.send(store_id)  # the rest, or what was asked meanwhile (the mutex is free)
    if report.next_retry_at is not None:
        _push_at(store_id, report.next_retry_at)


@contextmanager
def _retry_on_record(mark: Callable[[], object]) -> Iterator[None]:
    """A job that fails is retried by dramatiq: `mark` puts its retry on record as the
    work's pending job, so the reconciler's ticks while it waits send no second job."""
    try:
        yield
    except BaseException:
        try:
            mark()
        except Exception as error:  # the database is what failed: the job's own error goes on
            log.warning("retry_unrecorded", error=f"{type(error).__name__}: {error}")
        raise


def _push_at(store_id: int, at: datetime) -> None:
    """One delayed push for the store's earliest per-item retry (items that failed
    transiently back off alone: the push that deferred them succeeded)."""
    if claim_retry_push(current().db, store_id, at):
        delay = max(0, int((at - utcnow()).total_seconds() * 1000)) + RETRY_PUSH_SLACK_MS
        push_store.send_with_options(args=(store_id,), delay=delay)


def _took_in(runtime: Runtime, report: pull.PullReport) -> None:
    """After orders came in: push the stores whose stock moved; count what was seen."""
    request_pushes(runtime.db, dispatcher, report.stores_to_push)
    record_counts(report.as_counts())


@retried_actor(queue_name="orders", time_limit=600_000)
@honour_throttling
def pull_orders(store_id: int) -> None:
    """Pull orders updated since the store's cursor; reserve stock; push other stores."""
    _pull(store_id)


@retried_actor(queue_name="orders", time_limit=600_000)
@honour_throttling
def catch_up_orders(store_id: int) -> None:
    """A push held increases back: pull the store's orders unless the orders that explain
    the lower stock have arrived meanwhile (or another pull covered them)."""
    if not pull.holds_waiting(current().db, store_id):
        record_counts({"skipped": 1})
        return
    _pull(store_id)


@retried_actor(queue_name="orders", time_limit=120_000)
@honour_throttling
def fetch_orders(store_id: int, external_ids: list[str]) -> None:
    """Fetch just these orders (a webhook said they changed)."""
    runtime = current()
    _took_in(
        runtime, pull.fetch_orders(runtime.db, store_id, runtime.connector(store_id), external_ids)
    )


@retried_actor(queue_name="orders", time_limit=120_000)
@honour_throttling
def process_webhooks(store_id: int) -> None:
    """Fetch the orders named by the store's stored, not yet processed webhooks.

    One such job per store at a time (`webhook_lease`): a job that finds the store busy
    ends at once — its deliveries are stored, and the job holding the store looks for
    waiting ones when it lets go (docs/push.md, "Coalescing")."""
    runtime = current()
    message = CurrentMessage.get_current_message()
    with webhook_lease(store_id).hold() as acquired:
        if not acquired:
            if message and webhooks.holds_claims(runtime.db, store_id, message.message_id):
                # this message's earlier attempt claimed deliveries and died (perhaps still
                # holding the lease, which runs out one TTL after its last renewal): no other
                # job takes them, so this one comes back for them
                raise dramatiq.Retry("the store's webhook lease is held", delay=BUSY_RETRY_MS)
            record_counts({"coalesced": 1})
            return
        report = webhooks.process_webhooks(
            runtime.db,
            store_id,
            runtime.connector(store_id),
            claimant=message.message_id if message else None,
        )
    _took_in(runtime, report)
    if report.more or webhooks.webhooks_waiting(runtime.db, store_id):
        process_webhooks.send(store_id)  # what came meanwhile (the lease is free)


@retried_actor(queue_name="orders", time_limit=120_000)
@honour_throttling
def ship_order(order_id: int) -> None:
    """Tell the marketplace a reseller shipped the order, with its tracking number."""
    runtime = current()
    store_id = store_of_order(runtime.db, order_id)
    if store_id is None:
        raise LookupError(f"order {order_id} is not in the database")
    with _retry_on_record(partial(stamp_ship_job, runtime.db, order_id)):
        report = shipping.confirm_shipment(runtime.db, order_id, runtime.connector(store_id))
    request_pushes(runtime.db, dispatcher, report.stores_to_push)
    record_counts({report.outcome: 1})


@retried_actor(queue_name="maintenance", time_limit=120_000)
def refresh_token(store_id: int) -> None:
    """Renew a store's token before it expires (the vault refreshes only when due)."""
    runtime = current()
    runtime.vault(store_id).token(runtime.connector(store_id).refresh_token)
    record_counts({"checked": 1})


@retried_actor(queue_name="maintenance", time_limit=600_000)
def reconcile() -> None:
    """Re-enqueue what is due: dirty stores, requested shipments (docs/rules.md, rule 2)."""
    runtime = current()
    due = reconciling.stores_with_work(runtime.db)
    pushed = request_pushes(runtime.db, dispatcher, due)
    shipments = request_shipments(runtime.db, dispatcher)
    hooked = webhooks.stores_with_pending_webhooks(runtime.db)
    for store_id in hooked:
        process_webhooks.send(store_id)
    record_counts(
        {
            "stores_due": len(due),
            "pushes_sent": len(pushed),
            "shipments": len(shipments),
            "webhook_stores": len(hooked),
        }
    )


@retried_actor(queue_name="maintenance", time_limit=1_800_000)
@honour_throttling
def read_back(store_id: int) -> None:
    """Catch stock edited by hand on the marketplace (drifted listings become dirty) and
    stray listings (a bound SKU on a second item: recorded, and zeroed unless reported)."""
    runtime = current()
    connector = runtime.connector(store_id)
    drifted = reconciling.read_back(runtime.db, store_id, connector)
    if drifted:
        request_pushes(runtime.db, dispatcher, [store_id])
    swept = strays.sweep_strays(runtime.db, store_id, connector)
    record_counts({"drifted": drifted, **swept.as_counts()})


ALL = (
    push_store,
    pull_orders,
    catch_up_orders,
    fetch_orders,
    process_webhooks,
    ship_order,
    refresh_token,
    reconcile,
    read_back,
)
