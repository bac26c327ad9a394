"""Files that hold secrets are readable by their owner only (mode 0600).

`lapak.env` holds the credentials and the token-sealing key; the SQLite file holds orders
with buyers' names and cities, and the marketplaces' tokens. Whatever the umask, Lapak
creates them 0600, and tightens one it finds more open.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE = stat.S_IRUSR | stat.S_IWUSR


def make_private(path: Path) -> None:
    """Create `path` empty with mode 0600 if it is missing; else set its mode to 0600."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE)
    try:
        os.fchmod(descriptor, PRIVATE)
    finally:
        os.close(descriptor)


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` (UTF-8), which is 0600 before a byte of it is written."""
    make_private(path)
    with path.open("w", encoding="utf-8") as file:
        file.write(text)


def append_private(path: Path, text: str) -> None:
    """Append `text` to `path` (UTF-8), created or tightened to 0600 first."""
    make_private(path)
    with path.open("a", encoding="utf-8") as file:
        file.write(text)
