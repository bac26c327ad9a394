"""Hypothesis strategies for bad input: right shape with wrong values, and plain garbage.

`mutated(doc)` starts from a valid payload and breaks it 1–3 times at random places (a value
replaced by one of `NASTY` values, a key dropped, a list emptied, a value buried in deep
nesting), so the parser is driven past its first check into its mapping code.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import strategies as st

DEEP = 3000
"""Nesting deeper than Python's default recursion limit (1,000)."""


def deep_list(depth: int = DEEP) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


def deep_json(depth: int = DEEP) -> bytes:
    return b"[" * depth + b"]" * depth


NASTY_SCALARS: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    -(2**31) - 1,
    2**31,
    2**63,
    2**64,
    -(2**64),
    10**400,
    1e308,
    -1e308,
    float("inf"),
    float("-inf"),
    float("nan"),
    0.5,
    "",
    " ",
    "\x00",
    "a\x00b",
    "NaN",
    "Infinity",
    "-1",
    "1e999999",
    "9" * 400,
    "18446744073709551616",
    "0000-00-00T00:00:00Z",
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00-14:00",
    "2024-02-30T10:00:00Z",
    "not a date",
    "\ud800",
    "x" * 5000,
    "15.000,50",
    [],
    {},
]

nasty_scalar = st.sampled_from(NASTY_SCALARS).map(copy.deepcopy)  # [] and {} get mutated

json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.decimals(allow_nan=True).map(str),
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
nasty_value = st.one_of(
    nasty_scalar,
    json_value,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(),
    st.builds(deep_list, st.sampled_from([50, 500, DEEP])),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in `value` a mutation can hit (not inside nesting a mutation made)."""
    found = [prefix]
    if len(prefix) > 12:
        return found
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        doc = doc[key]
    return doc


@st.composite
def _mutate(draw: st.DrawFn, doc: Any) -> Any:
    path = draw(st.sampled_from(_paths(doc)))
    action = draw(st.sampled_from(["replace", "replace", "replace", "drop", "wrap", "extra"]))
    if not path:
        return draw(nasty_value) if action != "wrap" else [doc]
    parent = _parent(doc, path)
    key = path[-1]
    if action == "drop":
        del parent[key]
    elif action == "wrap":
        parent[key] = [parent[key]]
    elif action == "extra" and isinstance(parent[key], dict):
        parent[key][draw(st.text(max_size=8))] = draw(nasty_value)
    else:
        parent[key] = draw(nasty_value)
    return doc


@st.composite
def mutated(draw: st.DrawFn, doc: Any) -> Any:
    """`doc` (a valid payload) broken one to three times."""
    value = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, 3))):
        value = draw(_mutate(value))
    return value


def as_json(value: Any) -> bytes:
    """`value` as a JSON body (NaN and infinities as Python writes them; lone surrogates
    escaped)."""
    try:
        return json.dumps(value).encode()
    except (RecursionError, ValueError):
        return deep_json()


def bodies(*valid: Any) -> st.SearchStrategy[bytes]:
    """Webhook bodies: valid ones broken, random bytes, non-UTF-8, empty, deep JSON."""
    return st.one_of(
        st.sampled_from(valid).flatmap(mutated).map(as_json),
        st.binary(max_size=300),
        st.just(b""),
        st.just(b"\xff\xfe{\x00}"),
        st.just(deep_json()),
        json_value.map(as_json),
    )


def payloads(*valid: Any) -> st.SearchStrategy[Any]:
    """Parsed JSON values: valid ones broken, or any JSON value at all."""
    return st.one_of(st.sampled_from(valid).flatmap(mutated), json_value, nasty_scalar)
