"""A catalog change from the CLI on the embedded default does not hold back the running
`lapak run`'s reconciler: its next tick sends the push at once."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from config import load_config
from jobs.cli import app
from jobs.runtime import Runtime
from sync import reconcile
from sync.catalog import import_catalog
from sync.dispatch import request_pushes
from sync.store.models import Merchant
from tests.shopee_setup import shop_env, write_config

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
def test_the_reconciler_pushes_right_after_a_cli_catalog_change(
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
    assert runner.invoke(app, [*args, "--config", str(config)]).exit_code == 0

    sent = Sent()
    # the running `lapak run`'s next reconcile tick
    request_pushes(runtime.db, sent, reconcile.stores_with_work(runtime.db))
    assert sorted(sent.pushes) == sorted(runtime.enabled_store_ids())
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
