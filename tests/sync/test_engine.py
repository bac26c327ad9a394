"""The sync engine end to end against an in-memory marketplace, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from lapak.sync import progress
from lapak.sync import push as push_module
from lapak.sync.changes import products_changed
from lapak.sync.dispatch import request_pushes
from lapak.sync.orders import ingest_orders
from lapak.sync.protocol import PermanentError, ThrottledError
from lapak.sync.pull import fetch_orders, pull_orders
from lapak.sync.push import push_store
from lapak.sync.queue import QueueError, claim, list_orders, ship
from lapak.sync.setup import StoreSettings, apply_settings
from lapak.sync.shipping import confirm_shipment
from lapak.sync.store.db import Database
from lapak.sync.store.models import Listing, Order, Product, Reservation, Store
from lapak.sync.types import (
    ListingRef,
    OrderStatus,
    RemoteListing,
    RemoteOrder,
    RemoteOrderLine,
    StockUpdate,
)
from sqlalchemy import func, select

from tests.sync.memory_connector import MemoryConnector

NOW = datetime.now(UTC)
UNCUT = 600.0
"""A push budget no test run reaches, for tests about something other than the budget."""


class Recorder:
    def __init__(self) -> None:
        self.pushes: list[int] = []
        self.ships: list[int] = []

    def push(self, store_id: int) -> None:
        self.pushes.append(store_id)

    def fetch_orders(self, store_id: int, external_ids: object) -> None:
        return None

    def ship(self, order_id: int) -> None:
        self.ships.append(order_id)

    def process_webhooks(self, store_id: int) -> None:
        return None


def setup_shop(db: Database, *, products: int = 3, on_hand: int = 10) -> dict[str, int]:
    stores = apply_settings(
        db,
        ["batik"],
        [
            StoreSettings(
                "a",
                "memory",
                "batik",
                stock_buffer=0,
                markup_percent=Decimal(10),
                round_to=Decimal(500),
            ),
            StoreSettings("b", "memory", "batik", stock_buffer=2),
        ],
    )
    with db.session() as session:
        merchant_id = session.scalar(select(Store.merchant_id).where(Store.name == "a"))
        ids = []
        for n in range(products):
            product = Product(
                merchant_id=merchant_id,
                sku=f"SKU-{n}",
                group_sku=f"SKU-{n}",
                name=f"Batik {n}",
                description="",
                price=Decimal(10_000 + n),
                weight_grams=200,
                image_urls=[],
                categories={},
                on_hand=on_hand,
            )
            session.add(product)
            session.flush()
            ids.append(product.id)
        products_changed(session, ids)
    return stores


def order(external_id: str, sku: str, quantity: int, status: OrderStatus, **kw) -> RemoteOrder:
    return RemoteOrder(
        external_id=external_id,
        status=status,
        created_at=kw.get("created_at", NOW),
        updated_at=kw.get("updated_at", NOW),
        lines=(RemoteOrderLine("1", sku, quantity, Decimal(10_000)),),
        total=Decimal(10_000 * quantity),
        currency="IDR",
        buyer_city="Yogyakarta",
        ship_by=kw.get("ship_by", NOW + timedelta(days=2)),
    )


def listing(db: Database, store_id: int, sku: str) -> Listing:
    with db.session() as session:
        return session.scalars(
            select(Listing).join(Product).where(Listing.store_id == store_id, Product.sku == sku)
        ).one()


def test_publish_applies_buffers_and_price_rules(db: Database) -> None:
    stores = setup_shop(db)
    a, b = MemoryConnector(), MemoryConnector()
    report = push_store(db, stores["a"], a)
    push_store(db, stores["b"], b)
    assert report.created == 3
    assert a.stock_of("SKU-0") == 10 and b.stock_of("SKU-0") == 8  # buffer 2 on b
    assert a.price_of("SKU-1") == Decimal(11_500)  # 10,001 × 1.1 rounded up to 500
    assert not listing(db, stores["a"], "SKU-0").dirty
    again = push_store(db, stores["a"], a)
    assert again.as_counts() == {}  # nothing due: level-triggered, not repeated


def test_order_reserves_once_and_other_store_stock_drops(db: Database) -> None:
    stores = setup_shop(db)
    a, b = MemoryConnector(), MemoryConnector()
    push_store(db, stores["a"], a)
    push_store(db, stores["b"], b)
    a.orders["O1"] = order("O1", "SKU-0", 3, OrderStatus.READY_TO_SHIP)
    first = pull_orders(db, stores["a"], a, now=NOW + timedelta(seconds=1))
    second = fetch_orders(db, stores["a"], a, ["O1"])  # the same order again (webhook)
    assert (first.new_orders, second.new_orders) == (1, 0)
    assert first.stores_to_push == {stores["a"], stores["b"]}
    with db.session() as session:
        assert session.scalar(select(func.sum(Reservation.quantity))) == 3
    push_store(db, stores["b"], b)
    assert b.stock_of("SKU-0") == 5  # 10 − 3 reserved − 2 buffer
    assert len(list_orders(db)) == 1


def test_cancel_releases_and_ship_deducts(db: Database) -> None:
    stores = setup_shop(db)
    a = MemoryConnector()
    with db.session() as session:
        store = session.get_one(Store, stores["a"])
        ingest_orders(session, store, [order("C", "SKU-1", 2, OrderStatus.READY_TO_SHIP)])
        ingest_orders(session, store, [order("S", "SKU-2", 4, OrderStatus.READY_TO_SHIP)])
        ingest_orders(session, store, [order("C", "SKU-1", 2, OrderStatus.CANCELLED)])
    recorder = Recorder()
    target = next(o for o in list_orders(db) if o.external_id == "S")
    claim(db, "dewi", ["a"], target.id)
    with pytest.raises(QueueError) as taken:
        claim(db, "rina", ["a"], target.id)
    assert taken.value.kind == "conflict"
    ship(db, recorder, "dewi", ["a"], target.id, "JNE123")
    assert recorder.ships == [target.id]
    a.orders["S"] = order("S", "SKU-2", 4, OrderStatus.READY_TO_SHIP)
    assert confirm_shipment(db, target.id, a).outcome == "confirmed"
    assert a.shipped == {"S": "JNE123"}
    with db.session() as session:
        states = {q: s for q, s in session.execute(select(Reservation.quantity, Reservation.state))}
        on_hand = {k: n for k, n in session.execute(select(Product.sku, Product.on_hand))}
    assert states == {2: "released", 4: "deducted"}
    assert on_hand == {"SKU-0": 10, "SKU-1": 10, "SKU-2": 6}
    assert confirm_shipment(db, target.id, a).outcome == "skipped:confirmed"


def test_a_return_puts_shipped_units_back_on_hand_once(db: Database) -> None:
    stores = setup_shop(db)
    with db.session() as session:
        store = session.get_one(Store, stores["a"])
        ingest_orders(session, store, [order("R", "SKU-1", 3, OrderStatus.READY_TO_SHIP)])
        ingest_orders(session, store, [order("R", "SKU-1", 3, OrderStatus.SHIPPED)])
        ingest_orders(session, store, [order("U", "SKU-2", 2, OrderStatus.READY_TO_SHIP)])
    with db.session() as session:
        assert session.scalar(select(Product.on_hand).where(Product.sku == "SKU-1")) == 7
        store = session.get_one(Store, stores["a"])
        for _ in range(2):  # by poll and by webhook: restored once
            ingest_orders(session, store, [order("R", "SKU-1", 3, OrderStatus.RETURNED)])
        # returned before Lapak saw it shipped: the units never left, the hold just ends
        ingest_orders(session, store, [order("U", "SKU-2", 2, OrderStatus.RETURNED)])
        ingest_orders(session, store, [order("R", "SKU-1", 3, OrderStatus.COMPLETED)])
    with db.session() as session:
        states = {q: s for q, s in session.execute(select(Reservation.quantity, Reservation.state))}
        on_hand = {k: n for k, n in session.execute(select(Product.sku, Product.on_hand))}
        statuses = set(session.scalars(select(Order.status)))
    assert states == {3: "returned", 2: "released"}
    assert on_hand == {"SKU-0": 10, "SKU-1": 10, "SKU-2": 10}
    assert statuses == {"returned"}


def test_an_order_event_re_asserts_stock_on_its_own_store_only(db: Database) -> None:
    """WooCommerce takes stock at payment, Shopee at checkout: after any order event the
    store's own stock is checked again, even when Lapak's reservation did not move. A store
    showing less than Lapak last set may have sold something Lapak has not taken in: the
    increase waits for the store's orders to be pulled, then Lapak's value is restored."""
    stores = setup_shop(db)
    a, b = MemoryConnector(), MemoryConnector()
    with db.session() as session:
        store = session.get_one(Store, stores["a"])
        intake = ingest_orders(session, store, [order("P", "SKU-1", 2, OrderStatus.UNPAID)])
        products_changed(session, intake.changed_product_ids)
    push_store(db, stores["a"], a)
    push_store(db, stores["b"], b)
    held = a.listings["SKU-1"]
    a.listings["SKU-1"] = replace(held, stock=held.stock - 2)  # taken at payment
    with db.session() as session:
        store = session.get_one(Store, stores["a"])
        intake = ingest_orders(session, store, [order("P", "SKU-1", 2, OrderStatus.READY_TO_SHIP)])
        assert products_changed(session, intake.changed_product_ids) == set()
        assert intake.own_stock_unconfirmed
    assert listing(db, stores["a"], "SKU-1").dirty and not listing(db, stores["b"], "SKU-1").dirty
    assert push_store(db, stores["a"], a).held == 1
    assert a.stock_of("SKU-1") == 6  # not raised before the store's orders are in
    a.orders["P"] = order("P", "SKU-1", 2, OrderStatus.READY_TO_SHIP)
    pull_orders(db, stores["a"], a)
    push_store(db, stores["a"], a)
    assert a.stock_of("SKU-1") == 8  # 10 on hand − 2 reserved, as Lapak wants it


def test_reseller_sees_only_their_stores(db: Database) -> None:
    stores = setup_shop(db)
    with db.session() as session:
        store_b = session.get_one(Store, stores["b"])
        ingest_orders(session, store_b, [order("B1", "SKU-0", 1, OrderStatus.READY_TO_SHIP)])
    assert list_orders(db, ["a"]) == []
    only = list_orders(db, ["b"])[0]
    with pytest.raises(QueueError) as denied:
        claim(db, "dewi", ["a"], only.id)
    assert denied.value.kind == "forbidden"


def test_change_during_push_stays_dirty(db: Database) -> None:
    stores = setup_shop(db, products=1)
    a = MemoryConnector()
    push_store(db, stores["a"], a)
    original = a.update_stock

    def update_stock_while_an_order_lands(updates):  # type: ignore[no-untyped-def]
        with db.session() as session:
            store = session.get_one(Store, stores["a"])
            intake = ingest_orders(session, store, [order("X", "SKU-0", 1, OrderStatus.UNPAID)])
            products_changed(session, intake.changed_product_ids)
        return original(updates)

    with db.session() as session:
        session.execute(Product.__table__.update().values(on_hand=7))
        products_changed(session, session.scalars(select(Product.id)).all())
    a.update_stock = update_stock_while_an_order_lands  # type: ignore[method-assign]
    push_store(db, stores["a"], a)
    assert a.stock_of("SKU-0") == 6  # the second pass pushed the order's reservation too
    assert not listing(db, stores["a"], "SKU-0").dirty


def test_permanent_failure_is_held_and_rest_of_batch_goes_on(db: Database) -> None:
    stores = setup_shop(db)
    a = MemoryConnector()
    a.fail_skus["SKU-1"] = True
    report = push_store(db, stores["a"], a)
    assert (report.created, report.failed) == (2, 1)
    failed = listing(db, stores["a"], "SKU-1")
    assert failed.failed and "refused by test" in (failed.last_error or "")
    assert push_store(db, stores["a"], a).as_counts() == {}  # held, not hammered
    with db.session() as session:
        session.execute(Product.__table__.update().where(Product.sku == "SKU-1").values(on_hand=4))
        products_changed(session, session.scalars(select(Product.id)).all())
    del a.fail_skus["SKU-1"]
    assert push_store(db, stores["a"], a).created == 1  # a new desired state is tried again


def test_existing_listings_are_adopted_not_duplicated(db: Database) -> None:
    stores = setup_shop(db)
    a = MemoryConnector()
    from lapak.sync.types import ListingRef, RemoteListing

    a.listings["SKU-0"] = RemoteListing(ListingRef("SKU-0", "777"), 99, Decimal(1))
    report = push_store(db, stores["a"], a)
    assert (report.adopted, report.created) == (1, 2)
    assert a.listings["SKU-0"].ref.item_id == "777"
    assert a.stock_of("SKU-0") == 10  # the catalog is the master


def test_a_large_store_is_adopted_chunk_by_chunk_as_its_scan_goes(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scan is bound a chunk at a time (bounded memory at 100,000 listings), the first
    listing the scan reports for a SKU winning."""
    monkeypatch.setattr(push_module, "ADOPT_CHUNK", 2)
    stores = setup_shop(db, products=5)
    bound_when_yielded: list[int] = []

    class Scanned(MemoryConnector):
        def scan_listings(self) -> Iterator[RemoteListing]:
            for n in (0, 1, 2, 3, 4, 0):  # SKU-0 again last: a stray
                with db.session() as session:
                    bound_when_yielded.append(
                        session.scalar(
                            select(func.count()).where(
                                Listing.store_id == stores["a"], Listing.item_id.is_not(None)
                            )
                        )
                        or 0
                    )
                item = "stray" if len(bound_when_yielded) == 6 else f"77{n}"
                yield RemoteListing(ListingRef(f"SKU-{n}", item), 4, Decimal(1))

    report = push_store(db, stores["a"], Scanned())
    assert report.adopted == 5 and report.created == 0
    assert bound_when_yielded == [0, 0, 2, 2, 4, 4]
    with db.session() as session:
        item = session.scalar(
            select(Listing.item_id)
            .join(Product, Listing.product_id == Product.id)
            .where(Listing.store_id == stores["a"], Product.sku == "SKU-0")
        )
    assert item == "770"


def test_push_requests_coalesce(db: Database) -> None:
    stores = setup_shop(db)
    recorder = Recorder()
    request_pushes(db, recorder, [stores["a"], stores["a"], stores["b"]])
    request_pushes(db, recorder, [stores["a"]])
    assert recorder.pushes == [stores["a"], stores["b"]]
    push_store(db, stores["a"], MemoryConnector())  # a push that starts clears the request
    request_pushes(db, recorder, [stores["a"]])
    assert recorder.pushes == [stores["a"], stores["b"], stores["a"]]


def test_orders_finished_before_connection_touch_no_stock(db: Database) -> None:
    stores = setup_shop(db)
    old = NOW - timedelta(days=2)
    with db.session() as session:
        store = session.get_one(Store, stores["a"])
        ingest_orders(session, store, [order("H", "SKU-0", 5, OrderStatus.SHIPPED, created_at=old)])
        ingest_orders(session, store, [order("H", "SKU-0", 5, OrderStatus.COMPLETED)])
        assert session.scalar(select(Product.on_hand).where(Product.sku == "SKU-0")) == 10


def test_worker_dying_after_create_does_not_duplicate(db: Database) -> None:
    stores = setup_shop(db)
    a = MemoryConnector()
    push_store(db, stores["a"], a)  # the first scan is done; later pushes skip it
    with db.session() as session:
        merchant_id = session.scalar(select(Store.merchant_id).where(Store.id == stores["a"]))
        session.add(
            Product(
                merchant_id=merchant_id,
                sku="NEW",
                group_sku="NEW",
                name="New",
                description="",
                price=Decimal(5_000),
                weight_grams=100,
                image_urls=[],
                categories={},
                on_hand=3,
            )
        )
        session.flush()
        products_changed(session, session.scalars(select(Product.id)).all())
    created = a.upsert_listings

    def create_then_die(drafts):  # type: ignore[no-untyped-def]
        created(drafts)
        raise SystemExit("worker killed before the answer was stored")

    a.upsert_listings = create_then_die  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        push_store(db, stores["a"], a)
    a.upsert_listings = created  # type: ignore[method-assign]
    item_id = a.listings["NEW"].ref.item_id
    held = push_store(db, stores["a"], a)  # the intent may still be another push's: hands off
    assert (held.adopted, held.created) == (0, 0)
    # the hold runs out with no answer recorded (or an embedded restart knows it is over)
    assert push_module.release_create_intents(db) == 1
    report = push_store(db, stores["a"], a)
    assert (report.adopted, report.created) == (1, 0)
    assert a.listings["NEW"].ref.item_id == item_id  # bound to the one created, not a twin
    assert listing(db, stores["a"], "NEW").item_id == item_id


def test_creates_go_side_by_side_and_a_throttle_stops_the_push_after_the_rest_is_recorded(
    db: Database,
) -> None:
    """A store's first listings are created `limits.parallel_calls` calls at a time; one
    call throttled beyond its wait stops the push, but the items the other calls of its
    round created are bound, not left for adoption."""
    stores = setup_shop(db, products=6)
    a = MemoryConnector()
    created = a.upsert_listings
    at_once = a.limits.parallel_calls
    first_round = threading.Barrier(at_once, timeout=30)  # broken unless all are in flight
    calls = itertools.count()

    def slow_create(drafts):  # type: ignore[no-untyped-def]
        if next(calls) < at_once:
            first_round.wait()
        if drafts[0].sku == "SKU-1":
            raise ThrottledError("429: wait 60 s", retry_after=60)
        return created(drafts)

    a.upsert_listings = slow_create  # type: ignore[method-assign]
    with pytest.raises(ThrottledError):
        push_store(db, stores["a"], a)
    assert at_once == 4 and not first_round.broken
    bound = {f"SKU-{n}": listing(db, stores["a"], f"SKU-{n}").item_id for n in range(6)}
    assert [sku for sku, item in bound.items() if item is None] == ["SKU-1", "SKU-4", "SKU-5"]
    assert all(a.listings[sku].ref.item_id == item for sku, item in bound.items() if item)
    assert listing(db, stores["a"], "SKU-1").create_started_at is not None  # adopted first
    a.upsert_listings = created  # type: ignore[method-assign]
    report = push_store(db, stores["a"], a)  # the throttled call is over: no hold to wait out
    assert (report.adopted, report.created) == (0, 3)
    assert all(listing(db, stores["a"], f"SKU-{n}").item_id for n in range(6))


def test_push_stops_at_its_budget_and_the_rest_follows(db: Database) -> None:
    stores = setup_shop(db)
    a = MemoryConnector()
    first = push_store(db, stores["a"], a, budget=0)
    assert first.incomplete and first.created == 0
    rest = push_store(db, stores["a"], a)
    assert not rest.incomplete and rest.created == 3


def _skus(calls: Sequence[ListingRef | StockUpdate]) -> list[str]:
    return [call.sku if isinstance(call, ListingRef) else call.ref.sku for call in calls]


def _record_stock_calls(
    market: MemoryConnector, keep: Callable[[Sequence[Any]], Any] = len
) -> tuple[list[Any], list[Any]]:
    """Lists that fill with `keep(refs)` of every stock read and `keep(updates)` of every
    stock write the market is asked for."""
    read: list[Any] = []
    sent: list[Any] = []
    original_read, original_update = market.read_stock, market.update_stock

    def read_stock(refs):  # type: ignore[no-untyped-def]
        read.append(keep(refs))
        return original_read(refs)

    def update_stock(updates):  # type: ignore[no-untyped-def]
        sent.append(keep(updates))
        return original_update(updates)

    market.read_stock = read_stock  # type: ignore[method-assign]
    market.update_stock = update_stock  # type: ignore[method-assign]
    return read, sent


def test_a_chunk_ends_at_an_item_boundary(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    stores = setup_shop(db, products=7)
    a = MemoryConnector()
    push_store(db, stores["a"], a)
    with db.session() as session:
        for item_id, skus in (("100", ["SKU-0", "SKU-1", "SKU-2"]), ("200", ["SKU-3", "SKU-4"])):
            product_ids = select(Product.id).where(Product.sku.in_(skus))
            session.execute(
                Listing.__table__.update()
                .where(Listing.store_id == stores["a"], Listing.product_id.in_(product_ids))
                .values(item_id=item_id)
            )
        session.execute(Product.__table__.update().values(on_hand=8))
        products_changed(session, session.scalars(select(Product.id)).all())
    monkeypatch.setattr(push_module, "CHUNK", 4)
    read, sent = _record_stock_calls(a, _skus)
    report = push_store(db, stores["a"], a)
    assert report.stock == 7
    # a full chunk leaves its last item (SKU-3 of item 200 goes on with SKU-4) to the next
    # one; a chunk whose last item ends in it stays full (SKU-6 is a single)
    assert read == [["SKU-0", "SKU-1", "SKU-2"], ["SKU-3", "SKU-4", "SKU-5", "SKU-6"]]
    # the first chunk's writes do not fill a call of this store-wide batch: they wait for
    # the next chunk's, and one call carries all seven (sync.stock_slices)
    assert sent == [[f"SKU-{n}" for n in range(7)]]
    assert all(a.stock_of(f"SKU-{n}") == 8 for n in range(7))


def test_single_sku_items_fill_whole_chunks(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store-wide batch (Tokopedia, Lazada…) is not cut short at a chunk's end."""
    stores = setup_shop(db, products=8)
    a = MemoryConnector()
    push_store(db, stores["a"], a)
    with db.session() as session:
        session.execute(Product.__table__.update().values(on_hand=9))
        products_changed(session, session.scalars(select(Product.id)).all())
    monkeypatch.setattr(push_module, "CHUNK", 4)
    read, sent = _record_stock_calls(a)
    assert push_store(db, stores["a"], a).stock == 8
    assert read == [4, 4]
    assert sent == [8]  # neither chunk fills a call: one call carries both


def test_the_next_slice_is_read_while_this_one_is_written(db: Database) -> None:
    """A slow write does not hold back the next slice's read (docs/push.md, "Reading while
    writing"): at a store that paces its writes apart, reads hide behind them."""
    stores = setup_shop(db, products=450)
    a = MemoryConnector()
    # no budget cut: on a loaded machine 450 creates can outlast the default 10 s
    assert not push_store(db, stores["a"], a, budget=UNCUT).incomplete
    with db.session() as session:
        session.execute(Product.__table__.update().values(on_hand=7))
        products_changed(session, session.scalars(select(Product.id)).all())
    read: list[int] = []
    sent: list[int] = []
    second_read = threading.Event()
    original_read, original_update = a.read_stock, a.update_stock

    def read_stock(refs):  # type: ignore[no-untyped-def]
        read.append(len(refs))
        if len(read) == 2:
            second_read.set()
        return original_read(refs)

    def update_stock(updates):  # type: ignore[no-untyped-def]
        if not sent:  # the first write lasts until the next slice is being read
            assert second_read.wait(timeout=30), "the next slice was not read during a write"
        sent.append(len(updates))
        return original_update(updates)

    a.read_stock = read_stock  # type: ignore[method-assign]
    a.update_stock = update_stock  # type: ignore[method-assign]
    assert push_store(db, stores["a"], a, budget=UNCUT).stock == 450
    # a slice is a round of write calls: 4 (parallel_calls) of 50 (stock_batch)
    assert read == [200, 200, 50]
    assert sent == [200, 200, 50]
    assert all(a.stock_of(f"SKU-{n}") == 7 for n in range(450))


class GarbledMarket(MemoryConnector):
    """Answers one order with garbage nested deeper than JSON can write."""

    def get_orders(self, external_ids):  # type: ignore[no-untyped-def]
        if "BAD" in external_ids:
            deep: object = {}
            for _ in range(100_000):
                deep = {"x": deep}
            raise PermanentError("order BAD: not an order", raw={"order_sn": "BAD", "x": deep})
        return super().get_orders(external_ids)


def test_an_unreadable_order_fails_alone_with_its_payload_kept(db: Database) -> None:
    stores = setup_shop(db)
    market = GarbledMarket()
    market.orders["OK"] = order("OK", "SKU-0", 1, OrderStatus.READY_TO_SHIP)
    report = fetch_orders(db, stores["a"], market, ["OK", "BAD"])
    assert report.new_orders == 1
    (unreadable,) = report.as_counts()["unreadable_orders"]
    assert unreadable["order"] == "BAD" and "not an order" in unreadable["error"]
    assert "order_sn" in unreadable["raw"] and len(unreadable["raw"]) <= 4_000


def test_a_variant_group_backing_off_is_created_whole_when_its_first_member_is_due(
    db: Database,
) -> None:
    """Each listing of a group that failed to be created gets its own jittered `retry_at`;
    the group is still sent whole once any member is due. (Created alone, the first size
    became its own product and Tokopedia refused the next size's create by its name.)"""
    stores = setup_shop(db, products=0)
    with db.session() as session:
        merchant_id = session.scalar(select(Store.merchant_id).where(Store.id == stores["a"]))
        for size in ("M", "L"):
            session.add(
                Product(
                    merchant_id=merchant_id,
                    sku=f"KAWUNG-{size}",
                    group_sku="KAWUNG",
                    variant_name=size,
                    name="Kemeja Batik Kawung",
                    description="",
                    price=Decimal(175_000),
                    weight_grams=260,
                    image_urls=[],
                    categories={},
                    on_hand=5,
                )
            )
        session.flush()
        products_changed(session, session.scalars(select(Product.id)).all())
    a = MemoryConnector()
    a.fail_skus = {"KAWUNG-M": False, "KAWUNG-L": False}  # a 5xx for the group's create
    assert push_store(db, stores["a"], a).deferred == 2
    a.fail_skus = {}
    with db.session() as session:  # the jitter made L due first
        for sku, retry_at in (
            ("KAWUNG-L", NOW - timedelta(seconds=1)),
            ("KAWUNG-M", NOW + timedelta(hours=1)),
        ):
            row = session.scalars(
                select(Listing)
                .join(Product)
                .where(Listing.store_id == stores["a"], Product.sku == sku)
            ).one()
            row.retry_at = retry_at
    a.calls.clear()
    report = push_store(db, stores["a"], a)
    assert report.created == 2
    assert [call for call in a.calls if call[0] == "upsert"] == [("upsert", 2)]
    assert listing(db, stores["a"], "KAWUNG-M").item_id is not None


def test_a_listing_backs_off_after_a_transient_failure_until_its_retry_lands(
    db: Database,
) -> None:
    """`progress.backing_off` (what `lapak demo`'s summary waits on after chaos)."""
    stores = setup_shop(db, products=1)
    a = MemoryConnector()
    a.fail_skus["SKU-0"] = False  # transient
    push_store(db, stores["a"], a)
    assert progress.backing_off(db)

    del a.fail_skus["SKU-0"]
    later = datetime.now(UTC) + timedelta(minutes=11)  # past any backoff
    push_store(db, stores["a"], a, clock=lambda: later)
    assert not progress.backing_off(db)
