"""The operators' stores page shows each store's connection: connected or not, token and
refresh-token expiry with the warning, and a Connect / Reconnect button to
/ops/connect/{store}; its JSON carries the same fields — on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lapak.config import load_config
from lapak.sync.connections import save_grant
from lapak.sync.store.db import Database
from lapak.sync.types import Grant, TokenSet
from lapak.web.app import create_app
from lapak.wiring.runtime import Runtime

from tests.shopee_setup import shop_env, write_config
from tests.web.test_webhooks import Recorder

OPERATOR_TOKEN = "ops-token-0123456789"
ACCESS, REFRESH = "access-token-never-shown-1234", "refresh-token-never-shown-5678"


@pytest.fixture
def runtime(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    """shop-a authorized, its refresh token dying in 2 days; shop-b with the app's keys only."""
    config = tmp_path / "lapak.toml"
    write_config(config, "http://127.0.0.1:9", database_url=db.url)
    text = config.read_text()
    text = text.replace("[lapak]\n", '[lapak]\noperator_token_env = "OPS_TOKEN"\n', 1)
    text = text.replace('shop_id = "SHOP_B_SHOP_ID"\nrefresh_token = "SHOP_B_REFRESH"\n', "")
    config.write_text(text)
    for key, value in shop_env(config).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("OPS_TOKEN", OPERATOR_TOKEN)
    runtime = Runtime(load_config(config))
    runtime.bootstrap()
    now = datetime.now(UTC)
    token = TokenSet(ACCESS, REFRESH, now + timedelta(hours=4), now + timedelta(days=2, hours=1))
    grant = Grant(identity={"shop_id": "501"}, token=token)
    save_grant(runtime.db, runtime.sealer, runtime.store_ids["shop-a"], grant)
    yield runtime
    runtime.close()


def _row(page: str, store: str) -> str:
    match = re.search(rf'<tr[^>]*data-store="{store}">(.*?)</tr>', page, re.S)
    assert match, f"no row for {store}"
    return match.group(1)


def test_the_page_shows_connect_or_reconnect_and_the_refresh_warning(runtime: Runtime) -> None:
    browser = TestClient(create_app(runtime, dispatcher=Recorder()))
    browser.headers["Accept-Language"] = "en"
    signed_in = browser.post("/signin", data={"token": OPERATOR_TOKEN}, follow_redirects=False)
    assert signed_in.status_code == 303
    page = browser.get("/ops/")
    assert page.status_code == 200
    assert ACCESS not in page.text and REFRESH not in page.text
    a, b = _row(page.text, "shop-a"), _row(page.text, "shop-b")
    assert re.search(r'href="/ops/connect/shop-a">\s*Reconnect\s*<', a)
    assert re.search(r'href="/ops/connect/shop-b">\s*Connect\s*<', b)
    assert ">connected<" in a and ">not connected<" in b
    assert "Refresh token until" in a and "Token expires in" in a
    assert "The refresh token dies in 2 days." in a and "30 days" in a
    assert "Refresh token" not in b


def test_the_json_view_carries_the_same_fields(runtime: Runtime) -> None:
    client = TestClient(create_app(runtime, dispatcher=Recorder()))
    client.headers.update({"Authorization": f"Bearer {OPERATOR_TOKEN}", "Accept-Language": "en"})
    answer = client.get("/ops/")
    assert answer.status_code == 200
    assert ACCESS not in answer.text and REFRESH not in answer.text
    a, b = answer.json()["stores"]
    assert (a["name"], a["connected"], a["connected_by"]) == ("shop-a", True, "grant")
    assert (b["name"], b["connected"], b["connected_by"]) == ("shop-b", False, None)
    assert a["connect_url"] == "/ops/connect/shop-a"
    assert b["connect_url"] == "/ops/connect/shop-b"
    assert a["refresh_expires_at"] and a["token_expires_at"] and a["granted_at"]
    assert a["refresh_warning"].startswith("The refresh token dies in 2 days.")
    assert (b["refresh_expires_at"], b["refresh_warning"], b["granted_at"]) == (None, None, None)
