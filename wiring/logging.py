"""Structured logs: one JSON object per line for every library, secrets scrubbed.

docs/rules.md, rule 9.

structlog and stdlib records (dramatiq, uvicorn, apscheduler, alembic) meet in one
`ProcessorFormatter`, so both get the same timestamp, level, logger name, context vars,
exception rendering and redaction. Exceptions are rendered without frame locals: a local
holding a token would otherwise be printed.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, TextIO

import structlog
from lapak.sync.secrets import secret_pattern
from structlog.processors import ExceptionRenderer
from structlog.tracebacks import ExceptionDictTransformer
from structlog.typing import EventDict, Processor, WrappedLogger

REDACTED = "[redacted]"
SECRET_KEYS = frozenset(
    {
        "token",
        "access_token",
        "refresh_token",
        "partner_key",
        "secret",
        "password",
        "authorization",
        "sign",
        "api_key",
        "client_secret",
        "cookie",
    }
)
STDLIB_LOGGERS = (
    "dramatiq",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "apscheduler",
    "alembic",
)
QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler", "alembic")
"""Chatty at INFO (one line per HTTP request or tick; request URLs carry tokens)."""
_HANDLER_NAME = "lapak"


@lru_cache(maxsize=1024)
def is_secret_key(key: str) -> bool:
    """`partner_key`, `Authorization`, `X-Api-Key`, `new_refresh_token` ... (any case)."""
    normalized = key.lower().replace("-", "_")
    return normalized in SECRET_KEYS or any(normalized.endswith("_" + k) for k in SECRET_KEYS)


class SecretRedactor:
    """Processor: replaces the values of secret-looking keys (in nested dicts and lists too)
    with "[redacted]" and scrubs the secret values registered in `sync.secrets` from every
    string."""

    def __call__(self, logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
        pattern = secret_pattern()
        return {key: self._entry(key, value, pattern) for key, value in event_dict.items()}

    def _entry(self, key: Any, value: Any, pattern: re.Pattern[str] | None) -> Any:
        if value is not None and isinstance(key, str) and is_secret_key(key):
            return REDACTED
        return self._value(value, pattern)

    def _value(self, value: Any, pattern: re.Pattern[str] | None) -> Any:
        if isinstance(value, str):
            return pattern.sub(REDACTED, value) if pattern else value
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, Mapping):
            return {k: self._entry(k, v, pattern) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self._value(v, pattern) for v in value]
        if pattern is None:
            return value
        # Anything else is rendered with repr() (an exception, a model): scrub that text.
        text = repr(value)
        return pattern.sub(REDACTED, text) if pattern.search(text) else value


redact_secrets = SecretRedactor()


def _enrichers() -> list[Processor]:
    """Added to every record, from structlog or from stdlib logging (after context vars)."""
    return [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]


def _rendering(json: bool, stream: TextIO) -> list[Processor]:
    """Exception rendering, redaction (after it, so exception text is scrubbed too), renderer."""
    if json:
        exceptions: Processor = ExceptionRenderer(ExceptionDictTransformer(show_locals=False))
        renderer: Processor = structlog.processors.JSONRenderer()
    else:
        exceptions = structlog.processors.format_exc_info
        renderer = structlog.dev.ConsoleRenderer(colors=stream.isatty())
    return [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
        exceptions,
        redact_secrets,
        renderer,
    ]


def configure_logging(
    level: str | int = "INFO", *, json: bool = True, stream: TextIO | None = None
) -> None:
    """Route structlog and stdlib logging to `stream` (default: `sys.stderr` at call time).

    `json=False` renders readable console lines instead (for `lapak demo`). Safe to call
    again: the handler it installed before is replaced.
    """
    stream = stream or sys.stderr
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.filter_by_level,
            *_enrichers(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Not cached: a logger used before this call must still pick up this configuration.
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(stream)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.contextvars.merge_contextvars, *_enrichers()],
            processors=_rendering(json, stream),
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name in STDLIB_LOGGERS:
        # Libraries that install their own handlers would print twice, or not as JSON.
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True
        library.setLevel(logging.NOTSET)  # follow `level`, whatever the library set before
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
