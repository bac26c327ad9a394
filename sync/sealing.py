"""Marketplace tokens sealed at rest with Fernet (AES-128-CBC + HMAC-SHA256).

The key comes from the environment: `LAPAK_SECRET_KEY`, one or more comma-separated
Fernet keys (`python -c "from cryptography.fernet import Fernet;
print(Fernet.generate_key().decode())"`). The first key seals; every key opens, so a key
is rotated by putting a new one first and keeping the old one after it until every row
has been sealed again (a row sealed with an older key is sealed with the first one the
next time it is read, as is a row from before sealing, stored in clear).

A sealed value is `fernet:` + the Fernet token, so a value without the prefix is known to
be a clear one from before, never mistaken for a sealed one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

KEY_ENV = "LAPAK_SECRET_KEY"
PREFIX = "fernet:"


class SealingKeyError(Exception):
    """The key in the environment is missing or not a Fernet key (never shows the key)."""


class UnsealError(Exception):
    """A sealed value that none of the keys opens (a key was dropped too early?)."""


@dataclass(frozen=True, slots=True)
class Opened:
    """A value opened from storage; `reseal`: not sealed with the current key yet."""

    text: str
    reseal: bool


class Sealer:
    def __init__(self, keys: Sequence[str]):
        if not keys:
            raise SealingKeyError(f"{KEY_ENV} holds no key")
        try:
            fernets = [Fernet(key.strip().encode()) for key in keys]
        except (ValueError, TypeError):
            raise SealingKeyError(
                f"{KEY_ENV}: every comma-separated key must be a Fernet key "
                "(32 url-safe base64-encoded bytes)"
            ) from None
        self._current = fernets[0]
        self._all = MultiFernet(fernets)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Sealer:
        value = env.get(KEY_ENV, "")
        keys = [key for key in value.split(",") if key.strip()]
        if not keys:
            raise SealingKeyError(f"environment variable {KEY_ENV} is not set")
        return cls(keys)

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode()

    def seal(self, text: str) -> str:
        return PREFIX + self._current.encrypt(text.encode()).decode()

    def open(self, stored: str) -> Opened:
        if not stored.startswith(PREFIX):
            return Opened(stored, reseal=True)
        token = stored.removeprefix(PREFIX).encode()
        try:
            return Opened(self._current.decrypt(token).decode(), reseal=False)
        except InvalidToken:
            pass
        try:
            return Opened(self._all.decrypt(token).decode(), reseal=True)
        except InvalidToken:
            raise UnsealError(f"a stored token opens with none of the keys in {KEY_ENV}") from None
