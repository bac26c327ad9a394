"""`stray_listings`: "zero" or "report", in [lapak] for every store or per store."""

from __future__ import annotations

from pathlib import Path

import pytest
from lapak.config import ConfigError, load_config
from lapak.sync.store.models import Store
from lapak.wiring.runtime import Runtime
from sqlalchemy import select

from tests.shopee_setup import shop_env, write_config


def configured(tmp_path: Path, lapak: str, shop_b: str = "") -> Path:
    path = tmp_path / "lapak.toml"
    write_config(path, "http://127.0.0.1:9", database_url=f"sqlite:///{tmp_path / 'l.db'}")
    text = path.read_text().replace("[lapak]\n", f"[lapak]\n{lapak}\n", 1)
    marker = 'name = "shop-b"\n'
    path.write_text(text.replace(marker, f"{marker}{shop_b}\n", 1))
    return path


def store_actions(path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for key, value in shop_env(path).items():
        monkeypatch.setenv(key, value)
    runtime = Runtime(load_config(path))
    try:
        runtime.bootstrap()
        with runtime.db.session() as session:
            rows = session.execute(select(Store.name, Store.stray_listings))
            return {name: action for name, action in rows}
    finally:
        runtime.close()


def test_the_default_zeroes_and_a_store_may_only_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = configured(tmp_path, "", shop_b='stray_listings = "report"')
    assert store_actions(path, monkeypatch) == {"shop-a": "zero", "shop-b": "report"}


def test_the_lapak_table_sets_every_stores_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = configured(tmp_path, 'stray_listings = "report"', shop_b='stray_listings = "zero"')
    assert store_actions(path, monkeypatch) == {"shop-a": "report", "shop-b": "zero"}


def test_another_value_is_a_located_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = configured(tmp_path, 'stray_listings = "delete"')
    for key, value in shop_env(path).items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert "lapak.toml: lapak.stray_listings: Input should be 'zero' or 'report'" in str(
        refused.value
    )
