"""`wiring.collector`: a Lapak process collects cycles less often, and never walks what it
held at start-up again."""

from __future__ import annotations

import subprocess
import sys

from lapak.wiring.collector import THRESHOLDS

SHOW = """
import gc, sys
from lapak import cli
sys.argv = ["lapak", "--help"]
try:
    cli.main()
except SystemExit:
    pass
print(gc.get_threshold(), gc.get_freeze_count() > 10_000)
"""


def test_the_command_line_tunes_its_process_before_it_runs_a_command() -> None:
    shown = subprocess.run(
        [sys.executable, "-c", SHOW], capture_output=True, text=True, check=True, timeout=60
    ).stdout.splitlines()[-1]
    assert shown == f"{THRESHOLDS} True"
