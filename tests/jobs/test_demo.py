"""`lapak demo` end to end: one catalog on six sandbox marketplaces, orders into one queue."""

from __future__ import annotations

import io
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from lapak.cli.demo import STORES, run_demo
from rich.console import Console
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.xdist_group("deployments-a")
"""A whole deployment (web, workers, scheduler, sandboxes): under pytest-xdist the tests of
its group run one at a time on one worker (`.ci/run`: `--dist loadgroup`), so at most two
deployments share the machine."""

ROOT = Path(__file__).resolve().parents[2]
GRANTED = ("refresh_token", "access_token", "consumer_key", "consumer_secret", "shop_cipher")
"""What only a seller's authorization gives: never in the demo's config or env file."""


@pytest.mark.parametrize("chaos", [False, True], ids=["calm", "chaos"])
def test_the_demo_syncs_six_marketplaces_into_one_queue(tmp_path: Path, chaos: bool) -> None:
    """With `chaos`, every marketplace answers 5xx, throttles and lags while buyers shop:
    afterwards nothing is lost, duplicated or diverged all the same. (Buyers start once the
    catalog is on every store; under chaos that takes longer, so the run does too.)"""
    out = io.StringIO()

    summary = run_demo(
        tmp_path,
        duration=26 if chaos else 14,
        orders_per_second=6,
        console=Console(file=out),
        web_port=0,
        chaos=chaos,
    )

    assert summary is not None, out.getvalue()
    assert {row.store for row in summary} == {store.name for store in STORES}
    for row in summary:
        assert row.published == 10, row
        # every marketplace holds Lapak's stock (the narration's end says what moved last)
        assert row.in_step == row.published, (row, out.getvalue()[-3000:])
        assert row.orders == row.on_marketplace, row  # and Lapak holds every order
    assert sum(row.orders for row in summary) >= 10  # fewer under chaos: publishing is slower
    assert sum(1 for row in summary if row.orders) >= len(STORES) - 2
    printed = out.getvalue()
    assert "sign in as reseller dewi with token demo-" in " ".join(printed.split())
    engine = create_engine(f"sqlite:///{tmp_path / 'lapak.db'}")
    with engine.connect() as db:
        orders, distinct = db.execute(
            text("SELECT count(*), count(DISTINCT store_id || ':' || external_id) FROM orders")
        ).one()
        assert orders == distinct
        lines, reserved = db.execute(
            text("SELECT count(DISTINCT order_line_id), count(*) FROM reservations")
        ).one()
        assert lines == reserved
        assert db.execute(text("SELECT min(on_hand) FROM products")).scalar_one() >= 0
        failed = db.execute(text("SELECT count(*) FROM listings WHERE failed")).scalar_one()
        assert failed == 0
        tokens = db.execute(text("SELECT access_token, refresh_token FROM tokens")).all()
        assert tokens and all(v.startswith("fernet:") for row in tokens for v in row)
    engine.dispose()
    for secret_file in ("lapak.env", "lapak.db"):  # secrets and buyers: the owner's only
        assert stat.S_IMODE((tmp_path / secret_file).stat().st_mode) == 0o600, secret_file
    for store in STORES:  # connected as a seller connects: through the authorization
        assert f"connected {store.name} ({store.platform})" in printed
    written = (tmp_path / "lapak.toml").read_text() + (tmp_path / "lapak.env").read_text()
    assert not [key for key in GRANTED if key in written.lower()]
    listed = subprocess.run(
        [str(Path(sys.executable).parent / "lapak"), "stores", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    connected = {
        row["name"]: (row["connected"], row["connected_by"]) for row in json.loads(listed.stdout)
    }
    assert connected == {store.name: (True, "grant") for store in STORES}
