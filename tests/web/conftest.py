"""Fixtures shared by the web tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lapak.config import load_config
from lapak.sync.store.db import Database
from lapak.wiring.runtime import Runtime

from tests.shopee_setup import shop_env, write_config


@pytest.fixture
def runtime(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    """Two Shopee shops on the `db` fixture's database (SQLite, then PostgreSQL)."""
    config = tmp_path / "lapak.toml"
    write_config(config, "http://127.0.0.1:9", database_url=db.url)
    for key, value in shop_env(config).items():
        monkeypatch.setenv(key, value)
    runtime = Runtime(load_config(config))
    runtime.bootstrap()
    yield runtime
    runtime.close()
