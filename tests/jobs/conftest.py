"""The CLI tests read the CLI's English wording (`LAPAK_LANG=en`); the default, Bahasa
Indonesia, is checked in `tests/jobs/test_cli_language.py`."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def english_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAPAK_LANG", "en")
