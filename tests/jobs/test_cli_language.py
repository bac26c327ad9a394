"""The CLI in Bahasa Indonesia by default and in English with `LAPAK_LANG=en`: times in the
store's zone, labelled, amounts in Rupiah (`lapak queue list`, claim, ship, errors)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from lapak.config import load_config
from lapak.sync.orders import ingest_orders
from lapak.sync.store.models import Store
from lapak.sync.types import OrderStatus, RemoteOrder, RemoteOrderLine
from lapak.wiring.runtime import Runtime

from tests.jobs.test_cli import config, invoke

__all__ = ["config"]  # the fixture

SHIP_BY = datetime(2031, 12, 6, 7, 5, tzinfo=UTC)  # 14:05 WIB, 15:05 WITA


def _order(config: Path, store_name: str, external_id: str) -> None:
    runtime = Runtime(load_config(config))
    runtime.bootstrap()
    now = datetime.now(UTC)
    with runtime.db.session() as session:
        store = session.query(Store).filter_by(name=store_name).one()
        remote = RemoteOrder(
            external_id=external_id,
            status=OrderStatus.READY_TO_SHIP,
            created_at=now - timedelta(minutes=5),
            updated_at=now,
            lines=(RemoteOrderLine("1", "KOPI-1", 2, Decimal(103_000), "Kopi"),),
            total=Decimal(206_000),
            currency="IDR",
            buyer_city="Malang",
            ship_by=SHIP_BY,
        )
        ingest_orders(session, store, [remote])
    runtime.close()


@pytest.fixture
def indonesian(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAPAK_LANG", raising=False)  # the default
    monkeypatch.setenv("COLUMNS", "220")  # one table row per order


def test_queue_list_is_in_indonesian_with_wib_and_rupiah(config: Path, indonesian: None) -> None:
    _order(config, "shop-a", "A-1")
    listed = invoke("queue", "list", "--config", config)
    assert listed.exit_code == 0, listed.output
    header = listed.output
    for word in ("toko", "pesanan", "batas kirim", "barang", "total", "kota", "diklaim"):
        assert word in header, word
    assert "6 Des 14:05 WIB" in header
    assert "2 × KOPI-1 @ Rp 103.000" in header and "Rp 206.000" in header
    assert "Siap kirim" in header


def test_a_store_in_wita_shows_its_times_in_wita(config: Path, indonesian: None) -> None:
    text = config.read_text()
    config.write_text(text.replace('name = "shop-a"', 'name = "shop-a"\ntimezone = "WITA"', 1))
    _order(config, "shop-a", "A-1")
    listed = invoke("queue", "list", "--config", config)
    assert "6 Des 15:05 WITA" in listed.output and "WIB" not in listed.output


def test_claim_and_refusals_speak_the_chosen_language(
    config: Path, indonesian: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _order(config, "shop-a", "A-1")
    claimed = invoke("queue", "claim", "--config", config, "--as", "dewi")
    assert claimed.exit_code == 0 and "diklaim dewi sampai" in claimed.output
    assert claimed.output.strip().endswith("WIB")
    refused = invoke("queue", "list", "--status", "bogus", "--config", config)
    assert refused.exit_code == 2 and "bukan status" in refused.output
    monkeypatch.setenv("LAPAK_LANG", "en")
    refused = invoke("queue", "list", "--status", "bogus", "--config", config)
    assert refused.exit_code == 2 and "is not a status" in refused.output
    listed = invoke("queue", "list", "--config", config)
    assert "ship by" in listed.output and "6 Dec 14:05 WIB" in listed.output
    assert "Rp 206.000" in listed.output  # Rupiah is written the Indonesian way in English too
