"""Prints, after a run that included fuzz tests, the cases each parser ran and the distinct
crashes found (the fuzz run's figures: `LAPAK_FUZZ_CASES=10000`)."""

from __future__ import annotations

from typing import Any

from tests.fuzz.harness import FUZZ_CASES, TALLIES


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TALLIES:
        return
    mode = f"fuzz run, {FUZZ_CASES} cases per parser" if FUZZ_CASES else "suite"
    terminalreporter.section(f"boundary fuzzing ({mode})")
    width = max(len(name) for name in TALLIES)
    terminalreporter.write_line(f"{'parser':<{width}}  {'cases':>7}  crashes")
    for name, tally in sorted(TALLIES.items()):
        terminalreporter.write_line(f"{name:<{width}}  {tally.cases:>7}  {len(tally.crashes)}")
