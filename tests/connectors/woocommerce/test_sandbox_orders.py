"""Orders in the WooCommerce sandbox: stock rules, listing filters, updates and webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from lapak.sandboxes.woocommerce.sandbox import MAX_FAILURES
from starlette.applications import Starlette

from tests.connectors.conftest import Received
from tests.connectors.woocommerce.sandbox_client import STORE, WEBHOOK_SECRET, Signed, make_app


@pytest.fixture
def app() -> Iterator[Starlette]:
    app = make_app()
    app.state.control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=10)
    yield app
    app.state.control.close()


@pytest.fixture
def woo(app: Starlette) -> Iterator[Signed]:
    client = Signed(app)
    yield client
    client.close()


def _stock(app: Starlette, sku: str = "KOPI") -> int:
    return next(r.stock for r in app.state.control.listings(STORE) if r.sku == sku)


def _gmt(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def test_an_unpaid_order_takes_stock_only_once_paid(app: Starlette, woo: Signed) -> None:
    control = app.state.control
    order = control.place_order(STORE, [("KOPI", 3)], paid=False)
    assert woo.call("GET", f"/orders/{order}").json()["status"] == "pending"
    assert _stock(app) == 10
    control.change_order(STORE, order, "pay")
    assert _stock(app) == 7
    control.change_order(STORE, order, "cancel")
    assert _stock(app) == 10
    assert control.order(STORE, order).status == "cancelled"
    with pytest.raises(ValueError):
        control.place_order(STORE, [("KOPI", 11)])
    with pytest.raises(LookupError):
        control.place_order(STORE, [("TEH", 1)])


def test_shipped_then_delivered_then_returned(app: Starlette, woo: Signed) -> None:
    control = app.state.control
    order = control.place_order(STORE, [("KOPI", 2)])
    with pytest.raises(ValueError):
        control.change_order(STORE, order, "complete")
    tracking = [{"tracking_number": "JNE1", "custom_tracking_provider": "Lapak"}]
    body = {
        "status": "completed",
        "meta_data": [{"key": "_wc_shipment_tracking_items", "value": tracking}],
    }
    shipped = woo.call("PUT", f"/orders/{order}", json=body).json()
    assert (shipped["status"], shipped["date_completed_gmt"] is not None) == ("completed", True)
    assert control.order(STORE, order).tracking_number == "JNE1"
    control.change_order(STORE, order, "complete")
    assert control.order(STORE, order).status == "delivered"
    assert _stock(app) == 8
    control.change_order(STORE, order, "return")
    view = woo.call("GET", f"/orders/{order}").json()
    assert view["status"] == "refunded" and view["refunds"]
    assert _stock(app) == 10


def test_woocommerce_accepts_any_status_change(app: Starlette, woo: Signed) -> None:
    order = app.state.control.place_order(STORE, [("KOPI", 1)], paid=False)
    done = woo.call("PUT", f"/orders/{order}", json={"status": "completed"})
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert _stock(app) == 9  # completing an unpaid order reduces its stock, as WooCommerce does
    bad = woo.call("PUT", f"/orders/{order}", json={"status": "shipped-ish"})
    assert bad.status_code == 400 and bad.json()["code"] == "rest_invalid_param"
    missing = woo.call("PUT", "/orders/999999", json={"status": "completed"})
    assert (missing.status_code, missing.json()["code"]) == (
        400,
        "woocommerce_rest_shop_order_invalid_id",
    )
    assert woo.call("GET", "/orders/999999").status_code == 404


def test_listing_orders_by_modified_time_with_exclusive_bounds(app: Starlette, woo: Signed) -> None:
    control = app.state.control
    first = control.place_order(STORE, [("KOPI", 1)])
    control.advance_clock(3600)
    second = control.place_order(STORE, [("KOPI", 1)])
    stamp = woo.call("GET", f"/orders/{second}").json()["date_modified_gmt"]
    moment = datetime.fromisoformat(stamp).replace(tzinfo=UTC).timestamp()

    def ids(**params: str) -> list[int]:
        query = {"orderby": "id", "order": "asc", "dates_are_gmt": "true", **params}
        return [o["id"] for o in woo.call("GET", "/orders", query).json()]

    assert ids(modified_after=_gmt(moment - 1)) == [int(second)]
    assert ids(modified_after=_gmt(moment)) == []  # `after` is exclusive
    assert ids(modified_before=_gmt(moment)) == [int(first)]  # so is `before`
    assert ids(modified_before=_gmt(moment + 1)) == [int(first), int(second)]
    # Without dates_are_gmt a bare date is site time (Asia/Jakarta, UTC+7):
    local = datetime.fromtimestamp(moment - 1, UTC) + timedelta(hours=7)
    after_local = local.strftime("%Y-%m-%dT%H:%M:%S")
    assert [
        o["id"] for o in woo.call("GET", "/orders", {"modified_after": after_local}).json()
    ] == [int(second)]
    assert ids(modified_after=after_local) == []  # read as GMT it is 7 hours later


def test_trashed_orders_leave_any_and_show_under_trash(app: Starlette, woo: Signed) -> None:
    order = app.state.control.place_order(STORE, [("KOPI", 1)])
    assert woo.call("DELETE", f"/orders/{order}").json()["status"] == "trash"
    assert woo.call("GET", "/orders").json() == []
    assert [o["id"] for o in woo.call("GET", "/orders", {"status": "trash"}).json()] == [int(order)]
    assert [
        o["id"] for o in woo.call("GET", "/orders", {"include": order, "status": "any"}).json()
    ] == []


def test_webhooks_carry_woocommerces_headers_and_signature(
    app: Starlette, receiver: tuple[str, Received]
) -> None:
    url, received = receiver
    control = app.state.control
    control.set_webhook_url(STORE, url)
    order = control.place_order(STORE, [("KOPI", 1)])
    control.change_order(STORE, order, "cancel")
    assert control.flush_webhooks(5)

    topics = [headers["x-wc-webhook-topic"] for headers, _ in received]
    assert topics == ["order.created", "order.updated"]
    for headers, body in received:
        expected = base64.b64encode(
            hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).digest()
        ).decode()
        assert headers["x-wc-webhook-signature"] == expected
        assert headers["x-wc-webhook-resource"] == "order"
        assert headers["x-wc-webhook-source"].endswith("/")
        assert len(headers["x-wc-webhook-delivery-id"]) == 32
        assert headers["user-agent"].startswith("WooCommerce/")
        assert b"\\/" in body or b"/" not in body  # wp_json_encode escapes slashes
        assert json.loads(body)["id"] == int(order)
    assert json.loads(received[1][1])["status"] == "cancelled"


def test_a_failing_receiver_gets_no_retries_and_the_webhook_is_disabled(app: Starlette) -> None:
    sandbox = app.state.sandbox
    app.state.control.set_webhook_url(STORE, "http://127.0.0.1:9/hooks")  # nothing listens
    for _ in range(MAX_FAILURES + 2):
        app.state.control.place_order(STORE, [("KOPI", 1)])
        assert app.state.control.flush_webhooks(10)
    created = next(w for w in sandbox.shop(STORE).webhooks if w.topic == "order.created")
    assert created.status == "disabled"
    assert sandbox.push.failed == MAX_FAILURES + 2
    app.state.control.place_order(STORE, [("KOPI", 1)])
    assert app.state.control.flush_webhooks(5)
    assert sandbox.push.failed == MAX_FAILURES + 2  # a disabled webhook sends nothing


def test_the_buyer_simulator_places_and_moves_orders(app: Starlette) -> None:
    sandbox = app.state.sandbox
    sandbox.buyers.pay_rate = 1.0
    for _ in range(6):
        sandbox.buyers.step()
    statuses = [o.status for o in sandbox.shop(STORE).orders.values()]
    assert len(statuses) == 6
    assert set(statuses) <= {"pending", "processing", "cancelled"}
    assert "processing" in statuses


def test_the_control_api(app: Starlette, woo: Signed) -> None:
    client = woo.client
    made = client.post(
        f"/_sandbox/shops/{STORE}/products",
        json={"sku": "TEH", "name": "Teh", "price": 15000, "stock": 4},
    )
    assert made.status_code == 200
    order = client.post(
        f"/_sandbox/shops/{STORE}/orders", json={"lines": [{"sku": "TEH", "quantity": 2}]}
    )
    order_id = order.json()["id"]
    assert (
        client.post(f"/_sandbox/shops/{STORE}/orders/{order_id}/cancel").json()["status"]
        == "cancelled"
    )
    assert (
        client.post(
            f"/_sandbox/shops/{STORE}/orders", json={"lines": [{"sku": "TEH", "quantity": 9}]}
        ).status_code
        == 409
    )
    assert client.get("/_sandbox/shops/nowhere/orders").status_code == 404
    assert client.post("/_sandbox/faults", json={"bogus": 1}).status_code == 400
    assert client.get("/_sandbox/shops").json()[0]["name"] == STORE
