"""Validating what a marketplace sends against a platform's pydantic models.

A malformed API answer is a `TransientError` naming the API path and the field, because it
is treated like a server hiccup (docs/rules.md, rule 7); a malformed push or webhook body is
a `PermanentError`: sending it again does not mend it.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any, TypeVar

from lapak.sync.protocol import PermanentError, TransientError
from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, ValidationError, create_model
from pydantic_core import CoreSchema, core_schema

M = TypeVar("M", bound=BaseModel)
E = TypeVar("E", bound=BaseModel)


class Wire(BaseModel):
    """The base of a platform's wire models: frozen, and blind to fields Lapak does not
    read (the platforms add fields without notice)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class NullIsDefault(Wire):
    """A wire base for platforms that send `null` for a field they leave empty: a field
    with a default then takes the default.

    Done in the core schema, not in a before-validator, so that an answer can still be
    validated straight from its bytes (`from_body`): a before-validator makes pydantic build
    every object of the body in Python first. Each field with a default becomes a union of
    its own type and `null` → the default, tried in that order; the null branch runs only
    for a null. Both branches are labelled `UNNAMED`, which `first_error` leaves out of the
    field path, so an error names the field as it would without the union."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        schema = handler(source)
        fields: Any = schema  # the model's schema, around a validator's if there is one
        while fields["type"] != "model-fields":
            fields = fields["schema"]
        for field in fields["fields"].values():
            _null_takes_default(field["schema"])
        return schema


UNNAMED = ""
"""The label of the union branches `NullIsDefault` adds: not part of a field path."""


def _null_takes_default(schema: Any) -> None:
    """Turn a field's "default" schema into one that takes the default for a null too."""
    if schema["type"] != "default" or schema.get("default_factory_takes_data"):
        return
    if "default_factory" in schema:
        factory = schema["default_factory"]
        default = core_schema.no_info_plain_validator_function(lambda _: factory())
    else:
        value = schema["default"]
        default = core_schema.no_info_plain_validator_function(lambda _: copy.deepcopy(value))
    null = core_schema.chain_schema([core_schema.none_schema(), default])
    schema["schema"] = core_schema.union_schema(
        [(schema["schema"], UNNAMED), (null, UNNAMED)], mode="left_to_right"
    )


def first_error(exc: ValidationError) -> str:
    """ "<field.path>: <what is wrong>" of the first validation error."""
    error = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"] if part != UNNAMED) or "body"
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


def from_body(envelope: type[E], key: str, model: Any, body: bytes) -> E | None:
    """The body as `envelope` with its `key` read as `model` (a model, or a type such as
    `list[Model]`; absent: None), validated straight from the bytes; None when it does not
    validate.

    pydantic reads JSON text in one pass about twice as fast as `json.loads` and a
    validation of the objects it makes (a Lazada page of 50 products: 480 → 280 µs). A
    caller uses it for the answers it expects and, on None or a refusal, reads the body
    the slow way, which says what is wrong as before."""
    try:
        return _enveloped(envelope, key, model).model_validate_json(body)
    except ValidationError:
        return None


@cache
def _enveloped(envelope: type[E], key: str, model: Any) -> type[E]:
    fields: dict[str, Any] = {key: (model | None, None)}
    name = getattr(model, "__name__", "data")
    return create_model(f"{envelope.__name__}_{name}", __base__=envelope, **fields)
