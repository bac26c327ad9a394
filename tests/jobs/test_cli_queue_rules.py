"""`lapak queue` keeps the page's and the API's claim rules, validates its filters and
matches reseller names ignoring case (issue 9, small traps)."""

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
    """shop-a worked by two resellers: dewi and Ani (capital A)."""
    path = tmp_path / "lapak.toml"
    write_config(path, "http://127.0.0.1:9", database_url=f"sqlite:///{tmp_path / 'lapak.db'}")
    text = path.read_text().replace(
        "[[resellers]]",
        '[[resellers]]\nname = "Ani"\ntoken_env = "ANI_TOKEN"\nstores = ["shop-a"]\n\n'
        "[[resellers]]",
        1,
    )
    path.write_text(text)
    for key, value in shop_env(path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("ANI_TOKEN", "ani-token-123456")
    monkeypatch.delenv("LAPAK_RESELLER_TOKEN", raising=False)
    return path


def invoke(*args: str | int | Path):  # type: ignore[no-untyped-def]
    return runner.invoke(app, [str(a) for a in args])


def _order(config: Path, external_id: str = "A-1") -> int:
    runtime = Runtime(load_config(config))
    runtime.bootstrap()
    now = datetime.now(UTC)
    try:
        with runtime.db.session() as session:
            store = session.query(Store).filter_by(name="shop-a").one()
            remote = RemoteOrder(
                external_id=external_id,
                status=OrderStatus.READY_TO_SHIP,
                created_at=now,
                updated_at=now,
                lines=(RemoteOrderLine("1", "KOPI-1", 1, Decimal(25_000), "Kopi"),),
                total=Decimal(25_000),
                currency="IDR",
                buyer_city="Malang",
                ship_by=now + timedelta(days=1),
            )
            ingest_orders(session, store, [remote])
        listed = invoke("queue", "list", "--json", "--config", config)
        return next(o["id"] for o in json.loads(listed.output) if o["external_id"] == external_id)
    finally:
        runtime.close()


def _state(config: Path, order_id: int) -> dict[str, object]:
    listed = json.loads(invoke("queue", "list", "--json", "--config", config).output)
    return next(o for o in listed if o["id"] == order_id)


@pytest.mark.parametrize("action", ["ship", "pack", "release"])
def test_an_order_nobody_claimed_is_refused(config: Path, action: str) -> None:
    order_id = _order(config)
    extra = ["JNE-1"] if action == "ship" else []
    result = invoke("queue", action, order_id, *extra, "--config", config, "--as", "dewi")
    assert result.exit_code == 2, result.output
    assert f"order {order_id} is not claimed by you" in result.output
    assert f"lapak queue claim {order_id}" in result.output
    after = _state(config, order_id)
    assert (after["claimed_by"], after["ship_state"], after["packed_at"]) == (None, "none", None)


@pytest.mark.parametrize("action", ["ship", "pack", "release"])
def test_an_order_another_reseller_claimed_is_refused(config: Path, action: str) -> None:
    order_id = _order(config)
    assert invoke("queue", "claim", order_id, "--config", config, "--as", "Ani").exit_code == 0
    extra = ["JNE-1"] if action == "ship" else []
    result = invoke("queue", action, order_id, *extra, "--config", config, "--as", "dewi")
    assert result.exit_code == 2, result.output
    assert f"order {order_id} is claimed by Ani" in result.output
    after = _state(config, order_id)
    assert (after["claimed_by"], after["ship_state"], after["packed_at"]) == ("Ani", "none", None)


def test_the_claim_holder_packs_and_ships(config: Path) -> None:
    order_id = _order(config)
    assert invoke("queue", "claim", order_id, "--config", config, "--as", "dewi").exit_code == 0
    assert invoke("queue", "pack", order_id, "--config", config, "--as", "dewi").exit_code == 0
    shipped = invoke("queue", "ship", order_id, "JNE-9", "--config", config, "--as", "dewi")
    assert shipped.exit_code == 0, shipped.output
    assert _state(config, order_id)["tracking_number"] == "JNE-9"


def test_reseller_names_match_ignoring_case(config: Path) -> None:
    order_id = _order(config)
    claimed = invoke("queue", "claim", order_id, "--config", config, "--as", "ani")
    assert claimed.exit_code == 0, claimed.output
    assert "as Ani" in claimed.output
    assert _state(config, order_id)["claimed_by"] == "Ani"  # the config's spelling, as the page
    shipped = invoke("queue", "ship", order_id, "JNE-2", "--config", config, "--as", "ANI")
    assert shipped.exit_code == 0, shipped.output


def test_an_unknown_reseller_names_the_ones_there_are(config: Path) -> None:
    result = invoke("queue", "list", "--config", config, "--as", "budi")
    assert result.exit_code == 2
    assert "no reseller named 'budi'" in result.output and "Ani, dewi" in result.output


def test_a_bogus_status_lists_the_allowed_ones(config: Path) -> None:
    result = invoke("queue", "list", "--config", config, "--status", "bogus")
    assert result.exit_code == 2
    assert "--status 'bogus'" in result.output
    assert "ready_to_ship" in result.output and "cancelled" in result.output
    fine = invoke("queue", "list", "--json", "--config", config, "--status", "unpaid")
    assert fine.exit_code == 0 and json.loads(fine.output) == []


def test_two_resellers_differing_only_in_case_are_a_config_problem(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = config.read_text().replace('name = "dewi"', 'name = "ANI"')
    config.write_text(text)
    result = invoke("queue", "list", "--config", config)
    assert result.exit_code == 2
    assert "resellers[1].name" in result.output and "only in case" in result.output
