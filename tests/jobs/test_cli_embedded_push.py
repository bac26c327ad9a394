"""A catalog change from the CLI on the embedded default is taken over by the running
`lapak run` (its push-request thread), and the CLI says who pushes it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import lapak.sync.dispatch
import pytest
from lapak.cli import app
from lapak.config import load_config
from lapak.jobs.broker import build_broker
from lapak.sync import reconcile
from lapak.sync.catalog import import_catalog
from lapak.sync.dispatch import foreign_push_requests, take_push_requests
from lapak.sync.store.models import Merchant
from lapak.wiring.runtime import Runtime
from redis import Redis
from sqlalchemy import select
from typer.testing import CliRunner

from tests.redis_fixture import redis_url_for
from tests.shopee_setup import shop_env, write_config

pytestmark = pytest.mark.xdist_group("redis-db-13")
"""Its tests flush a Redis database of their own: one worker runs them all."""

runner = CliRunner()


class Sent:
    """A dispatcher that records the pushes it is asked for."""

    def __init__(self) -> None:
        self.pushes: list[int] = []

    def push(self, store_id: int) -> None:
        self.pushes.append(store_id)

    def fetch_orders(self, store_id: int, external_ids: Sequence[str]) -> None:
        raise AssertionError("not expected")

    def ship(self, order_id: int) -> None:
        raise AssertionError("not expected")

    def process_webhooks(self, store_id: int) -> None:
        raise AssertionError("not expected")


@pytest.mark.parametrize("command", ["import", "set-stock"])
def test_a_running_lapak_takes_the_pushes_of_a_cli_catalog_change(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "lapak.toml"
    write_config(config, "http://127.0.0.1:9", database_url=f"sqlite:///{tmp_path / 'lapak.db'}")
    for key, value in shop_env(config).items():
        monkeypatch.setenv(key, value)
    catalog = tmp_path / "catalog.csv"
    catalog.write_text("sku,name,price,stock,weight_grams\nKOPI-1,Kopi Gayo,25000,10,250\n")
    runtime = Runtime(load_config(config))
    runtime.bootstrap()
    if command == "import":
        args = ["catalog", "import", str(catalog)]
    else:
        with runtime.db.session() as session:
            merchant_id = session.scalars(select(Merchant.id)).one()
        import_catalog(runtime.db, merchant_id, catalog)  # the product exists already
        args = ["catalog", "set-stock", "KOPI-1", "4"]
    monkeypatch.setattr("cli.common.TAKE_OVER_WAIT_SECONDS", 0.2)
    result = runner.invoke(app, [*args, "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "no lapak run is running: 2 stores will be pushed when lapak run starts" in (
        result.output
    )

    sent = Sent()
    # the `lapak run` started next (another process: another origin) takes them at once
    monkeypatch.setattr(lapak.sync.dispatch, "ORIGIN", "lapak-run")
    take_push_requests(runtime.db, sent, foreign_push_requests(runtime.db))
    assert sorted(sent.pushes) == sorted(runtime.enabled_store_ids())
    assert foreign_push_requests(runtime.db) == []  # its own now: not taken again
    runtime.close()


def test_a_catalog_change_with_the_job_queue_down_is_saved_and_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "lapak.toml"
    write_config(
        config,
        "http://127.0.0.1:9",
        database_url=f"sqlite:///{tmp_path / 'lapak.db'}",
        redis_url="redis://127.0.0.1:9/0",  # nothing listens: Redis is restarting
    )
    for key, value in shop_env(config).items():
        monkeypatch.setenv(key, value)
    catalog = tmp_path / "catalog.csv"
    catalog.write_text("sku,name,price,stock,weight_grams\nKOPI-1,Kopi Gayo,25000,10,250\n")
    result = runner.invoke(app, ["catalog", "import", str(catalog), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "job queue is unreachable" in result.output
    runtime = Runtime(load_config(config))
    runtime.bootstrap()
    with runtime.db.session() as session:
        assert session.scalars(select(Merchant.id)).one()  # the catalog is stored
    assert reconcile.stores_with_work(runtime.db) == set(runtime.store_ids.values())
    runtime.close()


CLI_REDIS_DB = 13
"""A Redis database this test owns alone (it flushes it)."""


def test_a_catalog_change_with_redis_enqueues_one_push_per_store_on_the_broker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Procfile deployment: the CLI's push messages go to Redis, where the workers are."""
    url = redis_url_for(CLI_REDIS_DB)
    Redis.from_url(url).flushdb()
    config = tmp_path / "lapak.toml"
    write_config(
        config, "http://127.0.0.1:9", database_url=f"sqlite:///{tmp_path / 'lapak.db'}",
        redis_url=url,
    )  # fmt: skip
    for key, value in shop_env(config).items():
        monkeypatch.setenv(key, value)
    runtime = Runtime(load_config(config))
    runtime.bootstrap()
    catalog = tmp_path / "catalog.csv"
    catalog.write_text("sku,name,price,stock,weight_grams\nKOPI-1,Kopi Gayo,25000,10,250\n")
    with runtime.db.session() as session:
        import_catalog(runtime.db, session.scalars(select(Merchant.id)).one(), catalog)
    try:
        result = runner.invoke(
            app, ["catalog", "set-stock", "KOPI-1", "4", "--config", str(config)]
        )
        assert result.exit_code == 0, result.output
        assert "pushing to 2 stores through the job queue" in result.output
        queued = Redis.from_url(url)
        messages = [json.loads(raw) for raw in queued.hvals("dramatiq:push.msgs")]
        assert sorted(m["args"][0] for m in messages if m["actor_name"] == "push_store") == (
            sorted(runtime.enabled_store_ids())
        )
    finally:
        Redis.from_url(url).flushdb()
        build_broker(None)  # later tests in this process get the in-process broker back
        runtime.close()
