"""One JSON loader for webhook bodies: whatever the bytes, a `PermanentError` or a value.

A webhook body is input from the network. `json.loads` raises `ValueError` on broken JSON
(and on bytes that are not UTF-8), but `RecursionError` on deep nesting (100,000 `[` are
a valid start of JSON); neither may escape as a server error. Nesting deeper than
`MAX_DEPTH` is refused before parsing: no marketplace's push is more than a few levels
deep, and refusing early keeps the parser and the validators after it off deep inputs.
"""

from __future__ import annotations

import json
from typing import Any

from lapak.sync.protocol import PermanentError

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects a webhook body may have."""

_OPENERS = frozenset(b"[{")
_CLOSERS = frozenset(b"]}")
_QUOTE, _BACKSLASH = ord('"'), ord("\\")


def nesting_depth(body: bytes) -> int:
    """The deepest nesting of `[`/`{` in `body`, brackets inside strings not counted."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _BACKSLASH:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPENERS:
            depth += 1
            deepest = max(deepest, depth)
        elif byte in _CLOSERS:
            depth -= 1
    return deepest


def load_json(body: bytes | str, what: str) -> Any:
    """`body` parsed as JSON; `PermanentError` naming `what` ("shopee push") otherwise."""
    raw = body.encode("utf-8", errors="surrogatepass") if isinstance(body, str) else body
    brackets = raw.count(b"[") + raw.count(b"{")  # counted in C: the scan runs only when needed
    if brackets > MAX_DEPTH and (depth := nesting_depth(raw)) > MAX_DEPTH:
        raise PermanentError(f"{what}: JSON nested {depth} levels deep (at most {MAX_DEPTH})")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise PermanentError(f"{what}: body is not JSON") from None
