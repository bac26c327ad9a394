"""The conformance suite: what every connector must do against its sandbox over real HTTP.

A new connector passes it or does not ship. `pytest -p lapak.testing --lapak-platform <platform>`
runs it (`lapak.testing`); its fixtures are in `lapak.testing.fixtures` and the image host and
webhook receiver in `lapak.testing.hosts`. The names in `__all__` are what a test module needs
to run the suite by importing it (`from lapak.testing.suite import *`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import SecretStr

from lapak.connectors.http import RetryPolicy
from lapak.sandboxes.kit.control import SandboxControl
from lapak.sync.protocol import (
    AuthError,
    Connector,
    ConnectorPlugin,
    PermanentError,
    TransientError,
)
from lapak.sync.types import (
    ItemResult,
    ListingDraft,
    ListingRef,
    OrderStatus,
    PriceUpdate,
    StockUpdate,
)
from lapak.testing.doubles import MemoryVault
from lapak.testing.fixtures import (
    STORE,
    app,
    connect,
    connector,
    control,
    credentials,
    pacer,
    plugin,
    pytest_generate_tests,
    retry_policy,
    server,
    target,
    vault,
)
from lapak.testing.hosts import Received, images, receiver

__all__ = [
    "app",
    "connect",
    "connector",
    "control",
    "credentials",
    "images",
    "pacer",
    "plugin",
    "pytest_generate_tests",
    "pytestmark",
    "receiver",
    "retry_policy",
    "server",
    "target",
    "test_a_5xx_storm_is_a_transient_failure",
    "test_a_malformed_body_or_a_timeout_is_transient",
    "test_a_webhook_is_verified_parsed_and_a_bad_signature_rejected",
    "test_adopt_existing_listings_without_duplicates",
    "test_an_expired_token_is_refreshed_and_a_revoked_one_refused",
    "test_an_order_moves_on_and_cancel_and_return_give_stock_back",
    "test_get_orders_in_batches_with_their_lines_and_statuses",
    "test_publish_a_catalog_with_variants",
    "test_pull_orders_across_window_and_page_boundaries",
    "test_read_stock_back_sees_a_hand_edit_and_omits_a_vanished_listing",
    "test_ship_with_a_tracking_number",
    "test_stock_and_prices_in_batches_with_one_item_failing",
    "test_the_plugin_builds_a_connector_and_its_sandbox",
    "test_throttling_and_5xx_are_survived_by_retrying",
    "vault",
]

TIMEOUT_SECONDS = 120
"""Per test: a connector that hangs fails its test instead of holding the run (pytest-timeout,
which the `testing` extra installs)."""
pytestmark = pytest.mark.timeout(TIMEOUT_SECONDS)

DAY = 86400.0


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _draft(control: SandboxControl, image_base: str, sku: str, group: str, **fields: Any):
    values: dict[str, Any] = {
        "name": f"Produk {group} buatan UMKM Yogyakarta",
        "description": f"Deskripsi produk {group} buatan UMKM.",
        "price": Decimal(50000),
        "stock": 5,
        "weight_grams": 300,
        "image_urls": (f"{image_base}/img/{group.lower()}.png",),
        "category_id": control.sample_category,
    }
    values.update(fields)
    return ListingDraft(sku=sku, group=group, **values)


def _skus(control: SandboxControl) -> Counter[str]:
    return Counter(row.sku for row in control.listings(STORE))


def _by_sku(control: SandboxControl) -> dict[str, Any]:
    return {row.sku: row for row in control.listings(STORE)}


def _refs(connector: Connector) -> dict[str, ListingRef]:
    return {listing.ref.sku: listing.ref for listing in connector.scan_listings()}


def _ok(results: Sequence[ItemResult]) -> None:
    failed = [(r.sku, r.error) for r in results if not r.ok]
    assert not failed, failed


# --- the plugin ----------------------------------------------------------------------------


def test_the_plugin_builds_a_connector_and_its_sandbox(
    plugin: ConnectorPlugin, connector: Connector, control: SandboxControl, credentials: dict
) -> None:
    assert isinstance(connector, Connector)
    assert isinstance(control, SandboxControl)
    assert connector.platform == plugin.platform == control.platform
    limits = plugin.limits
    assert limits.rate_per_second > 0 and limits.burst >= 1
    assert min(limits.stock_batch, limits.price_batch, limits.order_detail_batch) >= 1
    assert limits.order_page_size >= 1 and limits.order_window_days > 0
    validated = plugin.credentials_model.model_validate(credentials)
    secrets = [v.get_secret_value() for v in dict(validated).values() if isinstance(v, SecretStr)]
    assert secrets, "credentials hold at least one secret, as SecretStr"
    for secret in secrets:
        assert secret not in repr(validated) and secret not in str(validated)


# --- listings ------------------------------------------------------------------------------


def test_publish_a_catalog_with_variants(
    connector: Connector, control: SandboxControl, images: tuple[str, Counter[str]]
) -> None:
    base = images[0]
    drafts = [
        _draft(control, base, "KAOS-S", "KAOS", variant_name="S", price=Decimal(75000), stock=3),
        _draft(control, base, "KAOS-M", "KAOS", variant_name="M", price=Decimal(75000), stock=4),
        _draft(control, base, "KAOS-L", "KAOS", variant_name="L", price=Decimal(80000), stock=0),
        _draft(control, base, "KOPI", "KOPI", price=Decimal(30000), stock=12),
        _draft(control, base, "TEH", "TEH", price=Decimal(15000), stock=7),
    ]

    results = connector.upsert_listings(drafts)

    _ok(results)
    assert [r.sku for r in results] == [d.sku for d in drafts]
    refs = {r.sku: r.ref for r in results}
    assert all(ref is not None and ref.sku == sku for sku, ref in refs.items())
    kaos = [refs[s] for s in ("KAOS-S", "KAOS-M", "KAOS-L")]
    assert len({ref.item_id for ref in kaos if ref}) == 1, "variants of one group: one item"
    assert len({ref.variant_id for ref in kaos if ref}) == 3
    assert refs["KOPI"].item_id != refs["TEH"].item_id  # type: ignore[union-attr]
    assert _skus(control) == Counter(d.sku for d in drafts)
    held = _by_sku(control)
    for draft in drafts:
        assert held[draft.sku].stock == draft.stock, draft.sku
        assert held[draft.sku].price == draft.price, draft.sku
    assert _refs(connector) == refs  # what a scan reports is what the creation returned


def test_adopt_existing_listings_without_duplicates(
    connector: Connector, control: SandboxControl, images: tuple[str, Counter[str]]
) -> None:
    batik = control.add_listing(
        STORE,
        sku="BATIK",
        name="Batik tulis",
        price=120000,
        variants=[("BATIK-M", "M", 120000, 4), ("BATIK-L", "L", 125000, 2)],
    )
    sambal = control.add_listing(STORE, sku="SAMBAL", name="Sambal roa", price=35000, stock=9)

    refs = _refs(connector)

    assert set(refs) == {"BATIK-M", "BATIK-L", "SAMBAL"}
    assert refs["BATIK-M"].item_id == refs["BATIK-L"].item_id == batik
    assert refs["SAMBAL"].item_id == sambal
    held = _by_sku(control)
    assert all(refs[sku].variant_id == held[sku].variant_id for sku in refs)

    base = images[0]
    bound = [
        _draft(
            control,
            base,
            sku,
            group,
            ref=refs[sku],
            name=f"{group} tulis halus, dijual lewat Lapak",
            **extra,
        )
        for sku, group, extra in [
            ("BATIK-M", "BATIK", {"variant_name": "M", "price": Decimal(130000), "stock": 4}),
            ("BATIK-L", "BATIK", {"variant_name": "L", "price": Decimal(135000), "stock": 2}),
            ("SAMBAL", "SAMBAL", {"price": Decimal(36000), "stock": 9}),
        ]
    ]
    results = connector.upsert_listings(bound)

    _ok(results)
    assert {r.sku: r.ref for r in results} == refs
    assert _skus(control) == Counter({"BATIK-M": 1, "BATIK-L": 1, "SAMBAL": 1})
    assert _refs(connector) == refs


def _seed(control: SandboxControl, singles: int, variants: int) -> None:
    """`singles` one-SKU items (S0000…) and one item with `variants` variants (V-000…)."""
    for n in range(singles):
        control.add_listing(STORE, sku=f"S{n:04d}", name=f"Barang {n}", price=10000, stock=1)
    control.add_listing(
        STORE,
        sku="V",
        name="Varian",
        price=20000,
        variants=[(f"V-{n:03d}", f"opsi {n}", 20000, 1) for n in range(variants)],
    )


def _expected_calls(plugin: ConnectorPlugin, refs: Sequence[ListingRef], batch: int) -> int:
    """The calls allowed for updates of these refs, one of which is refused: the fewest,
    plus one for resending the batch the refused item was in (on a platform where one bad
    item makes the whole call apply nothing)."""
    return plugin.limits.fewest_calls(refs, batch) + 1


def _vanished(connector: Connector, control: SandboxControl) -> ListingRef:
    """A bound listing the seller has since deleted on the marketplace."""
    control.add_listing(STORE, sku="GONE", name="Sudah dihapus", price=10000, stock=1)
    ref = _refs(connector)["GONE"]
    control.remove_listing(STORE, "GONE")
    return ref


def test_stock_and_prices_in_batches_with_one_item_failing(
    plugin: ConnectorPlugin, connector: Connector, control: SandboxControl
) -> None:
    batch = plugin.limits.stock_batch
    _seed(control, singles=batch + 1, variants=min(batch + 1, 60))
    gone = _vanished(connector, control)
    refs = list(_refs(connector).values())
    connector.update_stock([StockUpdate(refs[0], 1)])  # warm: token, caches
    updates = [StockUpdate(ref, 40 + n % 7) for n, ref in enumerate(refs)]
    updates.insert(len(updates) // 2, StockUpdate(gone, 3))
    control.reset_calls()

    results = connector.update_stock(updates)

    assert [r.sku for r in results] == [u.ref.sku for u in updates]
    failed = [r for r in results if not r.ok]
    assert [(r.sku, r.permanent) for r in failed] == [("GONE", True)]
    assert failed[0].error
    held = _by_sku(control)
    assert all(held[u.ref.sku].stock == u.stock for u in updates if u.ref is not gone)
    calls = sum(control.call_counts().values())
    allowed = _expected_calls(plugin, [u.ref for u in updates], batch)
    assert calls <= allowed, f"{calls} calls for {len(updates)} stock updates; at most {allowed}"

    batch = plugin.limits.price_batch
    prices = [PriceUpdate(ref, Decimal(11000 + 100 * n)) for n, ref in enumerate(refs)]
    prices.insert(1, PriceUpdate(gone, Decimal(5000)))
    control.reset_calls()

    results = connector.update_prices(prices)

    assert [(r.sku, r.permanent) for r in results if not r.ok] == [("GONE", True)]
    held = _by_sku(control)
    assert all(held[p.ref.sku].price == p.price for p in prices if p.ref is not gone)
    calls = sum(control.call_counts().values())
    allowed = _expected_calls(plugin, [p.ref for p in prices], batch)
    assert calls <= allowed, f"{calls} calls for {len(prices)} price updates; at most {allowed}"


def test_read_stock_back_sees_a_hand_edit_and_omits_a_vanished_listing(
    connector: Connector, control: SandboxControl
) -> None:
    _seed(control, singles=3, variants=2)
    gone = _vanished(connector, control)
    refs = _refs(connector)
    control.set_stock(STORE, "S0001", 17)
    control.set_stock(STORE, "V-001", 4)

    read = connector.read_stock([*refs.values(), gone])

    stock = {listing.ref.sku: listing.stock for listing in read}
    assert stock == {"S0000": 1, "S0001": 17, "S0002": 1, "V-000": 1, "V-001": 4}
    assert {listing.ref for listing in read} == set(refs.values())


# --- orders --------------------------------------------------------------------------------


def _stocked(control: SandboxControl) -> None:
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=100_000)
    control.add_listing(STORE, sku="GULA", name="Gula", price=15000, stock=100_000)


def test_pull_orders_across_window_and_page_boundaries(
    plugin: ConnectorPlugin, connector: Connector, control: SandboxControl
) -> None:
    _stocked(control)
    limits = plugin.limits
    start = control.now()
    placed = [control.place_order(STORE, [("KOPI", 1)]) for _ in range(limits.order_page_size + 7)]
    days = math.ceil(limits.order_window_days) + 3 if limits.order_window_days <= 30 else 5
    for _ in range(days):  # past the end of the first window
        control.advance_clock(DAY)
        placed += [control.place_order(STORE, [("GULA", 1)]) for _ in range(2)]

    ids = list(connector.list_order_ids(_moment(start - 60), _moment(control.now() + 60)))

    assert len(ids) == len(set(ids)), "an order listed twice"
    assert set(ids) == set(placed), f"missing {len(set(placed) - set(ids))}"
    assert set(control.order_ids(STORE)) == set(placed)


def test_get_orders_in_batches_with_their_lines_and_statuses(
    plugin: ConnectorPlugin, connector: Connector, control: SandboxControl
) -> None:
    _stocked(control)
    count = min(plugin.limits.order_detail_batch + 3, 60)
    placed = [control.place_order(STORE, [("KOPI", 2), ("GULA", 1)]) for _ in range(count)]
    unpaid = control.place_order(STORE, [("KOPI", 1)], paid=False)
    cancelled = control.place_order(STORE, [("GULA", 1)])
    control.change_order(STORE, cancelled, "cancel")
    wanted = [*placed, unpaid, cancelled]

    orders = connector.get_orders(wanted)

    assert [o.external_id for o in orders] == wanted
    first = orders[0]
    assert first.status is OrderStatus.READY_TO_SHIP
    lines = sorted((x.sku, x.quantity, x.unit_price) for x in first.lines)
    assert lines == [("GULA", 1, Decimal(15000)), ("KOPI", 2, Decimal(30000))]
    assert len({x.line_key for x in first.lines}) == 2
    assert first.total == Decimal(75000) and first.currency
    assert first.created_at.tzinfo is not None and first.updated_at >= first.created_at
    assert first.buyer_city
    by_id = {o.external_id: o for o in orders}
    assert by_id[unpaid].status is OrderStatus.UNPAID
    assert by_id[cancelled].status is OrderStatus.CANCELLED


def test_an_order_moves_on_and_cancel_and_return_give_stock_back(
    connector: Connector, control: SandboxControl
) -> None:
    _stocked(control)
    order = control.place_order(STORE, [("KOPI", 3)], paid=False)
    assert connector.get_orders([order])[0].status is OrderStatus.UNPAID
    control.change_order(STORE, order, "pay")
    assert connector.get_orders([order])[0].status is OrderStatus.READY_TO_SHIP
    connector.ship_order(order, "SICEPAT001")
    assert connector.get_orders([order])[0].status is OrderStatus.SHIPPED
    control.change_order(STORE, order, "complete")
    assert connector.get_orders([order])[0].status is OrderStatus.COMPLETED
    assert _by_sku(control)["KOPI"].stock == 100_000 - 3
    control.change_order(STORE, order, "return")
    assert connector.get_orders([order])[0].status is OrderStatus.RETURNED
    assert _by_sku(control)["KOPI"].stock == 100_000

    dropped = control.place_order(STORE, [("GULA", 2)])
    assert _by_sku(control)["GULA"].stock == 100_000 - 2
    control.change_order(STORE, dropped, "cancel")
    assert connector.get_orders([dropped])[0].status is OrderStatus.CANCELLED
    assert _by_sku(control)["GULA"].stock == 100_000


def test_ship_with_a_tracking_number(connector: Connector, control: SandboxControl) -> None:
    _stocked(control)
    order = control.place_order(STORE, [("KOPI", 1)])

    recorded = connector.ship_order(order, "JNE0001")

    tracking = recorded or "JNE0001"  # some marketplaces assign their own (Lazada)
    assert control.order(STORE, order).tracking_number == tracking
    assert connector.get_orders([order])[0].status is OrderStatus.SHIPPED
    assert connector.ship_order(order, "JNE0001") in (None, tracking)  # a repeat is fine
    if recorded is None:  # the marketplace keeps the seller's number: another one is refused
        with pytest.raises(PermanentError):
            connector.ship_order(order, "JNE9999")
    unpaid = control.place_order(STORE, [("KOPI", 1)], paid=False)
    with pytest.raises(PermanentError):
        connector.ship_order(unpaid, "JNE0002")
    cancelled = control.place_order(STORE, [("KOPI", 1)])
    control.change_order(STORE, cancelled, "cancel")
    with pytest.raises(PermanentError):
        connector.ship_order(cancelled, "JNE0003")
    assert control.order(STORE, unpaid).tracking_number is None


# --- tokens and failures -------------------------------------------------------------------


def test_an_expired_token_is_refreshed_and_a_revoked_one_refused(
    connector: Connector, control: SandboxControl, vault: MemoryVault
) -> None:
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=10)
    assert set(_refs(connector)) == {"KOPI"}
    refreshes = vault.refreshes
    control.expire_token(STORE)

    if control.tokens_expire:  # renewed once, and the refused call made again
        assert set(_refs(connector)) == {"KOPI"}
        assert vault.refreshes == refreshes + 1
    else:  # revoked credentials: refused at once, no retry loop
        with pytest.raises(AuthError):
            list(connector.scan_listings())


def test_throttling_and_5xx_are_survived_by_retrying(
    connector: Connector, control: SandboxControl
) -> None:
    _seed(control, singles=4, variants=3)
    refs = list(_refs(connector).values())
    control.set_faults(throttle_rate=0.3, error_rate=0.15)

    results = connector.update_stock([StockUpdate(ref, 9) for ref in refs])
    _ok(results)
    control.set_faults()
    assert all(row.stock == 9 for row in control.listings(STORE))


def test_a_5xx_storm_is_a_transient_failure(connector: Connector, control: SandboxControl) -> None:
    _seed(control, singles=2, variants=0)
    refs = list(_refs(connector).values())
    control.set_faults(error_rate=1.0)

    with pytest.raises(TransientError):
        connector.get_orders(["1234567"])
    with pytest.raises(TransientError):
        list(connector.list_order_ids(_moment(control.now() - 3600), _moment(control.now())))
    try:
        results = connector.update_stock([StockUpdate(ref, 2) for ref in refs])
    except TransientError:
        pass
    else:
        assert [(r.ok, r.permanent) for r in results] == [(False, False)] * len(refs)

    control.set_faults()
    _ok(connector.update_stock([StockUpdate(ref, 2) for ref in refs]))


def test_a_malformed_body_or_a_timeout_is_transient(
    connect: Callable[..., Connector], connector: Connector, control: SandboxControl
) -> None:
    control.set_faults(malformed_rate=1.0)
    with pytest.raises(TransientError):
        list(connector.scan_listings())
    control.set_faults(timeout_rate=1.0, timeout_seconds=1.0)
    hasty = connect(timeout=0.2, retry_policy=RetryPolicy(attempts=2, base_delay=0.01))
    with pytest.raises(TransientError):
        list(hasty.scan_listings())


# --- webhooks ------------------------------------------------------------------------------


def test_a_webhook_is_verified_parsed_and_a_bad_signature_rejected(
    connector: Connector, control: SandboxControl, receiver: tuple[str, Received]
) -> None:
    url, received = receiver
    control.set_webhook_url(STORE, url)
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=10)

    order = control.place_order(STORE, [("KOPI", 1)])
    assert control.flush_webhooks(5)

    assert received, "the sandbox pushed nothing"
    events = []
    for headers, body in received:
        assert connector.verify_webhook(url, headers, body)
        events.append(connector.parse_webhook(body, headers))
    assert any(order in event.order_ids for event in events)
    headers, body = received[0]
    assert not connector.verify_webhook(url, headers, body + b" ")
    assert not connector.verify_webhook(url, headers, body.replace(b"1", b"2", 1))
    assert not connector.verify_webhook(url, {}, body)
