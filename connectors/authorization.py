"""What the platforms' seller authorizations (`connectors/<platform>/authorization.py`)
share: reading the redirect's parameters and telling a refused code from a hiccup."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from lapak.sync.protocol import AuthError, ConnectorError, PermanentError, TransientError
from pydantic import BaseModel, ValidationError


def required(params: Mapping[str, str], name: str, platform: str) -> str:
    """The redirect's `name` parameter; a `PermanentError` saying what to do without it."""
    value = (params.get(name) or "").strip()
    if not value:
        raise PermanentError(
            f"{platform} sent no {name} back: open the authorization link again and "
            "press Authorize (a pasted address must be the whole one the browser showed)"
        )
    return value


def validated_keys(model: type[BaseModel], credentials: Mapping[str, Any], platform: str) -> Any:
    """The credentials validated by the platform's model (app keys must be there)."""
    try:
        return model.model_validate(dict(credentials))
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][0]) for e in exc.errors() if e["loc"])
        raise PermanentError(
            f"{platform}: the config's credentials are incomplete ({fields}): "
            "see config/lapak.example.toml"
        ) from None


@contextmanager
def exchanging(platform: str) -> Iterator[None]:
    """Around a code exchange: a refusal of any kind (the platform's error code, a
    malformed answer is transient) becomes an `AuthError` saying the code was refused."""
    try:
        yield
    except TransientError:
        raise
    except ConnectorError as exc:
        raise AuthError(
            f"{platform} refused the authorization ({exc}): the code may have expired or "
            "been used already; run the connection again",
            code=exc.code,
            status=exc.status,
        ) from None
