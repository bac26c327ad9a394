"""`benchmarks/chaos.py` with tiny parameters: six faulty marketplaces, the Procfile's
processes with two worker groups killed at random and restarted by the harness's
supervisor, Redis and the scheduler restarted once (the catalog is listed before the faults
start: an interrupted create is held two minutes, longer than this run; the full run and
`tests/e2e/test_supervisor.py` cover it); after the faults stop, nothing is lost,
duplicated, listed twice or left diverged, and every oversold unit is on a flagged order.
Both ways: at the platforms' published rate limits, and with them lifted (Lapak paced at
1,000 calls/s per store; the faults' throttling stays)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services import require_redis_server

pytestmark = pytest.mark.xdist_group("deployments-a")
"""A whole deployment (web, workers, scheduler, sandboxes): under pytest-xdist the tests of
its group run one at a time on one worker (`.ci/run`: `--dist loadgroup`), so at most two
deployments share the machine."""

ROOT = Path(__file__).resolve().parents[2]
CHAOS_REDIS_PORT = 6394


@pytest.mark.postgres
@pytest.mark.timeout(240)
@pytest.mark.parametrize("limits", [[], ["--lift-limits"]], ids=["published", "lifted"])
def test_chaos_run_loses_nothing_and_converges(
    postgres_template: str, tmp_path: Path, limits: list[str]
) -> None:
    require_redis_server()
    run = subprocess.run(
        [
            sys.executable, str(ROOT / "benchmarks" / "chaos.py"),
            "--items", "2", "--sizes", "3", "--singles", "6",
            "--seconds", "25", "--kill-every", "7", "--rate", "3",
            "--converge-timeout", "75", "--worker-args", "--processes 1 --threads 4",
            "--list-first",
            "--redis-port", str(CHAOS_REDIS_PORT), "--keep", str(tmp_path), *limits,
        ],
        capture_output=True, text=True, timeout=230, cwd=ROOT,
    )  # fmt: skip
    report = run.stdout + run.stderr[-3000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    print(run.stdout)
    assert figures["placed"] > 50, report
    assert figures["in_lapak"] == figures["placed"] and figures["lost"] == 0, report
    assert figures["duplicated"] == 0, report
    assert figures["duplicate_listings"] == 0, report
    assert figures["restarts"] >= 3, "the run killed too little: " + report
    assert figures["diverged"] == 0 and figures["converge_seconds"] is not None, report
    assert figures["unflagged_oversold_units"] == 0, report
    assert run.returncode == 0, report
