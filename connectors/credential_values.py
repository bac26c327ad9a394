"""Reading a store's credentials as an `Authorization` is handed them: a mapping whose
values may be plain or pydantic `SecretStr` (the config's validated model dumped)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr


def credential_text(credentials: Mapping[str, Any], name: str) -> str:
    """The credential `name` as text ("" when unset); a `SecretStr` opened."""
    value = credentials.get(name)
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return "" if value is None else str(value)


def secret_text(value: SecretStr | None) -> str | None:
    """An optional secret credential opened (None stays None)."""
    return value.get_secret_value() if value is not None else None
