"""`POST /webhooks/app/{platform}`: one push URL for every shop of an app (Shopee, Lazada,
TikTok Shop, Tokopedia), through each platform's own sandbox pushing over real HTTP.

Per platform: a sandbox app with three shops, two of them stores of the config. An order on
either store reaches that store (its job, its stored record); the third shop's push is
answered 200 and kept refused; a wrong signature is 401 and keeps nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from lapak.config import load_config
from lapak.sandboxes.registry import sandbox_for
from lapak.sync.connections import save_grant
from lapak.sync.registry import plugin_for
from lapak.sync.store.db import Database
from lapak.sync.store.models import WebhookRecord
from lapak.sync.types import Grant
from lapak.web.app import create_app
from lapak.wiring.runtime import Runtime
from lapak.wiring.server import serve
from sqlalchemy import select

from tests.shopee_setup import wait_for
from tests.web.test_webhooks import Capture, Recorder

APP_PLATFORMS = ("shopee", "lazada", "tiktok", "tokopedia")
STORES = ("satu", "dua")
STRANGER = "tiga"
"""A shop of the same app that is no store of the config."""


def _credentials(platform: str, index: int) -> dict[str, Any]:
    """Sandbox credentials of the app's `index`-th shop: one app for all three shops."""
    plugin = plugin_for(platform)
    if platform == "tokopedia":  # its sandbox credentials are one app per name
        return sandbox_for(plugin.platform).credentials(f"{platform}-app", index)
    return sandbox_for(plugin.platform).credentials(f"{platform}-{index}", index)


def _config(path: Path, platform: str, sandbox_url: str, db_url: str) -> dict[str, str]:
    """Two stores of one app (TikTok's identified by their grants: its config names no
    shop id); returns the environment the config's variable names point at."""
    env: dict[str, str] = {}
    stores = ""
    for index, store in enumerate(STORES):
        lines = []
        for key, value in _credentials(platform, index).items():
            name = f"APP_{platform}_{store}_{key}".upper()
            env[name] = str(value)
            lines.append(f'{key} = "{name}"')
        stores += f"""
[[stores]]
name = "{platform}-{store}"
platform = "{platform}"
merchant = "umkm"
base_url = "{sandbox_url}"
rate_limit_per_second = 1000

[stores.credentials]
{chr(10).join(lines)}
"""
    path.write_text(f'[lapak]\ndatabase_url = "{db_url}"\n\n[[merchants]]\nname = "umkm"\n{stores}')
    return env


def _records(runtime: Runtime) -> list[WebhookRecord]:
    with runtime.db.session() as session:
        return list(session.scalars(select(WebhookRecord).order_by(WebhookRecord.id)))


def _tiktok_shop_ids(sandbox: Any) -> dict[str, str]:
    """The shop id of each TikTok sandbox shop (what its authorization names)."""
    return {name: shop.shop_id for name, shop in sandbox.state.sandbox.stores.items()}


@pytest.mark.parametrize("platform", APP_PLATFORMS)
def test_an_app_level_push_reaches_the_store_of_its_shop(
    platform: str, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin = plugin_for(platform)
    names = [f"{platform}-{s}" for s in (*STORES, STRANGER)]
    shops = [{"name": name, **_credentials(platform, i)} for i, name in enumerate(names)]
    sandbox = sandbox_for(plugin.platform).app(shops)
    control = sandbox.state.control
    control.set_rate_limit(0)
    with serve(sandbox) as marketplace:
        config = tmp_path / "lapak.toml"
        for key, value in _config(config, platform, marketplace.url, db.url).items():
            monkeypatch.setenv(key, value)
        runtime = Runtime(load_config(config))
        runtime.bootstrap()
        if platform == "tiktok":
            shop_ids = _tiktok_shop_ids(sandbox)
            for name in names[:2]:
                grant = Grant(identity={"shop_id": shop_ids[name]})
                save_grant(runtime.db, runtime.sealer, runtime.store_ids[name], grant)
        recorder = Recorder()
        capture = Capture(create_app(runtime, dispatcher=recorder))
        satu, dua = (runtime.store_ids[name] for name in names[:2])
        try:
            with serve(capture) as lapak:
                hook = f"{lapak.url}/webhooks/app/{platform}"
                for name in names:
                    control.set_webhook_url(name, hook)
                    control.add_listing(name, sku="KOPI-1", name="Kopi Gayo", price=25_000, stock=9)
                control.place_order(names[1], [("KOPI-1", 1)])
                assert control.flush_webhooks(10), "the sandbox did not deliver its pushes"
                wait_for("dua's push", lambda: bool(recorder.webhooks), timeout=10)
                assert set(recorder.webhooks) == {dua}
                assert {r.store_id for r in _records(runtime)} == {dua}
                control.place_order(names[0], [("KOPI-1", 1)])
                assert control.flush_webhooks(10)
                wait_for("satu's push", lambda: satu in recorder.webhooks, timeout=10)
                assert set(recorder.webhooks) == {satu, dua}
                assert all(r.error is None for r in _records(runtime))
                kept = len(_records(runtime))

                path, headers, body = capture.requests[0]
                assert path == f"/webhooks/app/{platform}"
                replay = {
                    k: v for k, v in headers.items() if k.lower() not in {"host", "content-length"}
                }
                forged = {
                    k: ("0" * 64 if k.lower().startswith("authorization") else v)
                    for k, v in replay.items()
                }
                ours = len(capture.requests)  # the forged request is ours, not the sandbox's
                assert httpx.post(hook, content=body, headers=forged).status_code == 401
                assert len(_records(runtime)) == kept  # nothing kept for a bad signature

                jobs = len(recorder.webhooks)
                control.place_order(names[2], [("KOPI-1", 1)])
                assert control.flush_webhooks(10)
                wait_for("the stranger's push", lambda: len(_records(runtime)) > kept)
                bodies = [sent for i, (_, _, sent) in enumerate(capture.requests) if i != ours]
                assert len(set(bodies)) == len(bodies), "a push was not counted delivered"
            refused = _records(runtime)[kept:]
            assert refused and all(r.topic == "unrouted" for r in refused)
            assert all(r.error and "no store is" in r.error for r in refused)
            assert all(r.processed_at is None for r in refused)
            assert len(recorder.webhooks) == jobs  # no job for a shop Lapak has no store for
        finally:
            runtime.close()
            control.close()


def test_an_app_level_url_of_a_platform_without_stores_is_404(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "lapak.toml"
    for key, value in _config(config, "lazada", "http://127.0.0.1:9", db.url).items():
        monkeypatch.setenv(key, value)
    runtime = Runtime(load_config(config))
    runtime.bootstrap()
    try:
        client = TestClient(create_app(runtime, dispatcher=Recorder()))
        assert client.post("/webhooks/app/shopee", content=b"{}").status_code == 404
        assert client.post("/webhooks/app/lazada", content=b"{}").status_code == 401
        assert _records(runtime) == []
    finally:
        runtime.close()
