"""The sealing key: from the environment, or generated once into a 0600 `lapak.env`."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from lapak.sync.sealing import KEY_ENV, Sealer, SealingKeyError, UnsealError
from lapak.wiring.secret_key import token_sealer


def test_a_bad_key_is_refused_without_showing_it() -> None:
    with pytest.raises(SealingKeyError) as refused:
        Sealer.from_env({KEY_ENV: "not-a-fernet-key-SECRETVALUE"})
    assert "SECRETVALUE" not in str(refused.value)
    with pytest.raises(SealingKeyError, match="not set"):
        Sealer.from_env({})


def test_a_value_sealed_under_a_dropped_key_does_not_open() -> None:
    sealed = Sealer([Sealer.generate_key()]).seal("token")
    with pytest.raises(UnsealError):
        Sealer([Sealer.generate_key()]).open(sealed)


def test_without_a_key_one_is_generated_into_a_private_lapak_env_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    config = tmp_path / "lapak.toml"
    (tmp_path / "lapak.env").write_text("SHOP_KEY=abc")  # no newline at the end
    (tmp_path / "lapak.env").chmod(0o644)
    sealed = token_sealer(config).seal("token")
    env_file = (tmp_path / "lapak.env").read_text()
    assert env_file.startswith("SHOP_KEY=abc\n") and env_file.count(KEY_ENV) == 1
    assert stat.S_IMODE((tmp_path / "lapak.env").stat().st_mode) == 0o600
    monkeypatch.delenv(KEY_ENV)  # a second process reads the same file: the same key
    assert token_sealer(config).open(sealed).text == "token"
    assert (tmp_path / "lapak.env").read_text().count(KEY_ENV) == 1
