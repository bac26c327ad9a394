"""A reseller on a phone, in a real headless Chromium, against a real running Lapak.

Lapak runs embedded (worker, scheduler, web on a loopback port) against the Shopee
sandbox. The reseller signs in with their token on a 390×844 screen, in Bahasa Indonesia
(the default), sees each item's price and the order total in Rupiah, claims an order,
ships it with a tracking number, and the page shows the marketplace's confirmation; the
sandbox holds the tracking number and has moved the order on. The ID | EN switch turns the
pages to English and back, and the choice holds from page to page.

Needs Debian's `chromium` (`apt-get install -y chromium`) and Playwright for Python (only
its driver is used: `executable_path` points at the system browser). A missing browser fails
the test, saying how to install it.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from lapak.cli.embedded import Embedded
from lapak.sandboxes.shopee import ShopeeControl
from lapak.sync.store.models import Order
from lapak.wiring.runtime import Runtime
from lapak.wiring.server import serve
from sqlalchemy import select

from tests.services import require_chromium

if TYPE_CHECKING:
    from playwright.sync_api import Page
from tests.shopee_setup import SHOP_A, sandbox_app, shopee_lapak, wait_for

CHROMIUM = os.environ.get("LAPAK_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = os.environ.get("LAPAK_SCREENSHOTS")
"""Where to keep a copy of the 390x844 queue screenshot (unset: only in pytest's tmp dir)."""
PHONE = {"width": 390, "height": 844}


def assert_fits_phones(page: Page) -> None:
    """The page is no wider than a 360 px or a 390 px phone's screen.

    A page wider than the screen scrolls sideways under the reseller's thumb, and in
    Chromium's mobile emulation a tap lands beside its target (the header bar once made the
    queue 433 px wide and the "Klaim" tap hit the order total above the button).
    """
    for width in (360, PHONE["width"]):
        page.set_viewport_size({"width": width, "height": PHONE["height"]})
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{page.url} is {wide} px wide on a {width} px phone"


@dataclass
class Running:
    runtime: Runtime
    sandbox: object
    web_url: str
    token: str
    skus: list[str]


@pytest.fixture
def running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:
    app = sandbox_app()
    sandbox = app.state.sandbox
    with serve(app) as server:
        runtime, skus, _ = shopee_lapak(tmp_path, server.url, monkeypatch, 6, lambda n: 10)
        token = os.environ["E2E_RESELLER_TOKEN"]
        with Embedded(runtime, threads=4, web_port=0) as lapak:
            assert lapak.web_url is not None
            sandbox.set_push_url(SHOP_A, f"{lapak.web_url}/webhooks/shop-a")
            yield Running(runtime, sandbox, lapak.web_url, token, skus)
        runtime.close()


def _order_id(runtime: Runtime, order_sn: str) -> int | None:
    with runtime.db.session() as session:
        return session.scalar(
            select(Order.id).where(Order.external_id == order_sn, Order.status == "ready_to_ship")
        )


def test_a_reseller_claims_and_ships_an_order_from_a_phone(
    running: Running, tmp_path: Path
) -> None:
    chromium = require_chromium(CHROMIUM)
    from playwright.sync_api import expect, sync_playwright

    sandbox = running.sandbox
    wait_for(
        "the catalog on shop A",
        lambda: all(sandbox.stock_of(SHOP_A, sku) == 10 for sku in running.skus),  # type: ignore[attr-defined]
    )
    placed = [
        sandbox.place_order(SHOP_A, [(running.skus[0], 2), (running.skus[3], 1)]),  # type: ignore[attr-defined]
        sandbox.place_order(SHOP_A, [(running.skus[4], 1)]),  # type: ignore[attr-defined]
        sandbox.place_order(SHOP_A, [(running.skus[5], 3)]),  # type: ignore[attr-defined]
    ]
    wait_for("the orders in Lapak", lambda: all(_order_id(running.runtime, sn) for sn in placed))
    order_sn = placed[0]
    order_id = _order_id(running.runtime, order_sn)
    tracking = "SPXID0123456789"

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, headless=True)
        phone = browser.new_context(  # an Indonesian phone: Accept-Language id-ID
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="id-ID"
        )
        page = phone.new_page()
        page.set_default_timeout(15_000)

        page.goto(running.web_url)
        expect(page).to_have_url(f"{running.web_url}/signin")
        expect(page.locator("html")).to_have_attribute("lang", "id")
        page.get_by_label("Token").fill(running.token)
        page.get_by_role("button", name="Masuk").click()
        expect(page).to_have_url(f"{running.web_url}/queue")
        expect(page.get_by_role("status")).to_have_text("Masuk sebagai dewi.")
        expect(page.locator("h1")).to_contain_text("Pesanan siap kirim")
        for sn in placed:
            expect(page.locator("article.order", has_text=sn)).to_be_visible()

        assert_fits_phones(page)

        card = page.locator(f"#order-{order_id}")
        expect(card).to_contain_text("Belum diklaim")
        expect(card).to_contain_text("batas kirim")
        expect(card).to_contain_text(re.compile(r"Sisa waktu \d+ (hari|jam|menit)"))
        item = card.locator("li", has_text=running.skus[0])
        expect(item).to_contain_text("2×")
        expect(item).to_contain_text(re.compile(r"2 × Rp \d{1,3}(\.\d{3})+"))
        expect(card.locator(".total")).to_contain_text(re.compile(r"Total Rp \d{1,3}(\.\d{3})+"))
        card.get_by_role("button", name="Klaim").click()
        status = page.get_by_role("status")
        expect(status).to_contain_text(f"Pesanan {order_sn} kamu pegang sampai")
        expect(status).to_contain_text("WIB")
        card = page.locator(f"#order-{order_id}")
        expect(card).to_contain_text("Klaim kamu")
        page.evaluate("window.scrollTo(0, 0)")
        queue_shot = tmp_path / "queue-390x844.png"
        page.screenshot(path=str(queue_shot))

        card.get_by_label("Nomor resi").fill(tracking)
        card.get_by_role("button", name="Kirim", exact=True).click()
        expect(page.get_by_role("status").first).to_contain_text(f"nomor resi {tracking}")
        # the page asks the API until the marketplace has answered, then shows it
        done = page.locator(f"#order-{order_id}")
        expect(done).to_contain_text("Dikonfirmasi marketplace", timeout=30_000)
        expect(done).to_contain_text(tracking)
        page.screenshot(path=str(tmp_path / "queue-confirmed-390x844.png"), full_page=True)

        # the switch: English, kept from page to page, then back to Bahasa Indonesia
        page.get_by_role("button", name="EN", exact=True).click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("h1")).to_contain_text("Orders to ship")
        page.get_by_role("link", name="History").click()
        expect(page).to_have_url(f"{running.web_url}/history")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator(f"#order-{order_id}")).to_contain_text("Confirmed by the marketplace")
        assert_fits_phones(page)
        page.get_by_role("button", name="ID", exact=True).click()
        expect(page).to_have_url(f"{running.web_url}/history")
        expect(page.locator("h1")).to_contain_text("Pesanan terkirim")
        expect(page.locator(f"#order-{order_id}")).to_contain_text("Dikonfirmasi marketplace")
        page.get_by_role("link", name="Pesanan").click()
        expect(page.locator("html")).to_have_attribute("lang", "id")
        browser.close()

    shipped = ShopeeControl(sandbox).order("shop-a", order_sn)  # type: ignore[arg-type]
    assert shipped.tracking_number == tracking
    assert shipped.status in ("PROCESSED", "SHIPPED")  # arranged; the courier has it next
    with running.runtime.db.session() as session:
        order = session.get_one(Order, order_id)
        assert (order.status, order.ship_state, order.shipped_by) == (
            "shipped",
            "confirmed",
            "dewi",
        )
    assert queue_shot.stat().st_size > 10_000
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(queue_shot, Path(SCREENSHOTS) / "queue-390x844.png")
