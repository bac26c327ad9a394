"""Where the token-sealing key comes from (`sync.sealing`), and what happens without one.

`LAPAK_SECRET_KEY` in the environment, else in `lapak.env` beside the config. When neither
has one, a key is generated and appended to that `lapak.env` (created 0600), under a file
lock so processes starting together on one host agree on one key. Processes on other
hosts must be given the same key (`LAPAK_SECRET_KEY` in their environment, or a copy of
that `lapak.env`): a token sealed under one key does not open under another.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import structlog
from lapak.config.envfile import load_env_file
from lapak.sync.private_files import append_private, make_private
from lapak.sync.sealing import KEY_ENV, Sealer

log = structlog.get_logger(__name__)


def token_sealer(config_path: Path) -> Sealer:
    """The sealer for this deployment's tokens (see the module docstring)."""
    if not os.environ.get(KEY_ENV):
        _ensure_key(Path(config_path).parent / "lapak.env", config_path)
    return Sealer.from_env(os.environ)


def _ensure_key(env_file: Path, config_path: Path) -> None:
    make_private(env_file)
    with env_file.open("r+", encoding="utf-8") as locked:
        fcntl.flock(locked, fcntl.LOCK_EX)
        load_env_file(config_path)  # another process may have written one meanwhile
        if os.environ.get(KEY_ENV):
            return
        key = Sealer.generate_key()
        text = locked.read()
        separator = "" if not text or text.endswith("\n") else "\n"
        append_private(env_file, f"{separator}{KEY_ENV}={key}\n")
        os.environ[KEY_ENV] = key
        log.warning("secret_key_generated", file=str(env_file))
