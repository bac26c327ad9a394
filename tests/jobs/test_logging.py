from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
import structlog
from lapak.sync.secrets import register_secret
from lapak.wiring.logging import REDACTED, configure_logging, redact_secrets

Lines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """Logging configured into a buffer; the previous logging setup is restored after."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    buffer = io.StringIO()
    yield buffer
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


@pytest.fixture
def lines(stream: io.StringIO) -> Lines:
    configure_logging(stream=stream)

    def parsed() -> list[dict[str, Any]]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    return parsed


def a_secret() -> str:
    value = f"secret-{uuid.uuid4().hex}"
    register_secret(value)
    return value


def test_a_stdlib_record_is_one_json_line_with_context(lines: Lines) -> None:
    structlog.contextvars.bind_contextvars(store="shop-a", message_id="m-1")
    logging.getLogger("dramatiq.worker.WorkerThread").warning("retrying %s in %d ms", "push", 500)

    (line,) = lines()
    assert line["event"] == "retrying push in 500 ms"
    assert line["level"] == "warning"
    assert line["logger"] == "dramatiq.worker.WorkerThread"
    assert (line["store"], line["message_id"]) == ("shop-a", "m-1")
    assert line["timestamp"].endswith("Z")
    assert datetime.fromisoformat(line["timestamp"]).utcoffset().total_seconds() == 0


def test_a_structlog_event_carries_its_key_values(lines: Lines) -> None:
    structlog.get_logger("lapak.sync.push").info("pushed", store_id=7, listings=50)
    (line,) = lines()
    assert {k: line[k] for k in ("event", "level", "logger", "store_id", "listings")} == {
        "event": "pushed",
        "level": "info",
        "logger": "lapak.sync.push",
        "store_id": 7,
        "listings": 50,
    }


def test_level_filters_both_kinds_of_logger(stream: io.StringIO) -> None:
    configure_logging("warning", stream=stream)
    structlog.get_logger("sync").info("quiet")
    logging.getLogger("apscheduler").info("quiet too")
    structlog.get_logger("sync").error("loud")
    assert [json.loads(x)["event"] for x in stream.getvalue().splitlines()] == ["loud"]


def test_secret_keys_are_redacted_at_any_depth(lines: Lines) -> None:
    structlog.get_logger("connectors").info(
        "request",
        partner_key="k-123456",
        token_env="SHOPEE_TOKEN",
        headers={"Authorization": "hmac-abc", "X-Api-Key": "key-1", "Accept": "json"},
        body={"items": [{"sku": "A1", "ACCESS_TOKEN": "at-1", "refresh_token": "rt-1"}]},
        sign="f00d",
        cookie=None,
    )
    (line,) = lines()
    assert line["partner_key"] == REDACTED
    assert line["token_env"] == "SHOPEE_TOKEN"
    assert line["headers"] == {"Authorization": REDACTED, "X-Api-Key": REDACTED, "Accept": "json"}
    assert line["body"] == {
        "items": [{"sku": "A1", "ACCESS_TOKEN": REDACTED, "refresh_token": REDACTED}]
    }
    assert line["sign"] == REDACTED
    assert line["cookie"] is None


def test_registered_values_are_scrubbed_wherever_they_appear(lines: Lines) -> None:
    secret = a_secret()
    structlog.get_logger("sync").info(
        f"calling with {secret}",
        url=f"https://host/api?access={secret}&x=1",
        nested={"list": [f"a{secret}b", ("t", secret)]},
        error=ValueError(f"rejected {secret}"),
    )
    logging.getLogger("uvicorn.error").error("bad request: %s", secret)

    first, second = lines()
    text = json.dumps([first, second])
    assert secret not in text
    assert first["event"] == f"calling with {REDACTED}"
    assert first["url"] == f"https://host/api?access={REDACTED}&x=1"
    assert first["nested"] == {"list": [f"a{REDACTED}b", ["t", REDACTED]]}
    assert first["error"] == f"ValueError('rejected {REDACTED}')"
    assert second["event"] == f"bad request: {REDACTED}"


def test_short_values_are_not_registered() -> None:
    register_secret("abc12")
    assert redact_secrets(None, "info", {"event": "abc12 ok"}) == {"event": "abc12 ok"}


def fail_with(message: str) -> None:
    note = "local-value-never-logged"  # a dict traceback with locals would show it
    raise RuntimeError(message + note[:0])


def test_exceptions_are_dicts_scrubbed_and_without_locals(lines: Lines) -> None:
    secret = a_secret()
    try:
        fail_with(f"auth failed for {secret}")
    except RuntimeError:
        structlog.get_logger("jobs").exception("push failed")
        logging.getLogger("dramatiq").exception("actor failed")

    for line in lines():
        (exception,) = line["exception"]
        assert exception["exc_type"] == "RuntimeError"
        assert exception["exc_value"] == f"auth failed for {REDACTED}"
        assert exception["frames"][-1]["name"] == "fail_with"
        assert all("locals" not in frame for frame in exception["frames"])
        text = json.dumps(line)
        assert secret not in text
        assert "local-value-never-logged" not in text


def test_library_handlers_are_replaced_so_lines_are_not_doubled(stream: io.StringIO) -> None:
    uvicorn = logging.getLogger("uvicorn.access")
    uvicorn.addHandler(logging.StreamHandler(stream))
    uvicorn.propagate = False
    configure_logging(stream=stream)
    uvicorn.info("GET /healthz 200")
    (line,) = stream.getvalue().splitlines()
    assert json.loads(line)["event"] == "GET /healthz 200"


def test_reconfiguring_replaces_the_handler(stream: io.StringIO) -> None:
    configure_logging(stream=stream)
    configure_logging(stream=stream)
    logging.getLogger("alembic").warning("once")
    assert len(stream.getvalue().splitlines()) == 1


def test_console_rendering_is_readable_and_redacted(stream: io.StringIO) -> None:
    secret = a_secret()
    configure_logging(json=False, stream=stream)
    try:
        fail_with(f"boom {secret}")
    except RuntimeError:
        structlog.get_logger("demo").exception("order pulled", order="SN1", token="t-1")
    text = stream.getvalue()
    assert text.splitlines()[0].split()[1:3] == ["[error", "]"]
    assert "order pulled" in text
    assert "order=SN1" in text
    assert f"token={REDACTED}" in text
    assert f"RuntimeError: boom {REDACTED}" in text
    assert secret not in text
    assert "local-value-never-logged" not in text
