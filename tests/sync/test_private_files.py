"""Files holding secrets are 0600 whatever the umask: new ones, and older ones found open."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from lapak.sync.private_files import write_private
from lapak.sync.store.db import Database


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # the usual default: new files readable by everyone
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_file_and_an_open_one_are_made_private(tmp_path: Path) -> None:
    fresh = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    fresh.migrate()
    fresh.dispose()
    assert _mode(tmp_path / "fresh.db") == 0o600
    (tmp_path / "old.db").touch(mode=0o644)
    Database(f"sqlite:///{tmp_path / 'old.db'}").dispose()
    assert _mode(tmp_path / "old.db") == 0o600


def test_written_files_are_private_before_and_after(tmp_path: Path) -> None:
    target = tmp_path / "lapak.env"
    target.write_text("OLD=1\n")
    target.chmod(0o644)
    write_private(target, "KEY=value\n")
    assert (_mode(target), target.read_text()) == (0o600, "KEY=value\n")
