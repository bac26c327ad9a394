"""The resellers' JSON API: every status path, on SQLite and PostgreSQL.

Three resellers: dewi and budi share shop-a, sari has shop-b only. Orders come in through
the real intake (`ingest_orders`); shipments are confirmed or refused by an in-memory
marketplace (`MemoryConnector`) through the real `confirm_shipment`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lapak.config import load_config
from lapak.sync.catalog import import_catalog
from lapak.sync.orders import ingest_orders
from lapak.sync.shipping import confirm_shipment
from lapak.sync.store.db import Database
from lapak.sync.store.models import Merchant, Order, Store
from lapak.sync.types import OrderStatus, RemoteOrder, RemoteOrderLine
from lapak.web.app import create_app
from lapak.wiring.runtime import Runtime
from sqlalchemy import select, update

from tests.shopee_setup import shop_env, write_catalog, write_config
from tests.sync.memory_connector import MemoryConnector

TOKENS = {"dewi": "dewi-token-123456", "budi": "budi-token-abcdef", "sari": "sari-token-987654"}
OPERATOR_TOKEN = "ops-token-0123456789"


def now() -> datetime:
    """Read at use: the suite may run this test minutes after importing the module."""
    return datetime.now(UTC)


class Recorder:
    """The dispatcher: records the jobs the web process asks for."""

    def __init__(self) -> None:
        self.ships: list[int] = []

    def push(self, store_id: int) -> None:
        return None

    def fetch_orders(self, store_id: int, external_ids: object) -> None:
        return None

    def ship(self, order_id: int) -> None:
        self.ships.append(order_id)

    def process_webhooks(self, store_id: int) -> None:
        return None


@dataclass
class Lapak:
    runtime: Runtime
    recorder: Recorder
    skus: list[str]
    orders: dict[str, int] = field(default_factory=dict)
    """external id → order id"""

    def client(
        self, who: str | None = None, *, follow_redirects: bool = True, language: str | None = None
    ) -> TestClient:
        """A client of the app; `language` is its browser's Accept-Language (pages default to
        Bahasa Indonesia without one)."""
        app = create_app(self.runtime, dispatcher=self.recorder)
        client = TestClient(app, follow_redirects=follow_redirects)
        if language is not None:
            client.headers["Accept-Language"] = language
        if who is not None:
            client.headers["Authorization"] = f"Bearer {TOKENS.get(who, who)}"
        return client

    def order(self, external_id: str) -> Order:
        with self.runtime.db.session() as session:
            return session.get_one(Order, self.orders[external_id])

    def expire_claim(self, order_id: int) -> None:
        """Half an hour has passed: the claim on this order has run out."""
        with self.runtime.db.session() as session:
            session.execute(
                update(Order)
                .where(Order.id == order_id)
                .values(claim_expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )


def write_web_config(path: Path, database_url: str, *, operator: bool = True) -> None:
    """The two shops of `tests.shopee_setup` (shop-a: dewi), plus budi on shop-a, sari on
    shop-b and an operator token."""
    write_config(path, "http://127.0.0.1:9", database_url=database_url)
    text = path.read_text()
    if operator:
        text = text.replace("[lapak]\n", '[lapak]\noperator_token_env = "WEB_OPERATOR_TOKEN"\n', 1)
    text += """
[[resellers]]
name = "budi"
token_env = "WEB_BUDI_TOKEN"
stores = ["shop-a"]

[[resellers]]
name = "sari"
token_env = "WEB_SARI_TOKEN"
stores = ["shop-b"]
"""
    path.write_text(text)


def web_env(config: Path) -> dict[str, str]:
    env = shop_env(config)
    env["E2E_RESELLER_TOKEN"] = TOKENS["dewi"]
    env |= {"WEB_BUDI_TOKEN": TOKENS["budi"], "WEB_SARI_TOKEN": TOKENS["sari"]}
    env["WEB_OPERATOR_TOKEN"] = OPERATOR_TOKEN
    return env


def remote(
    external_id: str, sku: str, quantity: int, ship_by: datetime | None, city: str = "Bandung"
) -> RemoteOrder:
    return RemoteOrder(
        external_id=external_id,
        status=OrderStatus.READY_TO_SHIP,
        created_at=now() - timedelta(hours=1),
        updated_at=now() - timedelta(hours=1),
        lines=(RemoteOrderLine("1", sku, quantity, Decimal(10_000), name=f"Kain {sku}"),),
        total=Decimal(10_000 * quantity),
        currency="IDR",
        buyer_name="Siti",
        buyer_city=city,
        ship_by=ship_by,
    )


def seed(lapak: Lapak, store: str, orders: list[RemoteOrder]) -> None:
    with lapak.runtime.db.session() as session:
        found = session.scalars(select(Store).where(Store.name == store)).one()
        ingest_orders(session, found, orders)
    with lapak.runtime.db.session() as session:
        for order in session.scalars(select(Order)):
            lapak.orders[order.external_id] = order.id


@pytest.fixture
def lapak(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lapak]:
    """shop-a: A-LATE (overdue), A-SOON (30 min), A-LATER (2 h), A-NODATE; shop-b: B-1."""
    config = tmp_path / "lapak.toml"
    write_web_config(config, db.url)
    for key, value in web_env(config).items():
        monkeypatch.setenv(key, value)
    runtime = Runtime(load_config(config))
    runtime.bootstrap()
    skus = write_catalog(tmp_path / "c.csv", "http://127.0.0.1:9/x.png", 4, lambda n: 10)
    with runtime.db.session() as session:
        merchant_id = session.scalars(select(Merchant.id)).one()
    import_catalog(runtime.db, merchant_id, tmp_path / "c.csv")
    found = Lapak(runtime, Recorder(), skus)
    seed(
        found,
        "shop-a",
        [
            remote("A-LATER", skus[0], 1, now() + timedelta(hours=2), "Surabaya"),
            remote("A-SOON", skus[1], 2, now() + timedelta(minutes=30), "Bandung"),
            remote("A-NODATE", skus[2], 1, None, "Medan"),
            remote("A-LATE", skus[3], 3, now() - timedelta(hours=1), "Yogyakarta"),
        ],
    )
    seed(found, "shop-b", [remote("B-1", skus[0], 1, now() + timedelta(hours=1), "Makassar")])
    yield found
    runtime.close()


def test_no_or_invalid_token_is_401(lapak: Lapak) -> None:
    anonymous = lapak.client()
    order_id = lapak.orders["A-SOON"]
    missing = anonymous.get("/api/orders")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    for headers in (
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": f"Basic {TOKENS['dewi']}"},  # the right token, the wrong scheme
        {"Authorization": "Bearer "},
    ):
        refused = anonymous.get("/api/orders", headers=headers)
        assert refused.status_code == 401, headers
        assert "invalid_token" in refused.headers["www-authenticate"]
    for path in ("claim", "release", "pack"):
        assert anonymous.post(f"/api/orders/{order_id}/{path}").status_code == 401
    shipped = anonymous.post(f"/api/orders/{order_id}/ship", json={"tracking_number": "X1"})
    assert shipped.status_code == 401
    assert anonymous.get(f"/api/orders/{order_id}").status_code == 401
    assert anonymous.get("/api/history").status_code == 401
    anonymous.cookies.set("lapak_session", "eyJraW5kIjoicmVzZWxsZXIifQ.forged")
    assert anonymous.get("/api/orders").status_code == 401
    assert lapak.order("A-SOON").claimed_by is None and lapak.recorder.ships == []


def test_queue_is_the_resellers_stores_most_urgent_first(lapak: Lapak) -> None:
    dewi = lapak.client("dewi").get("/api/orders")
    assert dewi.status_code == 200
    rows = dewi.json()
    assert [o["external_id"] for o in rows] == ["A-LATE", "A-SOON", "A-LATER", "A-NODATE"]
    late, soon = rows[0], rows[1]
    assert late["seconds_left"] < -3500 and 0 < soon["seconds_left"] <= 1800
    assert (soon["store"], soon["platform"], soon["buyer_city"]) == ("shop-a", "shopee", "Bandung")
    line = {"sku": lapak.skus[1], "name": f"Kain {lapak.skus[1]}", "quantity": 2}
    amounts = {"unit_price": "10000.00", "line_total": "20000.00"}  # decimal strings
    assert soon["lines"] == [{**line, **amounts}]
    assert (soon["ship_state"], soon["claimed_by"], soon["marketplace_confirmed"]) == (
        "none",
        None,
        False,
    )
    sari = lapak.client("sari").get("/api/orders").json()
    assert [o["external_id"] for o in sari] == ["B-1"]
    only_b = lapak.client("dewi").get("/api/orders", params={"store": "shop-a", "state": "mine"})
    assert only_b.json() == []
    me = lapak.client("sari").get("/api/me").json()
    assert me == {"name": "sari", "stores": ["shop-b"]}


def test_another_resellers_order_is_403_and_untouched(lapak: Lapak) -> None:
    sari = lapak.client("sari")
    theirs = lapak.orders["A-SOON"]
    assert sari.get(f"/api/orders/{theirs}").status_code == 403
    for path in ("claim", "release", "pack"):
        assert sari.post(f"/api/orders/{theirs}/{path}").status_code == 403, path
    shipped = sari.post(f"/api/orders/{theirs}/ship", json={"tracking_number": "JNT1"})
    assert shipped.status_code == 403
    assert sari.get("/api/orders", params={"store": "shop-a"}).status_code == 403
    assert sari.get("/api/history", params={"store": "shop-a"}).status_code == 403
    listed = sari.get("/api/orders", params={"status": "ready_to_ship"}).json()
    assert theirs not in {o["id"] for o in listed}
    order = lapak.order("A-SOON")
    assert (order.claimed_by, order.tracking_number, order.ship_state) == (None, None, "none")
    assert lapak.recorder.ships == []


def test_unknown_order_is_404(lapak: Lapak) -> None:
    dewi = lapak.client("dewi")
    assert dewi.get("/api/orders/999999").status_code == 404
    for path in ("claim", "release", "pack"):
        answer = dewi.post(f"/api/orders/999999/{path}")
        assert answer.status_code == 404, path
        assert answer.json() == {"detail": "order 999999 does not exist"}
    shipped = dewi.post("/api/orders/999999/ship", json={"tracking_number": "JNE1"})
    assert shipped.status_code == 404


def test_two_resellers_cannot_hold_one_order_and_a_claim_expires(lapak: Lapak) -> None:
    dewi, budi = lapak.client("dewi"), lapak.client("budi")
    order_id = lapak.orders["A-SOON"]
    taken = dewi.post(f"/api/orders/{order_id}/claim")
    assert taken.status_code == 200
    assert taken.json()["claimed_by"] == "dewi"
    expires = datetime.fromisoformat(taken.json()["claim_expires_at"])
    assert timedelta(minutes=29) < expires - datetime.now(UTC) <= timedelta(minutes=30)
    conflict = budi.post(f"/api/orders/{order_id}/claim")
    assert conflict.status_code == 409
    assert "claimed by dewi" in conflict.json()["detail"]
    for path in ("release", "pack"):
        assert budi.post(f"/api/orders/{order_id}/{path}").status_code == 409, path
    shipped = budi.post(f"/api/orders/{order_id}/ship", json={"tracking_number": "JNE9"})
    assert shipped.status_code == 409
    assert budi.get("/api/orders", params={"state": "others"}).json()[0]["id"] == order_id
    assert lapak.order("A-SOON").claimed_by == "dewi" and lapak.recorder.ships == []
    lapak.expire_claim(order_id)
    assert budi.get(f"/api/orders/{order_id}").json()["claimed_by"] is None
    late = dewi.post(f"/api/orders/{order_id}/pack")
    assert late.status_code == 409 and "claim" in late.json()["detail"].lower()
    assert budi.post(f"/api/orders/{order_id}/claim").json()["claimed_by"] == "budi"
    released = budi.post(f"/api/orders/{order_id}/release")
    assert released.status_code == 200 and released.json()["claimed_by"] is None
    assert lapak.client("dewi").post(f"/api/orders/{order_id}/claim").status_code == 200


def test_invalid_body_or_filter_is_422_and_nothing_is_shipped(lapak: Lapak) -> None:
    dewi = lapak.client("dewi")
    order_id = lapak.orders["A-SOON"]
    assert dewi.post(f"/api/orders/{order_id}/claim").status_code == 200
    for body in (
        {"tracking_number": ""},
        {"tracking_number": "   "},
        {"tracking_number": "X" * 65},
        {},
        {"tracking_number": "JNE1", "courier": "jne"},
    ):
        answer = dewi.post(f"/api/orders/{order_id}/ship", json=body)
        assert answer.status_code == 422, body
    assert dewi.post(f"/api/orders/{order_id}/ship", content=b"JNE1").status_code == 422
    assert dewi.get("/api/orders", params={"status": "shipped"}).status_code == 422
    assert dewi.get("/api/orders", params={"state": "lost"}).status_code == 422
    assert dewi.get("/api/orders/not-a-number").status_code == 422
    assert lapak.recorder.ships == [] and lapak.order("A-SOON").ship_state == "none"


def test_claim_pack_ship_confirmed_then_history(lapak: Lapak) -> None:
    dewi = lapak.client("dewi")
    order_id = lapak.orders["A-SOON"]
    assert dewi.post(f"/api/orders/{order_id}/claim").status_code == 200
    packed = dewi.post(f"/api/orders/{order_id}/pack")
    assert packed.status_code == 200 and packed.json()["packed_at"] is not None
    shipped = dewi.post(f"/api/orders/{order_id}/ship", json={"tracking_number": " SPX123 "})
    assert shipped.status_code == 202
    assert (shipped.json()["ship_state"], shipped.json()["tracking_number"]) == (
        "requested",
        "SPX123",
    )
    assert lapak.recorder.ships == [order_id]
    again = dewi.post(f"/api/orders/{order_id}/ship", json={"tracking_number": "SPX124"})
    assert again.status_code == 409 and "already shipped" in again.json()["detail"]
    sending = dewi.get("/api/orders", params={"state": "sending"}).json()
    assert [o["id"] for o in sending] == [order_id]

    marketplace = MemoryConnector()
    marketplace.orders["A-SOON"] = remote("A-SOON", lapak.skus[1], 2, None)
    assert confirm_shipment(lapak.runtime.db, order_id, marketplace).outcome == "confirmed"
    assert marketplace.shipped == {"A-SOON": "SPX123"}
    done = dewi.get(f"/api/orders/{order_id}").json()
    assert (done["status"], done["ship_state"], done["marketplace_confirmed"]) == (
        "shipped",
        "confirmed",
        True,
    )
    assert order_id not in {o["id"] for o in dewi.get("/api/orders").json()}
    history = dewi.get("/api/history").json()
    assert [(h["id"], h["shipped_by"], h["tracking_number"]) for h in history] == [
        (order_id, "dewi", "SPX123")
    ]
    assert dewi.get("/api/history", params={"store": "shop-a", "mine": True}).json() == history
    assert lapak.client("budi").get("/api/history", params={"mine": True}).json() == []
    assert lapak.client("sari").get("/api/history").json() == []


def test_a_refused_shipment_shows_the_marketplace_error_and_can_be_shipped_again(
    lapak: Lapak,
) -> None:
    dewi = lapak.client("dewi")
    order_id = lapak.orders["A-LATER"]
    dewi.post(f"/api/orders/{order_id}/claim")
    assert dewi.post(f"/api/orders/{order_id}/ship", json={"tracking_number": "BAD1"}).is_success
    refusing = MemoryConnector()  # this marketplace does not know the order
    assert confirm_shipment(lapak.runtime.db, order_id, refusing).outcome == "refused"
    refused = dewi.get(f"/api/orders/{order_id}").json()
    assert refused["ship_state"] == "failed"
    assert refused["ship_error"] == "order A-LATER not found"
    assert dewi.get("/api/orders", params={"state": "refused"}).json()[0]["id"] == order_id
    retried = dewi.post(f"/api/orders/{order_id}/ship", json={"tracking_number": "GOOD2"})
    assert retried.status_code == 202
    assert (retried.json()["ship_state"], retried.json()["ship_error"]) == ("requested", None)


def test_the_operator_token_is_no_resellers_token(lapak: Lapak) -> None:
    operator = lapak.client(OPERATOR_TOKEN)
    answer = operator.get("/api/orders")
    assert answer.status_code == 403
    assert operator.post(f"/api/orders/{lapak.orders['A-SOON']}/claim").status_code == 403


def test_the_cookie_session_works_for_the_api_too(lapak: Lapak) -> None:
    browser = lapak.client()
    signed_in = browser.post("/signin", data={"token": TOKENS["budi"]}, follow_redirects=False)
    assert signed_in.status_code == 303
    assert [o["external_id"] for o in browser.get("/api/orders").json()][:1] == ["A-LATE"]
    claimed = browser.post(f"/api/orders/{lapak.orders['A-LATE']}/claim")
    assert claimed.json()["claimed_by"] == "budi"


def test_openapi_documents_the_queue_api(lapak: Lapak) -> None:
    spec = lapak.client().get("/openapi.json").json()
    paths = spec["paths"]
    assert {
        "/api/orders",
        "/api/orders/{order_id}",
        "/api/orders/{order_id}/claim",
        "/api/orders/{order_id}/release",
        "/api/orders/{order_id}/pack",
        "/api/orders/{order_id}/ship",
        "/api/history",
        "/api/me",
    } <= set(paths)
    assert not any(p.startswith(("/queue", "/signin", "/history")) for p in paths)
    ship = paths["/api/orders/{order_id}/ship"]["post"]
    assert {"202", "401", "403", "404", "409", "422"} <= set(ship["responses"])
    assert ship["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("ShipIn")
    order_schema = spec["components"]["schemas"]["OrderOut"]
    assert {"ship_by", "seconds_left", "lines", "ship_state", "ship_error"} <= set(
        order_schema["properties"]
    )
