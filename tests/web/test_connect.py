"""Connecting Shopee, Lazada and TikTok Shop stores through their authorization flows, over
real HTTP: Lapak's link → the sandbox's consent page → Authorize → Lapak's callback →
the grant stored sealed → a connector made from it calls the marketplace."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from lapak.config import load_config
from lapak.sandboxes.kit.consent import press_authorize
from lapak.sandboxes.registry import sandbox_for
from lapak.sync import connect
from lapak.sync.protocol import AuthError
from lapak.sync.store.models import JobEvent, StoreGrant, Token
from lapak.web.app import create_app
from lapak.wiring.runtime import Runtime
from lapak.wiring.server import serve
from sqlalchemy import select

OPERATOR_TOKEN = "ops-connect-test-token"
APP_KEYS = {
    "shopee": {"partner_id": "2001887", "partner_key": "connect-partner-key-0123456789"},
    "lazada": {"app_key": "120001", "app_secret": "connect-lazada-secret-0123456789"},
    "tiktok": {
        "app_key": "6dconnect",
        "app_secret": "connect-tiktok-secret-0123456789",
        "service_id": "7310000000000connect",
    },
}
STORES = {"shopee": "toko-shopee", "lazada": "toko-lazada", "tiktok": "toko-tiktok"}
EN = {"Accept-Language": "en"}
"""The checks below read the English page; Bahasa Indonesia, the default, has its own test."""


@dataclass
class Recorder:
    """A dispatcher that records the follow-up a connection asks for."""

    pushes: list[int] = field(default_factory=list)
    pulls: list[int] = field(default_factory=list)

    def push(self, store_id: int) -> None:
        self.pushes.append(store_id)

    def pull(self, store_id: int) -> None:
        self.pulls.append(store_id)

    def fetch_orders(self, store_id: int, external_ids: Sequence[str]) -> None:
        return None

    def ship(self, order_id: int) -> None:
        return None

    def process_webhooks(self, store_id: int) -> None:
        return None


@dataclass
class Lapak:
    runtime: Runtime
    web_url: str
    sandboxes: dict[str, Any]
    dispatcher: Recorder


def _env(platform: str, key: str) -> str:
    return f"CONNECT_{platform.upper()}_{key.upper()}"


@pytest.fixture
def lapak(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lapak]:
    """Three stores whose config holds app keys only, their sandboxes, Lapak's web app."""
    servers, sandboxes, tables = [], {}, []
    for platform, name in STORES.items():
        app = sandbox_for(platform).app([{"name": name, **APP_KEYS[platform]}])
        app.state.sandbox.set_rate_limit(0) if platform == "shopee" else None
        server = serve(app)
        servers.append(server)
        sandboxes[platform] = app.state.sandbox
        credentials = "\n".join(f'{k} = "{_env(platform, k)}"' for k in APP_KEYS[platform])
        for key, value in APP_KEYS[platform].items():
            monkeypatch.setenv(_env(platform, key), value)
        tables.append(
            f'[[stores]]\nname = "{name}"\nplatform = "{platform}"\nmerchant = "Toko"\n'
            f'base_url = "{server.url}"\n[stores.credentials]\n{credentials}\n'
        )
    monkeypatch.setenv("CONNECT_OPERATOR_TOKEN", OPERATOR_TOKEN)
    config = tmp_path / "lapak.toml"
    config.write_text(
        f'[lapak]\ndatabase_url = "sqlite:///{tmp_path / "lapak.db"}"\n'
        'operator_token_env = "CONNECT_OPERATOR_TOKEN"\n'
        '[[merchants]]\nname = "Toko"\n' + "\n".join(tables)
    )
    runtime = Runtime(load_config(config))
    runtime.bootstrap()
    dispatcher = Recorder()
    web = serve(create_app(runtime, dispatcher))
    try:
        yield Lapak(runtime, web.url, sandboxes, dispatcher)
    finally:
        web.stop()
        for server in servers:
            server.stop()
        runtime.close()


@pytest.mark.parametrize("platform", sorted(STORES))
def test_a_store_connects_through_its_platforms_authorization(lapak: Lapak, platform: str) -> None:
    store = STORES[platform]
    store_id = lapak.runtime.store_ids[store]
    with pytest.raises(AuthError, match=f"not connected: run lapak connect {store}"):
        list(lapak.runtime.connector(store_id).scan_listings())

    started = connect.start(lapak.runtime, store, base_url=lapak.web_url)
    assert started.link is not None
    page = press_authorize(started.link, headers=EN)

    assert page.status_code == 200, page.text
    assert str(page.url).startswith(f"{lapak.web_url}/connect/{store}/callback")
    assert f"{store} is connected" in page.text
    with lapak.runtime.db.session() as session:
        token = session.get(Token, store_id)
        grant = session.get(StoreGrant, store_id)
        assert token is not None and grant is not None
        assert token.access_token.startswith("fernet:")
        assert token.refresh_token.startswith("fernet:")
        assert token.access_token not in page.text
        event = session.scalars(select(JobEvent).where(JobEvent.actor == "connect_store")).one()
        assert (event.store_id, event.outcome) == (store_id, "ok")
    assert lapak.runtime.vault(store_id).peek() is not None
    opened = lapak.runtime.vault(store_id).peek()
    assert opened is not None and opened.access_token not in page.text
    assert list(lapak.runtime.connector(store_id).scan_listings()) == []
    assert lapak.dispatcher.pushes == [store_id]
    assert lapak.dispatcher.pulls == [store_id]


def test_the_page_speaks_bahasa_indonesia_by_default(lapak: Lapak) -> None:
    store = STORES["lazada"]
    started = connect.start(lapak.runtime, store, base_url=lapak.web_url)
    assert started.link is not None

    page = press_authorize(started.link)  # a browser that names no language
    replayed = httpx.get(str(page.url))

    assert page.status_code == 200 and '<html lang="id">' in page.text
    assert f"{store} sudah terhubung" in page.text
    assert "token saat ini berlaku sampai" in page.text and "WIB" in page.text
    assert replayed.status_code == 400 and f"{store} belum terhubung" in replayed.text
    assert f"jalankan lapak connect {store} lagi" in replayed.text


def test_a_state_is_good_once(lapak: Lapak) -> None:
    store = STORES["lazada"]
    started = connect.start(lapak.runtime, store, base_url=lapak.web_url)
    assert started.link is not None
    first = press_authorize(started.link, headers=EN)
    assert "is connected" in first.text

    replayed = httpx.get(str(first.url), headers=EN)

    assert replayed.status_code == 400
    assert "already used or is older than 30 minutes" in replayed.text
    assert f"run lapak connect {store} again" in replayed.text


def test_a_state_of_another_store_is_refused_and_kept(lapak: Lapak) -> None:
    shopee, lazada = STORES["shopee"], STORES["lazada"]
    started = connect.start(lapak.runtime, lazada, base_url=lapak.web_url)

    refused = httpx.get(
        f"{lapak.web_url}/connect/{shopee}/callback",
        params={"state": started.state, "code": "x", "shop_id": "1"},
        headers=EN,
    )

    assert refused.status_code == 400
    assert "made for another store" in refused.text
    assert started.link is not None
    assert (
        "is connected" in press_authorize(started.link, headers=EN).text
    )  # still good for its store


def test_an_expired_code_is_refused_in_words(lapak: Lapak) -> None:
    store = STORES["tiktok"]
    started = connect.start(lapak.runtime, store, base_url=lapak.web_url)
    assert started.link is not None
    with httpx.Client(follow_redirects=False, headers=EN) as browser:
        page = browser.get(started.link)
        shop = parse_qs(urlsplit(started.link).query)
        consent = browser.post(
            f"{urlsplit(started.link).scheme}://{urlsplit(started.link).netloc}/open/authorize",
            data={**{k: v[0] for k, v in shop.items()}, "shop": store},
        )
    assert page.status_code == 200 and consent.status_code == 303
    lapak.sandboxes["tiktok"].clock.advance(31 * 60)  # TikTok's codes live 30 minutes

    answer = httpx.get(consent.headers["location"], headers=EN)

    assert answer.status_code == 400
    assert f"{store} is not connected" in answer.text
    assert "the code may have expired" in answer.text
    with lapak.runtime.db.session() as session:
        event = session.scalars(select(JobEvent).where(JobEvent.actor == "connect_store")).one()
        assert event.outcome == "error"


def test_the_operators_connect_button_redirects_to_the_platform(lapak: Lapak) -> None:
    store = STORES["shopee"]
    with httpx.Client(follow_redirects=False) as browser:
        anonymous = browser.get(
            f"{lapak.web_url}/ops/connect/{store}", headers={"Accept": "application/json"}
        )
        answer = browser.get(
            f"{lapak.web_url}/ops/connect/{store}",
            headers={"Authorization": f"Bearer {OPERATOR_TOKEN}", **EN},
        )

    assert anonymous.status_code == 401
    assert answer.status_code == 303
    link = answer.headers["location"]
    assert "/api/v2/shop/auth_partner?" in link
    assert "is connected" in press_authorize(link, headers=EN).text


def test_an_unknown_store_is_a_404(lapak: Lapak) -> None:
    answer = httpx.get(
        f"{lapak.web_url}/ops/connect/nope",
        headers={"Authorization": f"Bearer {OPERATOR_TOKEN}", **EN},
    )
    assert answer.status_code == 404
    assert "nope" in answer.text
