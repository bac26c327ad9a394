"""The secret values every log line is scrubbed of, as they become known.

The config registers its credentials and tokens when it loads, the token vault every token
it stores; the log redactor (`wiring.logging`) replaces each registered value wherever it
appears in a line (docs/rules.md, rule 9). Kept here, beside the protocol, so `config/`
and every process can register without importing a logging setup.
"""

from __future__ import annotations

import re
import threading

MIN_SECRET_LENGTH = 6
"""Shorter values are not registered: scrubbing them would mangle ordinary words."""

_secret_values: set[str] = set()
_secret_pattern: re.Pattern[str] | None = None
_secret_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Scrub `value` from every later log line, wherever it appears inside a string."""
    global _secret_pattern
    if value is None or len(value) < MIN_SECRET_LENGTH:
        return
    with _secret_lock:
        if value in _secret_values:
            return
        _secret_values.add(value)
        # Longest first, so a secret containing another is replaced whole.
        ordered = sorted(_secret_values, key=len, reverse=True)
        _secret_pattern = re.compile("|".join(re.escape(v) for v in ordered))


def secret_pattern() -> re.Pattern[str] | None:
    """Matches any registered secret (None while none is registered)."""
    return _secret_pattern
