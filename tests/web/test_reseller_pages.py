"""The resellers' pages: sign in, the queue, its actions and filters, the history.

Pages answer forms with 303s and flash messages; a reseller never sees nor touches another
reseller's stores' orders (403 pages). Same setup as the API tests (`tests.web.test_api`).
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from lapak.sync.shipping import confirm_shipment

from tests.sync.memory_connector import MemoryConnector
from tests.web.test_api import OPERATOR_TOKEN, TOKENS, Lapak, lapak, remote

__all__ = ["lapak"]  # the fixture, shared with the API tests


def signed_in(lapak: Lapak, who: str) -> TestClient:
    # each flash is read by the test's GET; the wording checked here is the English one
    browser = lapak.client(follow_redirects=False, language="en")
    answer = browser.post("/signin", data={"token": TOKENS[who]})
    assert answer.status_code == 303 and answer.headers["location"] == "/queue"
    return browser


def cards(page: str) -> list[str]:
    """The external ids of the order cards of the queue, in page order."""
    return re.findall(r'<span class="ext">#([A-Z0-9-]+)</span>', page)


def card(page: str, external_id: str) -> str:
    start = page.index(f'<span class="ext">#{external_id}</span>')
    begin = page.rindex("<article", 0, start)
    return page[begin : page.index("</article>", start)]


def flash(page: str) -> str:
    found = re.search(r'<p class="flash flash-(\w+)" role="status">([^<]*)</p>', page)
    assert found, "no flash message on the page"
    return f"{found.group(1)}: {found.group(2).strip()}"


def test_signing_in_with_the_token_gives_a_cookie_session(lapak: Lapak) -> None:
    browser = lapak.client(language="en")
    first = browser.get("/queue", follow_redirects=False)
    assert (first.status_code, first.headers["location"]) == (303, "/signin?next=/queue")
    assert browser.get("/", follow_redirects=False).headers["location"] == "/signin"
    as_json = browser.get("/queue", headers={"Accept": "application/json"})
    assert as_json.status_code == 401
    form = browser.get("/signin?next=/history")
    assert form.status_code == 200 and 'name="token"' in form.text
    wrong = browser.post("/signin", data={"token": "guess", "next": "/history"})
    assert wrong.status_code == 401 and "not valid" in wrong.text
    assert "lapak_session" not in browser.cookies
    right = browser.post(
        "/signin", data={"token": TOKENS["dewi"], "next": "/history"}, follow_redirects=False
    )
    assert (right.status_code, right.headers["location"]) == (303, "/history")
    cookie = right.headers["set-cookie"]
    assert "lapak_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert TOKENS["dewi"] not in cookie
    page = browser.get("/history")
    assert page.status_code == 200 and "Signed in as dewi." in page.text
    assert "Signed in as" not in browser.get("/history").text  # a flash shows once
    assert browser.get("/", follow_redirects=False).headers["location"] == "/queue"
    out = browser.post("/signout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/signin"
    assert browser.get("/queue", follow_redirects=False).status_code == 303


def test_sign_in_is_no_open_redirect(lapak: Lapak) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "/signin"):
        answer = lapak.client().post(
            "/signin", data={"token": TOKENS["sari"], "next": target}, follow_redirects=False
        )
        assert answer.headers["location"] == "/queue", target
    operator = lapak.client().post(
        "/signin", data={"token": OPERATOR_TOKEN}, follow_redirects=False
    )
    assert operator.headers["location"] == "/ops/"


def test_the_queue_shows_the_resellers_orders_most_urgent_first(lapak: Lapak) -> None:
    page = signed_in(lapak, "dewi").get("/queue").text
    assert cards(page) == ["A-LATE", "A-SOON", "A-LATER", "A-NODATE"]
    late = card(page, "A-LATE")
    assert "overdue 1 h 0 min" in late or "overdue 59 min" in late
    assert 'class="order card late"' in late
    soon = card(page, "A-SOON")
    assert re.search(r"(29|30) min left", soon) and 'class="order card soon"' in soon
    assert "<b>shop-a</b> · Shopee" in soon and "Bandung" in soon
    assert f"2×</b> Kain {lapak.skus[1]}" in soon
    assert "Not claimed" in soon and "/claim" in soon
    assert "B-1" not in page and "Makassar" not in page
    assert cards(signed_in(lapak, "sari").get("/queue").text) == ["B-1"]


def test_claim_pack_ship_and_see_the_marketplace_confirm(lapak: Lapak) -> None:
    dewi, budi = signed_in(lapak, "dewi"), signed_in(lapak, "budi")
    order_id = lapak.orders["A-SOON"]
    back = "/queue?state=unclaimed"
    claimed = dewi.post(f"/queue/{order_id}/claim", data={"back": back}, follow_redirects=False)
    assert claimed.status_code == 303
    assert claimed.headers["location"] == f"{back}#order-{order_id}"
    page = dewi.get("/queue").text
    assert flash(page).startswith("ok: Order A-SOON is yours until")
    mine = card(page, "A-SOON")
    assert "Claimed by you" in mine and 'name="tracking_number"' in mine
    theirs = card(budi.get("/queue").text, "A-SOON")
    assert "Claimed by dewi" in theirs and "/claim" not in theirs and "/ship" not in theirs

    budi.post(f"/queue/{order_id}/claim", data={"back": "/queue"})
    refused = budi.get("/queue").text
    assert flash(refused).startswith("error: Order A-SOON is claimed by dewi (until")

    dewi.post(f"/queue/{order_id}/pack", data={"back": "/queue"})
    assert flash(dewi.get("/queue").text) == "ok: Order A-SOON marked packed."
    dewi.post(f"/queue/{order_id}/ship", data={"back": "/queue", "tracking_number": "  "})
    assert flash(dewi.get("/queue").text) == ("error: Tracking number must be 1 to 64 characters.")
    assert lapak.recorder.ships == []
    dewi.post(f"/queue/{order_id}/ship", data={"back": "/queue", "tracking_number": "SPX777"})
    page = dewi.get("/queue").text
    assert flash(page).startswith("ok: Order A-SOON shipped with tracking SPX777")
    sending = card(page, "A-SOON")
    assert "Sending to Shopee" in sending and 'data-ship-state="requested"' in sending
    assert lapak.recorder.ships == [order_id]

    marketplace = MemoryConnector()
    marketplace.orders["A-SOON"] = remote("A-SOON", lapak.skus[1], 2, None)
    assert confirm_shipment(lapak.runtime.db, order_id, marketplace).outcome == "confirmed"
    page = dewi.get("/queue").text
    assert "A-SOON" not in cards(page.split("Shipped by you in the last 24 hours")[0])
    done = card(page, "A-SOON")
    assert "Confirmed by the marketplace" in done and "SPX777" in done
    history = dewi.get("/history").text
    assert "Confirmed by the marketplace" in card(history, "A-SOON")
    assert "shipped by dewi" in card(history, "A-SOON")
    assert "A-SOON" in budi.get("/history").text
    assert "A-SOON" not in budi.get("/history?mine=1").text
    assert "A-SOON" not in signed_in(lapak, "sari").get("/history").text


def test_a_refusal_is_shown_with_the_marketplaces_error(lapak: Lapak) -> None:
    dewi = signed_in(lapak, "dewi")
    order_id = lapak.orders["A-LATER"]
    dewi.post(f"/queue/{order_id}/claim", data={"back": "/queue"})
    dewi.post(f"/queue/{order_id}/ship", data={"back": "/queue", "tracking_number": "NOPE1"})
    assert confirm_shipment(lapak.runtime.db, order_id, MemoryConnector()).outcome == "refused"
    refused = card(dewi.get("/queue?state=refused").text, "A-LATER")
    assert "Refused by the marketplace" in refused and "order A-LATER not found" in refused
    assert 'name="tracking_number"' in refused and 'value="NOPE1"' in refused  # ship again


def test_an_expired_claim_is_said_so_and_can_be_taken_over(lapak: Lapak) -> None:
    dewi, budi = signed_in(lapak, "dewi"), signed_in(lapak, "budi")
    order_id = lapak.orders["A-LATE"]
    dewi.post(f"/queue/{order_id}/claim", data={"back": "/queue"})
    lapak.expire_claim(order_id)
    assert "Not claimed" in card(budi.get("/queue").text, "A-LATE")
    dewi.post(f"/queue/{order_id}/pack", data={"back": "/queue"})
    assert flash(dewi.get("/queue").text) == (
        "error: Your claim on Order A-LATE has ended. Claim it again to pack it."
    )
    budi.post(f"/queue/{order_id}/claim", data={"back": "/queue"})
    assert "Claimed by you" in card(budi.get("/queue").text, "A-LATE")
    budi.post(f"/queue/{order_id}/release", data={"back": "/queue"})
    assert flash(budi.get("/queue").text) == "ok: Released: someone else can take it now."
    assert "Not claimed" in card(dewi.get("/queue").text, "A-LATE")


def test_filters_by_store_and_state(lapak: Lapak) -> None:
    dewi = signed_in(lapak, "dewi")
    dewi.post(f"/queue/{lapak.orders['A-LATER']}/claim", data={"back": "/queue"})
    assert cards(dewi.get("/queue?state=mine").text) == ["A-LATER"]
    assert cards(dewi.get("/queue?state=unclaimed").text) == ["A-LATE", "A-SOON", "A-NODATE"]
    assert cards(dewi.get("/queue?store=shop-a&state=packed").text) == []
    assert cards(dewi.get("/queue?status=unpaid").text) == []
    assert cards(signed_in(lapak, "budi").get("/queue?state=others").text) == ["A-LATER"]
    assert dewi.get("/queue?state=lost").status_code == 422


@pytest.mark.parametrize(
    ("query", "allowed"),
    [("status=bogus", ["ready_to_ship", "unpaid"]), ("state=bogus", ["unclaimed", "refused"])],
)
def test_a_bogus_filter_is_refused_with_the_allowed_values(
    lapak: Lapak, query: str, allowed: list[str]
) -> None:
    answer = signed_in(lapak, "dewi").get(f"/queue?{query}")
    assert answer.status_code == 422
    assert "&#39;bogus&#39;" in answer.text and all(value in answer.text for value in allowed)


def test_a_reseller_cannot_see_or_act_on_other_resellers_orders(lapak: Lapak) -> None:
    sari = signed_in(lapak, "sari")
    theirs = lapak.orders["A-SOON"]
    for action, data in (
        ("claim", {}),
        ("release", {}),
        ("pack", {}),
        ("ship", {"tracking_number": "JNT1"}),
    ):
        answer = sari.post(f"/queue/{theirs}/{action}", data={"back": "/queue", **data})
        assert answer.status_code == 403, action
        assert "not of your stores" in answer.text
    assert sari.get("/queue?store=shop-a").status_code == 403
    assert sari.get("/history?store=shop-a").status_code == 403
    assert sari.post("/queue/999999/claim", data={}).status_code == 404
    order = lapak.order("A-SOON")
    assert (order.claimed_by, order.packed_at, order.ship_state) == (None, None, "none")
    assert lapak.recorder.ships == []


def test_cookie_sessions_refuse_other_sites_and_operators(lapak: Lapak) -> None:
    dewi = signed_in(lapak, "dewi")
    order_id = lapak.orders["A-SOON"]
    forged = dewi.post(
        f"/queue/{order_id}/claim", data={}, headers={"Origin": "https://evil.example"}
    )
    assert forged.status_code == 403
    assert lapak.order("A-SOON").claimed_by is None
    same = dewi.post(
        f"/queue/{order_id}/claim",
        data={},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert same.status_code == 303 and lapak.order("A-SOON").claimed_by == "dewi"
    operator = lapak.client()
    operator.post("/signin", data={"token": OPERATOR_TOKEN}, follow_redirects=False)
    assert operator.get("/queue").status_code == 403
    assert operator.get("/", follow_redirects=False).headers["location"] == "/ops/"
