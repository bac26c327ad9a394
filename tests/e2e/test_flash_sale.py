"""`benchmarks/flash_sale.py`, shortened: 50 orders/s for 5 s on the Shopee store, orders
arriving by webhook at the Procfile's web process; every order reaches Lapak and every
other store, no job fails on a deadlock, the selling store's stock is never pushed back up
and nothing is sold beyond stock. Both ways: at the platforms' published rate limits, and
with them lifted (Lapak paced at 1,000 calls/s per store)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services import require_redis_server

pytestmark = pytest.mark.xdist_group("deployments-b")
"""A whole deployment (web, workers, scheduler, sandboxes): under pytest-xdist the tests of
its group run one at a time on one worker (`.ci/run`: `--dist loadgroup`), so at most two
deployments share the machine."""

ROOT = Path(__file__).resolve().parents[2]
FLASH_REDIS_PORT = 6395


@pytest.mark.postgres
@pytest.mark.timeout(240)
@pytest.mark.parametrize("limits", [[], ["--lift-limits"]], ids=["published", "lifted"])
def test_flash_sale_reaches_every_store(
    postgres_template: str, tmp_path: Path, limits: list[str]
) -> None:
    require_redis_server()
    run = subprocess.run(
        [
            sys.executable, str(ROOT / "benchmarks" / "flash_sale.py"),
            "--rate", "50", "--seconds", "5",
            "--items", "2", "--sizes", "3", "--singles", "14", "--stock", "30",
            "--groups", "1", "--list-timeout", "120", "--settle-timeout", "60",
            "--redis-port", str(FLASH_REDIS_PORT), "--keep", str(tmp_path), *limits,
        ],
        capture_output=True, text=True, timeout=230, cwd=ROOT,
    )  # fmt: skip
    report = run.stdout + run.stderr[-3000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    print(run.stdout)
    assert figures["placed"] >= 200, report
    assert figures["in_lapak"] == figures["placed"] and figures["lost"] == 0, report
    assert figures["not_shown_on_other_stores"] == 0, report
    assert figures["deadlock_failures"] == 0, report
    assert figures["stock_raised_on_selling_store"] == 0, report
    assert figures["oversold_units"] == 0 and figures["duplicated"] == 0, report
    assert run.returncode == 0, report
