"""One mechanism for every boundary fuzz test: run a parser on generated input, tally the
cases and the crashes, and fail at the end listing each distinct crash once.

A *crash* is any exception the boundary's contract does not allow (a connector may raise a
`ConnectorError`, the catalog import reports row errors, …), or a failed assertion about
what the parser returned. Crashes are collected instead of stopping the run, so a fuzz run
reports every distinct crash (by exception type and the line that raised it) with the
smallest input that caused it.

The number of cases per parser comes from the hypothesis profile: `LAPAK_FUZZ_CASES=10000`
selects the fuzz run; the suite runs `SUITE_CASES` per parser.
"""

from __future__ import annotations

import inspect
import os
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import UnsatisfiedAssumption

SUITE_CASES = 40
FUZZ_CASES = int(os.environ.get("LAPAK_FUZZ_CASES", "0") or 0)

settings.register_profile(
    "lapak-fuzz",
    max_examples=FUZZ_CASES or SUITE_CASES,
    deadline=None,
    database=None,
    derandomize=not FUZZ_CASES,  # the suite is repeatable; a fuzz run explores
    suppress_health_check=list(HealthCheck),
)
FUZZ = settings.get_profile("lapak-fuzz")


@dataclass
class Tally:
    """What one parser went through: cases run and crashes by signature."""

    cases: int = 0
    crashes: dict[str, tuple[str, str]] = field(default_factory=dict)
    """signature → (error text, repr of the smallest input that caused it)."""

    def record(self, signature: str, error: str, case: str) -> None:
        known = self.crashes.get(signature)
        if known is None or len(case) < len(known[1]):
            self.crashes[signature] = (error, case)


TALLIES: dict[str, Tally] = {}
"""Parser name → its tally, printed at the end of the pytest run (see conftest)."""


def _signature(error: BaseException) -> str:
    frames = traceback.extract_tb((error.__cause__ or error).__traceback__)
    own = [f for f in frames if "/tests/fuzz/" not in f.filename] or frames
    where = f"{own[-1].filename.rsplit('/work/main/', 1)[-1]}:{own[-1].lineno}" if own else "?"
    return f"{type(error).__name__} at {where}"


def _shown(case: Any) -> str:
    try:
        text = repr(case)
    except RecursionError:
        return "(nested too deep to show)"
    return text if len(text) <= 600 else f"{text[:600]}… ({len(text)} characters)"


def boundary(
    name: str,
    strategy: st.SearchStrategy[Any],
    *,
    allowed: tuple[type[BaseException], ...] = (),
    examples: Iterable[Any] = (),
    fixtures: tuple[str, ...] = (),
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Make `check(case)` a fuzz test of parser `name` over `strategy`.

    `check` calls the parser and asserts what it returned; raising one of `allowed` is the
    contract's refusal, anything else is a crash. `examples` are pinned cases (crashes
    found before, fixed since) that run on every run. `fixtures` names pytest fixtures
    handed to `check` as keywords (one set for all the cases of a run).
    """

    def decorate(check: Callable[..., None]) -> Callable[..., None]:
        def test(**given_fixtures: Any) -> None:
            tally = TALLIES.setdefault(name, Tally())

            def one(case: Any) -> None:
                tally.cases += 1
                try:
                    check(case, **given_fixtures)
                except allowed:
                    pass
                except UnsatisfiedAssumption:
                    tally.cases -= 1
                    raise  # hypothesis discarding a generated case: neither run nor crash
                except Exception as error:  # the point: nothing else may escape
                    tally.record(
                        _signature(error), f"{type(error).__name__}: {error}"[:400], _shown(case)
                    )

            for case in examples:
                one(case)
            FUZZ(given(strategy)(one))()
            assert not tally.crashes, f"{name}: {len(tally.crashes)} distinct crash(es):\n" + (
                "\n".join(
                    f"- {sig}: {err}\n  input: {case}" for sig, (err, case) in tally.crashes.items()
                )
            )

        # Not functools.wraps: pytest would read `check`'s parameter as a fixture.
        test.__name__ = test.__qualname__ = check.__name__
        test.__module__, test.__doc__ = check.__module__, check.__doc__
        if FUZZ_CASES:  # thousands of cases outlast the suite's per-test timeout
            test = pytest.mark.timeout(0)(test)
        test.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [inspect.Parameter(f, inspect.Parameter.KEYWORD_ONLY) for f in fixtures]
        )
        return test

    return decorate
