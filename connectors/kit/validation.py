"""Validating what a marketplace sends against a platform's pydantic models.

A malformed API answer is a `TransientError` naming the API path and the field, because it
is treated like a server hiccup (docs/rules.md, rule 7); a malformed push or webhook body is
a `PermanentError`: sending it again does not mend it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from lapak.sync.protocol import PermanentError, TransientError
from pydantic import BaseModel, ConfigDict, ValidationError

M = TypeVar("M", bound=BaseModel)


class Wire(BaseModel):
    """The base of a platform's wire models: frozen, and blind to fields Lapak does not
    read (the platforms add fields without notice)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def first_error(exc: ValidationError) -> str:
    """ "<field.path>: <what is wrong>" of the first validation error."""
    error = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"]) or "body"
    return f"{where}: {error['msg']}"


def validate(model: type[M], data: Any, path: str) -> M:
    """`model` validated from `data`; a mismatch is a `TransientError` naming path and field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise TransientError(f"{path}: malformed response: {first_error(exc)}") from None


def validate_body(model: type[M], data: Any, where: str) -> M:
    """Like `validate`, for a pushed body (`where`: "shopee push"): a `PermanentError`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise PermanentError(f"{where}: malformed body: {first_error(exc)}") from None
