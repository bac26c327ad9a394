"""Pushing a store's dirty listings (docs/rules.md, rules 2, 3, 6, 7): the synchronizer.

One pass reads what is due *now* from the database, in chunks, and sends it with the
connector's batch calls: first adoption of existing listings by SKU (once per store), then
creation of unbound listings (whole variant groups at a time), then content, price and
absolute stock of bound ones. Each result is written back per listing: the confirmed state
becomes what was sent, so a change made while the call was in flight leaves the listing
dirty for the next pass. Permanent per-item failures are recorded and held; transient ones
stay dirty and back off per item (`Listing.retry_at`, `sync.retry_backoff`): pushes leave
them alone until then, and the report names the earliest retry for one delayed push.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache, partial
from typing import Any

import structlog
from lapak.sync.changes import chunked, lock_listings, refresh_dirty
from lapak.sync.parallel import in_background, in_parallel
from lapak.sync.protocol import Connector, ConnectorError
from lapak.sync.retry_backoff import retry_delay
from lapak.sync.stock import content_hash
from lapak.sync.stock_check import Hold, StockPlan, StockRow, plan_stock
from lapak.sync.stock_slices import StockSlice, stock_slices, whole_calls
from lapak.sync.store.db import Database
from lapak.sync.store.dialect import affected, among, among_bound
from lapak.sync.store.models import Listing, Product, PullCursor, Store, utcnow
from lapak.sync.types import (
    ItemResult,
    ListingDraft,
    ListingRef,
    PriceUpdate,
    RemoteListing,
    StockUpdate,
)
from sqlalchemy import Table, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

log = structlog.get_logger(__name__)

CHUNK = 500
MAX_PASSES = 5
BUDGET_SECONDS = 10.0
"""A push stops after the marketplace calls that cross this (a round of create calls of
`limits.create_batch` items each, an update chunk) and reports `incomplete`: the job layer sends
the rest as a new message, so one message never holds its store's mutex for long."""
CREATE_HOLD = timedelta(minutes=2)
"""How long a create intent (`Listing.create_started_at`) belongs to the push that recorded
it: longer than one create call can last, timeouts and in-call retries included. Another
push leaves such a listing alone; once the hold is over and no answer was recorded, the
call was interrupted and the listing is adopted by SKU (one scan) before it is created."""


@dataclass
class PushReport:
    """Counts of one push, by kind of change; `failed` are permanent, `deferred` transient."""

    adopted: int = 0
    created: int = 0
    content: int = 0
    prices: int = 0
    stock: int = 0
    failed: int = 0
    deferred: int = 0
    held: int = 0
    """Increases held back until the store's orders are taken in (`sync.stock_check`)."""
    incomplete: bool = False
    next_retry_at: datetime | None = None
    """The earliest `retry_at` of the store's listings backing off after transient failures:
    when a push is due for them (None: none is waiting)."""
    deferred_ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    refused_existing: dict[int, str] = field(default_factory=dict)
    """Listings whose create the store refused as already there, with its message: adopted
    by a scan, or failed with that message when the scan does not find their SKU."""

    @property
    def settled(self) -> int:
        """Listings this push brought to an end, by success or permanent failure."""
        return self.created + self.content + self.prices + self.stock + self.failed

    def as_counts(self) -> dict[str, int]:
        return {key: value for key, value in vars(self).items() if isinstance(value, int) and value}


def push_store(
    db: Database,
    store_id: int,
    connector: Connector,
    *,
    budget: float = BUDGET_SECONDS,
    clock: Callable[[], datetime] = utcnow,
) -> PushReport:
    """Bring every dirty listing of the store in line with its desired state, or as many as
    fit in `budget` seconds (then `report.incomplete` is set). Listings backing off after a
    transient failure are left alone until their `retry_at` (by `clock`)."""
    report = PushReport()
    deadline = time.monotonic() + budget
    now = clock()
    with db.session() as session:
        store = session.get_one(Store, store_id)
        store.push_requested_at = None
        needs_scan = _needs_scan(session, store_id, first=store.scanned_at is None)
    if needs_scan:
        report.adopted = adopt_existing(db, store_id, connector)
    skip: set[int] = set()
    for _ in range(MAX_PASSES):
        before = report.settled
        _create_pass(db, store_id, connector, report, skip, deadline, now)
        _update_pass(db, store_id, connector, report, skip, deadline, now)
        if report.incomplete:
            break
        if report.settled == before:
            break
    if report.deferred_ids:
        _back_off(db, report.deferred_ids, clock())
    with db.session() as session:
        store = session.get_one(Store, store_id)
        store.last_push_at = utcnow()
        report.next_retry_at = session.scalar(
            select(func.min(Listing.retry_at)).where(
                Listing.store_id == store_id,
                Listing.dirty,
                Listing.failed.is_(False),
                Listing.retry_at.is_not(None),
            )
        )
    return report


def _back_off(db: Database, listing_ids: Sequence[int], now: datetime) -> None:
    """Give each listing that failed transiently its next `retry_at`: one more attempt, an
    exponentially longer wait with jitter (`sync.retry_backoff`)."""

    def write(session: Session) -> None:
        lock_listings(session, listing_ids)
        attempts = session.execute(
            select(Listing.id, Listing.retry_attempts).where(Listing.id.in_(listing_ids))
        )
        rows = [
            {"id": lid, "retry_attempts": n + 1, "retry_at": now + retry_delay(n + 1)}
            for lid, n in attempts
        ]
        _bulk_update(session, rows)

    db.transaction(write)


ADOPT_CHUNK = 2_000
"""Scanned listings bound per transaction by `adopt_existing`."""


def adopt_existing(
    db: Database, store_id: int, connector: Connector, *, refused: Mapping[int, str] = {}
) -> int:
    """Bind unbound listings to the store's existing ones with the same seller SKU.

    The scan is taken `ADOPT_CHUNK` listings at a time, each chunk bound in a transaction of
    its own: a store of 100,000 listings is adopted in the memory of one chunk, and no
    transaction stays open across the scan's calls. The first listing the scan reports for
    a SKU is the one adopted (a second with that SKU is a stray, `sync.strays`).

    Create intents older than `CREATE_HOLD` when the scan began are cleared where the scan
    found nothing: those calls are over and created nothing, so the listings may be created.
    Recent intents stay (their push may still be waiting for the answer). `refused` listings
    (creates refused as already there) that the scan does not find are marked failed with
    the store's message."""
    settled_before = utcnow() - CREATE_HOLD
    scanned = adopted = 0
    bound_refused: set[int] = set()
    for chunk in chunked(connector.scan_listings(), ADOPT_CHUNK):
        scanned += len(chunk)
        bound = db.transaction(partial(_bind, store_id=store_id, scanned=chunk))
        adopted += len(bound)
        bound_refused.update(listing_id for listing_id in bound if listing_id in refused)

    def finish(session: Session) -> None:
        session.execute(
            update(Listing)
            .where(
                Listing.store_id == store_id,
                Listing.item_id.is_(None),
                Listing.create_started_at <= settled_before,
            )
            .values(create_started_at=None)
        )
        missing = [
            {"id": listing_id, "failed": True, "last_error": f"created: {error}"}
            for listing_id, error in refused.items()
            if listing_id not in bound_refused
        ]
        if missing:
            session.execute(update(Listing), missing)
        session.get_one(Store, store_id).scanned_at = utcnow()

    db.transaction(finish)
    log.info("listings_adopted", store_id=store_id, scanned=scanned, adopted=adopted)
    return adopted


def _bind(session: Session, store_id: int, scanned: Sequence[RemoteListing]) -> list[int]:
    """Bind the store's unbound listings whose SKUs these scanned listings carry; their ids."""
    remote: dict[str, RemoteListing] = {}
    for listing in scanned:
        remote.setdefault(listing.ref.sku, listing)
    rows = session.execute(
        select(Listing.id, Product.sku)
        .join(Product, Listing.product_id == Product.id)
        .where(
            Listing.store_id == store_id,
            Listing.item_id.is_(None),
            among(session, Product.sku, list(remote)),
        )
    )
    adopted: list[dict[str, Any]] = [
        {
            "id": listing_id,
            "item_id": remote[sku].ref.item_id,
            "variant_id": remote[sku].ref.variant_id,
            "confirmed_stock": remote[sku].stock,
            "confirmed_price": remote[sku].price,
            "confirmed_hash": None,
            "create_started_at": None,
        }
        for listing_id, sku in rows
    ]
    ids: list[int] = [row["id"] for row in adopted]
    if adopted:
        session.execute(update(Listing), adopted)
        refresh_dirty(session, ids)
    return ids


def release_create_intents(db: Database) -> int:
    """Treat every create intent as interrupted: the next push adopts those listings by SKU
    (or creates them) at once instead of after `CREATE_HOLD`.

    Only for a start-up where no other process can be pushing — embedded `lapak run`
    coming back after it was killed: every intent then belongs to the dead process."""
    with db.session() as session:
        released = affected(
            session.execute(
                update(Listing)
                .where(
                    Listing.item_id.is_(None),
                    Listing.create_started_at > utcnow() - CREATE_HOLD,
                )
                .values(create_started_at=utcnow() - CREATE_HOLD)
            )
        )
    if released:
        log.info("create_intents_released", listings=released)
    return released


def _needs_scan(session: Session, store_id: int, *, first: bool) -> bool:
    """Unbound listings to adopt: any before the store's first scan; later, only those whose
    create intent outlived `CREATE_HOLD` with no answer recorded (the worker died, the call
    timed out, or the store said the listing was already there)."""
    query = select(func.count()).where(
        Listing.store_id == store_id, Listing.item_id.is_(None), Listing.failed.is_(False)
    )
    if not first:
        query = query.where(Listing.create_started_at <= utcnow() - CREATE_HOLD)
    return bool(session.scalar(query))


def _due(store_id: int, skip: set[int], now: datetime) -> Any:
    """Dirty listings not held by a permanent failure nor backing off until after `now`."""
    query = (
        select(Listing)
        .where(
            Listing.store_id == store_id,
            Listing.dirty,
            Listing.failed.is_(False),
            or_(Listing.retry_at.is_(None), Listing.retry_at <= now),
        )
        .order_by(Listing.id)
    )
    if skip:
        query = query.where(Listing.id.not_in(skip))
    return query


def _create_pass(
    db: Database,
    store_id: int,
    connector: Connector,
    report: PushReport,
    skip: set[int],
    deadline: float,
    now: datetime,
) -> None:
    """Create unbound listings with no create intent, `limits.create_batch` items (whole
    variant groups) per call, `limits.parallel_calls` calls side by side (`sync.parallel`:
    the store's pacer still spaces them), checking the budget before each round of calls.

    Each batch is claimed first: its intent is recorded only where none is, in one
    statement, so two pushes that overlap never send the same listing's create. A group
    another push claimed in part is left to it whole. Creates the store refused as already
    there are adopted by one scan at the end of the pass."""
    with db.session() as session:
        platform = session.get_one(Store, store_id).platform
        pending = _whole_groups(session, store_id, skip, now)
    batches = _item_batches(pending, connector.limits.create_batch)
    at_once = connector.limits.parallel_calls
    for start in range(0, len(batches), at_once):
        if time.monotonic() > deadline:
            report.incomplete = True
            return
        round_of = batches[start : start + at_once]
        calls = [drafts for batch in round_of if (drafts := _claimed_drafts(db, batch, platform))]
        answers = in_parallel(lambda drafts: _create(connector, drafts), calls, at_once=at_once)
        for drafts, results in zip(calls, answers, strict=True):
            if not isinstance(results, ConnectorError):
                _record(db, list(drafts.items()), results, report, skip, kind="created")
        # a throttle or a refused token stops the push once every answer is recorded
        stopped = [
            (drafts, a)
            for drafts, a in zip(calls, answers, strict=True)
            if isinstance(a, ConnectorError)
        ]
        if stopped:
            _calls_over(db, [(lid, error) for drafts, error in stopped for lid in drafts])
            raise stopped[0][1]
    if report.refused_existing:
        refused, report.refused_existing = report.refused_existing, {}
        report.adopted += adopt_existing(db, store_id, connector, refused=refused)
        skip.difference_update(refused)


def _whole_groups(
    session: Session, store_id: int, skip: set[int], now: datetime
) -> list[tuple[int, str]]:
    """(listing id, group) of every unbound listing in a variant group with a member due,
    sorted by group. A group is created whole, in one call, however its members' jittered
    back-offs fall (created in parts, its first part becomes a product of its own and the
    next part's create is refused by name); a group with a member held by another push's
    intent or failed in this push waits."""
    due_groups = (
        _due(store_id, skip, now)
        .with_only_columns(Product.group_sku)
        .select_from(Listing)
        .join(Product, Listing.product_id == Product.id)
        .where(Listing.item_id.is_(None), Listing.create_started_at.is_(None))
        .order_by(None)
        .distinct()
    )
    rows = session.execute(
        select(Listing.id, Product.group_sku, Listing.create_started_at)
        .join(Product, Listing.product_id == Product.id)
        .where(
            Listing.store_id == store_id,
            Listing.item_id.is_(None),
            Listing.failed.is_(False),
            Product.group_sku.in_(due_groups),
        )
        .order_by(Product.group_sku, Listing.id)
    ).all()
    waiting = {group for lid, group, intent in rows if intent is not None or lid in skip}
    return [(lid, group) for lid, group, _ in rows if group not in waiting]


def _calls_over(db: Database, stopped: Sequence[tuple[int, ConnectorError]]) -> None:
    """Create calls that ended in an error: each listing's intent is dated `CREATE_HOLD`
    back (the call is over; it may have made the item before failing), so the next push
    adopts or creates it at once by one scan instead of waiting the hold out."""
    now = utcnow()
    rows = [
        {
            "id": listing_id,
            "create_started_at": now - CREATE_HOLD,
            "last_error": f"created: {error}",
            "last_error_at": now,
        }
        for listing_id, error in stopped
    ]
    db.transaction(lambda session: _write_rows(session, rows))


def _create(
    connector: Connector, drafts: dict[int, ListingDraft]
) -> list[ItemResult] | ConnectorError:
    """One create call's results, or the failure that stops the push (a connector fails an
    item's create in its result; a throttle or a refused token stops every call)."""
    try:
        return connector.upsert_listings(list(drafts.values()))
    except ConnectorError as stopped:
        return stopped


def _claimed_drafts(
    db: Database, batch: Sequence[Sequence[int]], platform: str
) -> dict[int, ListingDraft]:
    """The drafts of the batch's groups this push claimed whole (`_claim`), by listing id."""
    with db.session() as session:
        claimed = _claim(session, batch)
        listings = session.scalars(select(Listing).where(Listing.id.in_(claimed))).all()
        return {listing.id: _draft(listing, platform) for listing in listings}


def _item_batches(rows: Sequence[Any], items: int) -> list[list[list[int]]]:
    """(listing id, group) rows sorted by group as batches of `items` groups, each group a
    list of listing ids (at most `CHUNK` listings a batch, unless one group is bigger)."""
    batches: list[list[list[int]]] = []
    last_group = None
    for listing_id, group in rows:
        if group != last_group:
            current = batches[-1] if batches else None
            if current is None or len(current) >= items or sum(map(len, current)) >= CHUNK:
                batches.append([])
            batches[-1].append([])
            last_group = group
        batches[-1][-1].append(listing_id)
    return batches


def _claim(session: Session, groups: Sequence[Sequence[int]]) -> list[int]:
    """Record the create intent of these groups' listings where no push recorded one, and
    return the ids of the groups claimed whole; a group claimed in part is given back."""
    ids = [listing_id for group in groups for listing_id in group]
    claimed = set(
        session.scalars(
            update(Listing)
            .where(
                Listing.id.in_(ids),
                Listing.item_id.is_(None),
                Listing.create_started_at.is_(None),
                Listing.failed.is_(False),
            )
            .values(create_started_at=utcnow())
            .returning(Listing.id),
            execution_options={"synchronize_session": False},
        )
    )
    whole = [listing_id for group in groups if claimed.issuperset(group) for listing_id in group]
    partial = claimed.difference(whole)
    if partial:
        session.execute(
            update(Listing).where(Listing.id.in_(partial)).values(create_started_at=None)
        )
        log.warning("create_group_claimed_elsewhere", listings=sorted(partial))
    return whole


def _update_pass(
    db: Database,
    store_id: int,
    connector: Connector,
    report: PushReport,
    skip: set[int],
    deadline: float,
    now: datetime,
) -> None:
    """Push content, then price, then stock of bound dirty listings, chunk by chunk; the
    stock in slices, each read while the one before it is written (`sync.stock_slices`)."""
    chunks = _content_and_prices(db, store_id, connector, report, skip, deadline, now)
    _push_stock(db, connector, stock_slices(chunks, connector.limits), report, skip)


def _content_and_prices(
    db: Database,
    store_id: int,
    connector: Connector,
    report: PushReport,
    skip: set[int],
    deadline: float,
    now: datetime,
) -> Iterator[tuple[list[StockRow], datetime | None]]:
    """Each chunk's content and prices pushed, then its stock rows (and the pull cursor
    the stock check needs) handed on; no further chunk once the budget is spent, or once a
    chunk came up short (a listing that turns dirty meanwhile goes in the next pass)."""
    last_id = 0
    while not report.incomplete:
        if time.monotonic() > deadline:
            report.incomplete = True
            return
        with db.session() as session:
            platform = session.get_one(Store, store_id).platform
            found = session.execute(_bound_chunk(store_id, skip, last_id, now)).all()
            rows = _whole_items(found)
            content = _content_drafts(session, rows, platform)
            cursor = session.get(PullCursor, store_id)
        if not rows:
            return
        last_id = rows[-1].id
        prices = [
            (row.id, PriceUpdate(_row_ref(row), row.desired_price))
            for row in rows
            if row.confirmed_price is None or Decimal(row.confirmed_price) != row.desired_price
        ]
        calls: list[tuple[str, Sequence[tuple[int, Any]], Callable[[Any], list[ItemResult]]]] = [
            ("content", content, connector.upsert_listings),
            ("prices", prices, connector.update_prices),
        ]
        for kind, pairs, call in calls:
            if pairs:
                results = call([payload for _, payload in pairs])
                _record(db, pairs, results, report, skip, kind=kind)
        yield [_stock_row(row) for row in rows], cursor.pulled_until if cursor else None
        if len(found) <= CHUNK:
            return  # no row after these: a pass after a sale asks the database once, not twice


def _bound_chunk(store_id: int, skip: set[int], last_id: int, now: datetime) -> Any:
    """The next bound dirty listings after `last_id`: the columns a push compares and the
    SKU only (whole listings with their products load about 8 times slower)."""
    return (
        _due(store_id, skip, now)
        .with_only_columns(
            Listing.id,
            Listing.item_id,
            Listing.variant_id,
            Listing.desired_stock,
            Listing.confirmed_stock,
            Listing.desired_price,
            Listing.confirmed_price,
            Listing.desired_hash,
            Listing.confirmed_hash,
            Listing.stock_recheck,
            Listing.held_stock,
            Listing.held_since,
            Product.sku,
        )
        .join(Product, Listing.product_id == Product.id)
        .where(Listing.item_id.is_not(None), Listing.id > last_id)
        .limit(CHUNK + 1)  # one more, to see whether the chunk's last item goes on
    )


def _whole_items(rows: Sequence[Any]) -> Sequence[Any]:
    """At most `CHUNK` rows, less the listings of the last item when the row after them
    (the query reads one more) shows that item going on: they start the next chunk.

    The connector batches an item's variants into one call (up to its batch size), so an
    item cut in two by the chunk limit would cost an extra call for each kind of change;
    a chunk that ends where an item ends stays full (store-wide batches stay whole). A
    chunk that is all one item is kept whole.
    """
    if len(rows) <= CHUNK:
        return rows
    chunk, after = rows[:CHUNK], rows[CHUNK]
    if after.item_id != chunk[-1].item_id:
        return chunk
    keep = CHUNK
    while keep and chunk[keep - 1].item_id == after.item_id:
        keep -= 1
    return chunk[:keep] or chunk


def _content_drafts(
    session: Session, rows: Sequence[Any], platform: str
) -> list[tuple[int, ListingDraft]]:
    """Drafts of the rows whose content differs from what the store confirmed."""
    ids = [row.id for row in rows if row.confirmed_hash != row.desired_hash]
    if not ids:
        return []
    listings = session.scalars(select(Listing).where(Listing.id.in_(ids)).order_by(Listing.id))
    return [(listing.id, _draft(listing, platform)) for listing in listings]


def _push_stock(
    db: Database,
    connector: Connector,
    slices: Iterator[StockSlice],
    report: PushReport,
    skip: set[int],
) -> None:
    """Read the first slice's stock, then each next one in the background while the one
    before it is written (a pass of one slice, as most passes after a sale are, never leaves
    the calling thread). Writes that would not fill their call wait for the next slice's
    (`whole_calls`); the last slice sends what is left. Answers are recorded `CHUNK`
    listings at a time, and whatever stops the push, those already answered are recorded
    and the read in flight ends before it returns: no call of the push outlives its mutex."""
    upcoming = next(slices, None)
    if upcoming is None:
        return
    plan: StockPlan | None = _plan(connector, upcoming)
    reading: Future[StockPlan] | None = None
    carried: list[tuple[int, StockUpdate]] = []
    answered: list[tuple[int, StockUpdate]] = []
    results: list[ItemResult] = []
    try:
        while plan is not None:
            if (upcoming := next(slices, None)) is not None:
                reading = in_background(partial(_plan, connector, upcoming))
            if plan.holds:
                _hold(db, plan.holds, report, skip)
            answered += plan.matched
            results += [ItemResult.success(update.ref.sku) for _, update in plan.matched]
            writes = carried + plan.writes
            send, carried = whole_calls(writes, connector.limits) if reading else (writes, [])
            if send:
                written = connector.update_stock([update for _, update in send])
                answered += send
                results += written
            if len(answered) >= CHUNK:
                _record(db, answered, results, report, skip, kind="stock")
                answered, results = [], []
            plan, reading = (reading.result(), None) if reading else (None, None)
    finally:
        if reading is not None:
            wait([reading])
        if answered:
            _record(db, answered, results, report, skip, kind="stock")


def _plan(connector: Connector, upcoming: StockSlice) -> StockPlan:
    """The slice's stock plan, with the read it needs (`sync.stock_check`)."""
    return plan_stock(upcoming.rows, connector, pulled_until=upcoming.pulled_until, now=utcnow())


def _stock_row(row: Any) -> StockRow:
    return StockRow(
        listing_id=row.id,
        ref=_row_ref(row),
        desired=row.desired_stock,
        confirmed=row.confirmed_stock,
        recheck=row.stock_recheck,
        held_stock=row.held_stock,
        held_since=row.held_since,
    )


def _hold(db: Database, holds: Sequence[Hold], report: PushReport, skip: set[int]) -> None:
    """Keep the increases back (still dirty) with what the store showed, and since when."""
    rows = [{"id": h.listing_id, "held_stock": h.shown, "held_since": h.since} for h in holds]
    db.transaction(lambda session: _write_rows(session, rows))
    skip.update(h.listing_id for h in holds)
    report.held += len(holds)


def draft_hash(draft: ListingDraft) -> str:
    """The content hash of a draft: equal to the listing's desired hash when it was made."""
    return content_hash(
        name=draft.name,
        description=draft.description,
        weight_grams=draft.weight_grams,
        image_urls=draft.image_urls,
        category_id=draft.category_id,
        group_sku=draft.group,
        variant_name=draft.variant_name,
    )


def _ref(listing: Listing) -> ListingRef:
    assert listing.item_id is not None
    return ListingRef(listing.product.sku, listing.item_id, listing.variant_id)


def _row_ref(row: Any) -> ListingRef:
    """The ref of a `_bound_chunk` row."""
    return ListingRef(row.sku, row.item_id, row.variant_id)


def _draft(listing: Listing, platform: str) -> ListingDraft:
    product = listing.product
    return ListingDraft(
        sku=product.sku,
        group=product.group_sku,
        name=product.name,
        description=product.description,
        price=listing.desired_price,
        stock=listing.desired_stock,
        weight_grams=product.weight_grams,
        image_urls=tuple(product.image_urls or ()),
        category_id=(product.categories or {}).get(platform),
        variant_name=product.variant_name,
        ref=_ref(listing) if listing.item_id else None,
    )


def _record(
    db: Database,
    pairs: Sequence[tuple[int, Any]],
    results: Sequence[ItemResult],
    report: PushReport,
    skip: set[int],
    *,
    kind: str,
) -> None:
    """Write each item's outcome: confirmed state = what was sent, or the failure."""
    if len(results) != len(pairs):
        raise RuntimeError(f"connector returned {len(results)} results for {len(pairs)} {kind}")
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for (listing_id, sent), result in zip(pairs, results, strict=True):
        row: dict[str, Any] = {"id": listing_id}
        if result.ok:
            row |= _confirmed(kind, sent, result)
            row |= {"last_error": None, "last_pushed_at": now}
            row |= {"retry_at": None, "retry_attempts": 0}
            setattr(report, kind, getattr(report, kind) + 1)
        else:
            row |= {"last_error": f"{kind}: {result.error}", "last_error_at": now}
            skip.add(listing_id)
            if kind == "created":
                row["create_started_at"] = _intent_after_failed_create(result, now)
            if kind == "created" and result.exists:
                report.refused_existing[listing_id] = result.error or "already exists"
            elif result.permanent:
                row["failed"] = True
                report.failed += 1
            else:
                report.deferred += 1
                report.deferred_ids.append(listing_id)
            if len(report.errors) < 20:
                report.errors.append(f"{result.sku}: {result.error}")
        rows.append(row)
    db.transaction(lambda session: _write_rows(session, rows))


def _write_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """Executemany by primary key, one statement per distinct column set, the rows locked
    first in id order (the order every stock-moving transaction follows), then `dirty`."""
    lock_listings(session, [row["id"] for row in rows])
    _bulk_update(session, rows)
    refresh_dirty(session, [row["id"] for row in rows])


def _intent_after_failed_create(result: ItemResult, now: datetime) -> datetime | None:
    """A refused create made nothing: its intent is cleared. A create that failed otherwise
    (a timeout, a 5xx) may have made the item before its answer was lost, and one refused
    as already there is on the store: the intent is dated `CREATE_HOLD` back, which makes
    the listing due for adoption by SKU at once (the call is over) before any new create."""
    if result.permanent and not result.exists:
        return None
    return now - CREATE_HOLD


def _bulk_update(session: Session, rows: list[dict[str, Any]]) -> None:
    """The rows' values written by primary key, per distinct column set: the values every
    row of the set shares in one UPDATE of their ids, the rest by one Core executemany.

    A stock chunk's results share all but the stock sent (the time, the cleared error and
    hold…): each value bound per row cost more than the write itself, and the ORM's bulk
    update by primary key spends as long again deciding what each row sets."""
    dialect = session.get_bind().dialect.name
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        by_columns.setdefault(tuple(sorted(row)), []).append(row)
    for columns, group in by_columns.items():
        first = group[0]
        names = [name for name in columns if name != "id"]
        shared = {name: first[name] for name in names if all(r[name] == first[name] for r in group)}
        varying = tuple(name for name in names if name not in shared)
        of_ids, by_id = _updates(dialect, tuple(shared), varying)
        for chunk in chunked(group, CHUNK):
            if of_ids is not None:
                session.execute(of_ids, {"ids": [row["id"] for row in chunk], **shared})
            if by_id is not None:
                values = [{"listing_id": row["id"]} | {n: row[n] for n in varying} for row in chunk]
                session.execute(by_id, values)


@cache
def _updates(dialect: str, shared: tuple[str, ...], varying: tuple[str, ...]) -> tuple[Any, Any]:
    """`_bulk_update`'s two statements for one set of columns, built once: the `shared`
    columns set for the ids in "ids", and the `varying` ones for the id in "listing_id" (per
    row). Building an UPDATE and binding its values cost a chunk of 50 stock results more
    than sending it (a twentieth of a lifted Lazada push)."""
    table = Listing.__table__
    assert isinstance(table, Table)
    of_ids = (
        update(table)
        .where(among_bound(dialect, table.c.id, "ids"))
        .values({name: bindparam(name) for name in shared})
        if shared
        else None
    )
    by_id = (
        update(table)
        .where(table.c.id == bindparam("listing_id"))
        .values({name: bindparam(name) for name in varying})
        if varying
        else None
    )
    return of_ids, by_id


def _confirmed(kind: str, sent: Any, result: ItemResult) -> dict[str, Any]:
    """The confirmed columns for what was sent (not what is desired now: it may have moved)."""
    if kind == "stock":
        return {
            "confirmed_stock": sent.stock,
            "stock_recheck": False,
            "held_stock": None,
            "held_since": None,
        }
    if kind == "prices":
        return {"confirmed_price": sent.price}
    confirmed: dict[str, Any] = {"confirmed_hash": draft_hash(sent)}
    if kind == "created":
        ref = result.ref
        if ref is None:
            raise RuntimeError(f"connector created {sent.sku} without returning its ref")
        confirmed |= {
            "item_id": ref.item_id,
            "variant_id": ref.variant_id,
            "confirmed_stock": sent.stock,
            "confirmed_price": sent.price,
            "create_started_at": None,
        }
    return confirmed
