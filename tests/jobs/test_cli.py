"""The `lapak` command line: located errors, catalog, queue (through Typer's runner)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from lapak.cli import app
from lapak.config import load_config
from lapak.sync.orders import ingest_orders
from lapak.sync.store.models import Store
from lapak.sync.types import OrderStatus, RemoteOrder, RemoteOrderLine
from lapak.wiring.runtime import Runtime
from typer.testing import CliRunner

from tests.shopee_setup import shop_env, write_config

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "lapak.toml"
    write_config(path, "http://127.0.0.1:9", database_url=f"sqlite:///{tmp_path / 'lapak.db'}")
    for key, value in shop_env(path).items():
        monkeypatch.setenv(key, value)
    return path


def invoke(*args: str | Path) -> object:
    return runner.invoke(app, [str(a) for a in args])


def test_bad_config_exits_2_with_one_located_line_per_problem(
    tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHOP_B_REFRESH")
    text = config.read_text().replace('platform = "shopee"', 'platform = "shopy"', 1)
    config.write_text(text)
    result = invoke("queue", "list", "--config", config)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert any("stores[0].platform" in line and "shopy" in line for line in lines)
    assert any("stores[1].credentials.refresh_token" in line for line in lines)
    assert all(line.startswith("lapak.toml: ") for line in lines)
    assert "Traceback" not in result.output


def test_catalog_import_reports_bad_rows_and_keeps_good_ones(config: Path, tmp_path: Path) -> None:
    csv = tmp_path / "catalog.csv"
    csv.write_text(
        "sku,name,price,stock,weight_grams\n"
        "KOPI-1,Kopi,25000,10,250\n"
        "KOPI-2,Kopi 2,not-a-price,5,250\n"
        "KOPI-3,Kopi 3,30000,7,250\n"
    )
    result = invoke("catalog", "import", csv, "--config", config)
    assert result.exit_code == 1
    assert "2 created" in result.output
    assert f"{csv}: row 3: price" in result.output
    missing = invoke("catalog", "set-stock", "NOPE", "3", "--config", config)
    assert missing.exit_code == 1 and "NOPE" in missing.output
    assert invoke("catalog", "set-stock", "KOPI-1", "3", "--config", config).exit_code == 0


def _order_on(config: Path, store_name: str, external_id: str) -> None:
    runtime = Runtime(load_config(config))
    runtime.bootstrap()
    now = datetime.now(UTC)
    with runtime.db.session() as session:
        store = session.query(Store).filter_by(name=store_name).one()
        remote = RemoteOrder(
            external_id=external_id,
            status=OrderStatus.READY_TO_SHIP,
            created_at=now,
            updated_at=now,
            lines=(RemoteOrderLine("1", "KOPI-1", 2, Decimal(25_000), "Kopi"),),
            total=Decimal(50_000),
            currency="IDR",
            buyer_city="Malang",
            ship_by=now + timedelta(days=1),
        )
        ingest_orders(session, store, [remote])
    runtime.close()


def test_queue_json_claim_and_ship_only_for_the_resellers_stores(config: Path) -> None:
    _order_on(config, "shop-a", "A-1")
    _order_on(config, "shop-b", "B-1")
    listed = invoke("queue", "list", "--json", "--config", config, "--as", "dewi")
    orders = json.loads(listed.output)
    assert [o["external_id"] for o in orders] == ["A-1"]  # dewi works shop-a only
    assert {"id", "store", "platform", "external_id", "status", "ship_by", "lines"} <= set(
        orders[0]
    )
    line = {"sku": "KOPI-1", "name": "Kopi", "quantity": 2}
    amounts = {"unit_price": "25000.00", "line_total": "50000.00"}  # decimal strings
    assert orders[0]["lines"] == [{**line, **amounts}]
    everything = json.loads(invoke("queue", "list", "--json", "--config", config).output)
    b_order = next(o for o in everything if o["external_id"] == "B-1")
    denied = invoke("queue", "claim", b_order["id"], "--config", config, "--as", "dewi")
    assert denied.exit_code == 2 and "forbidden" in denied.output
    claimed = invoke("queue", "claim", orders[0]["id"], "--config", config, "--as", "dewi")
    assert claimed.exit_code == 0, claimed.output
    shipped = invoke("queue", "ship", orders[0]["id"], "JNE-1", "--config", config, "--as", "dewi")
    assert shipped.exit_code == 0, shipped.output
    after = json.loads(invoke("queue", "list", "--json", "--config", config).output)
    mine = next(o for o in after if o["external_id"] == "A-1")
    assert (mine["ship_state"], mine["tracking_number"]) == ("requested", "JNE-1")
