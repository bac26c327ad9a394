"""`lapak stores [--json]`: every store, connected or not, its tokens' lifetimes with the
refresh-token warning, last push, pull and error; never a token."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lapak.cli import app
from lapak.config import load_config
from lapak.sync.connections import save_grant
from lapak.sync.store.models import Store
from lapak.sync.store_overview import REFRESH_WARNING_DAYS, refresh_warning
from lapak.sync.types import Grant, TokenSet
from lapak.wiring.runtime import Runtime
from typer.testing import CliRunner

from tests.shopee_setup import shop_env, write_config

runner = CliRunner()
ACCESS, REFRESH = "access-token-never-shown-1234", "refresh-token-never-shown-5678"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """shop-a authorized (a grant and tokens, its refresh token dying in 3 days), shop-b
    declared with the app's keys only: not connected."""
    path = tmp_path / "lapak.toml"
    write_config(path, "http://127.0.0.1:9", database_url=f"sqlite:///{tmp_path / 'lapak.db'}")
    text = path.read_text()
    app_keys_only = text.replace(
        'shop_id = "SHOP_B_SHOP_ID"\nrefresh_token = "SHOP_B_REFRESH"\n', ""
    )
    assert app_keys_only != text
    path.write_text(app_keys_only)
    for key, value in shop_env(path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("LAPAK_LANG", "en")
    monkeypatch.setenv("COLUMNS", "240")
    runtime = Runtime(load_config(path))
    runtime.bootstrap()
    now = datetime.now(UTC)
    token = TokenSet(ACCESS, REFRESH, now + timedelta(hours=4), now + timedelta(days=3, hours=1))
    grant = Grant(identity={"shop_id": "501"}, token=token)
    save_grant(runtime.db, runtime.sealer, runtime.store_ids["shop-a"], grant)
    with runtime.db.session() as session:
        store = session.get(Store, runtime.store_ids["shop-a"])
        assert store is not None
        store.last_push_at = datetime(2026, 6, 12, 7, 5, tzinfo=UTC)  # 14:05 WIB
        # after the grant: errors from before a store's latest authorization are over
        store.last_error, store.last_error_at = "shopee said no", datetime.now(UTC)
    runtime.close()
    return path


def test_json_gives_every_store_connected_or_not_in_utc_and_no_token(config: Path) -> None:
    result = runner.invoke(app, ["stores", "--json", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert ACCESS not in result.output and REFRESH not in result.output
    a, b = json.loads(result.output)
    assert (a["name"], a["connected"], a["connected_by"]) == ("shop-a", True, "grant")
    assert (b["name"], b["connected"], b["connected_by"]) == ("shop-b", False, None)
    assert a["last_push_at"] == "2026-06-12T07:05:00+00:00"
    assert a["refresh_expires_at"].endswith("+00:00") and a["granted_at"].endswith("+00:00")
    assert "dies in 3 days" in a["refresh_warning"] and "Shopee" in a["refresh_warning"]
    assert a["last_error"] == "shopee said no"
    assert b["token_expires_at"] is None and b["refresh_warning"] is None


def test_the_table_labels_times_in_wib_and_warns_of_a_dying_refresh_token(config: Path) -> None:
    result = runner.invoke(app, ["stores", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert ACCESS not in result.output and REFRESH not in result.output
    assert "12 Jun 14:05 WIB" in result.output  # last push, in WIB and labelled
    assert "lapak connect shop-b" in result.output
    assert "shop-a: The refresh token dies in 3 days." in result.output
    assert "an unused one dies after 30 days" in result.output


def test_a_store_whose_configured_credentials_are_complete_is_connected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "lapak.toml"
    write_config(path, "http://127.0.0.1:9", database_url=f"sqlite:///{tmp_path / 'lapak.db'}")
    for key, value in shop_env(path).items():
        monkeypatch.setenv(key, value)
    result = runner.invoke(app, ["stores", "--json", "--config", str(path)])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["name"], r["connected_by"]) for r in rows] == [
        ("shop-a", "config"),
        ("shop-b", "config"),
    ]


def test_refresh_warnings_come_within_the_warning_days_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LAPAK_LANG", "en")
    now = datetime(2026, 6, 12, tzinfo=UTC)
    late = now + timedelta(days=REFRESH_WARNING_DAYS, seconds=1)
    assert refresh_warning("lazada", late, now) is None
    assert refresh_warning("lazada", None, now) is None
    soon = refresh_warning("lazada", now + timedelta(days=1, hours=2), now)
    assert soon == "The refresh token dies in 1 day. Reconnect the store before then."
    today = refresh_warning("tiktok", now + timedelta(hours=5), now)
    assert today == "The refresh token dies today. Reconnect the store before then."
    gone = refresh_warning("tiktok", now - timedelta(minutes=1), now)
    assert gone == "The refresh token has expired. Reconnect the store."
    shopee = refresh_warning("shopee", now + timedelta(days=6), now)
    assert shopee and "Keep Lapak running" in shopee and "30 days" in shopee
