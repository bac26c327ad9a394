"""The config tests read the problems' English wording (`LAPAK_LANG=en`); the default,
Bahasa Indonesia, is checked in `tests/config/test_loader.py`."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def english_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAPAK_LANG", "en")
