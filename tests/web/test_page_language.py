"""The pages speak Bahasa Indonesia first: `lang="id"` and Indonesian words by default,
English when the browser asks for it or the page's ID | EN switch chose it (kept in a signed
cookie, signed in or not), Rupiah amounts on every card and times labelled WIB."""

from __future__ import annotations

from fastapi.testclient import TestClient
from lapak.sync.i18n import translations

from tests.web.test_api import TOKENS, Lapak, lapak
from tests.web.test_reseller_pages import card, flash

__all__ = ["lapak"]  # the fixture

ID = translations("id").gettext


def _signed_in(browser: TestClient, who: str = "dewi") -> TestClient:
    answer = browser.post("/signin", data={"token": TOKENS[who]}, follow_redirects=False)
    assert answer.status_code == 303
    return browser


def test_the_queue_is_in_indonesian_by_default_with_rupiah_amounts(lapak: Lapak) -> None:
    browser = _signed_in(lapak.client(follow_redirects=False))
    page = browser.get("/queue").text
    assert '<html lang="id">' in page
    for msgid in ("Orders to ship", "Queue", "History", "Sign out", "Claim", "Total"):
        assert ID(msgid) in page, msgid  # as the Indonesian catalog says it
    assert "Pesanan siap kirim" in page and "Riwayat" in page and "Keluar" in page
    soon = card(page, "A-SOON")  # 2 × Rp 10.000 of one SKU
    assert "2 × Rp 10.000" in soon and "Rp 20.000" in soon
    assert "Sisa waktu" in soon and "batas kirim" in soon and " WIB" in soon
    assert "Terlambat" in card(page, "A-LATE")
    assert ">Klaim<" in soon


def test_a_flash_message_is_in_the_pages_language(lapak: Lapak) -> None:
    browser = _signed_in(lapak.client(follow_redirects=False))
    assert flash(browser.get("/queue").text) == "ok: Masuk sebagai dewi."
    order_id = lapak.orders["A-SOON"]
    browser.post(f"/queue/{order_id}/claim", data={"back": "/queue"})
    said = flash(browser.get("/queue").text)
    assert said.startswith("ok: Pesanan A-SOON kamu pegang sampai ") and said.endswith(" WIB.")


def test_accept_language_english_gets_english(lapak: Lapak) -> None:
    browser = _signed_in(lapak.client(follow_redirects=False, language="en-GB,en;q=0.9"))
    page = browser.get("/queue").text
    assert '<html lang="en">' in page and "Orders to ship" in page
    assert "2 × Rp 10.000" in card(page, "A-SOON")  # Rupiah stays Indonesian-written


def test_the_switch_keeps_the_choice_across_pages_and_sign_in(lapak: Lapak) -> None:
    browser = lapak.client(follow_redirects=False)
    signin = browser.get("/signin").text
    assert '<html lang="id">' in signin and ">Masuk<" in signin
    switched = browser.post("/lang", data={"lang": "en", "next": "/signin?next=/history"})
    assert (switched.status_code, switched.headers["location"]) == (303, "/signin?next=/history")
    assert ">Sign in<" in browser.get("/signin").text  # signed out: the choice holds
    _signed_in(browser)
    assert '<html lang="en">' in browser.get("/history").text
    assert "Shipped orders" in browser.get("/history").text
    browser.post("/lang", data={"lang": "id", "next": "/history"})
    assert "Pesanan terkirim" in browser.get("/history").text
    # the choice beats the browser's own Accept-Language
    browser.headers["Accept-Language"] = "en"
    assert '<html lang="id">' in browser.get("/queue").text


def test_the_switch_goes_back_only_to_this_site_and_refuses_other_sites(lapak: Lapak) -> None:
    browser = lapak.client(follow_redirects=False)
    away = browser.post("/lang", data={"lang": "en", "next": "//evil.example/x"})
    assert away.headers["location"] == "/"
    foreign = browser.post("/lang", data={"lang": "en"}, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    bogus = browser.post("/lang", data={"lang": "xx", "next": "/signin"})
    assert bogus.status_code == 303
    assert '<html lang="id">' in browser.get("/signin").text


def test_a_forged_language_cookie_is_ignored(lapak: Lapak) -> None:
    browser = lapak.client(follow_redirects=False, language="en")
    browser.cookies.set("lapak_lang", "eyJsYW5nIjoiaWQifQ.0000")
    assert '<html lang="en">' in browser.get("/signin").text
