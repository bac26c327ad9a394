"""`lapak.env` beside the config: KEY=value lines for the secrets the config names."""

from __future__ import annotations

import os
from pathlib import Path


def load_env_file(config_path: Path) -> None:
    """Read `lapak.env` next to `config_path` into the environment, never overriding it."""
    env_file = Path(config_path).parent / "lapak.env"
    if not env_file.exists():
        return
    for line in env_file.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            os.environ.setdefault(key.strip(), value.strip())
