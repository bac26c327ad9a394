"""Webhooks under abuse and outage: bodies over the cap refused before they are read whole
(over real HTTP), hostile JSON kept as unparsable, unsigned pings never written, and a
stored body answered 200 while Redis is down, then recomputed by the reconciler."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import dramatiq
import pytest
from fastapi.testclient import TestClient
from lapak.config import load_config
from lapak.jobs import actors
from lapak.jobs.broker import build_broker
from lapak.sync.store.db import Database
from lapak.sync.webhooks import stores_with_pending_webhooks
from lapak.web.app import create_app
from lapak.wiring.runtime import Runtime, install
from lapak.wiring.server import serve

from tests.web.test_webhooks import (
    Recorder,
    _platform_config,
    _push_body,
    _records,
    _signed,
)

CAP = 1024 * 1024


def _post_raw(port: int, head: str, chunks: Iterator[bytes]) -> tuple[str, int]:
    """Send a request head then body chunks over a socket until the server answers or hangs
    up; returns the status line and how many body bytes were sent."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode())
        sock.setblocking(False)
        answer = b""
        for chunk in chunks:
            with contextlib.suppress(BlockingIOError):
                answer += sock.recv(4096)
            if answer:
                break
            try:
                sock.sendall(chunk)
                sent += len(chunk)
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                break
        sock.setblocking(True)
        deadline = time.monotonic() + 10
        while b"\r\n" not in answer and time.monotonic() < deadline:
            answer += sock.recv(4096)
    return answer.split(b"\r\n", 1)[0].decode(), sent


def _chunked(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    for _ in range(total // size):
        yield f"{size:x}\r\n".encode() + b"x" * size + b"\r\n"
    yield b"0\r\n\r\n"


def test_oversized_bodies_get_413_before_they_are_read_whole(runtime: Runtime) -> None:
    with serve(create_app(runtime, dispatcher=Recorder())) as lapak:
        port = lapak.port
        declared = (
            "POST /webhooks/shop-a HTTP/1.1\r\nHost: x\r\n"
            f"Content-Length: {200 * CAP}\r\nAuthorization: 0\r\n\r\n"
        )
        status, sent = _post_raw(port, declared, iter([b"x" * 65536] * 3200))
        assert " 413 " in status
        assert sent < 32 * CAP  # answered long before 200 MB went through
        chunked = (
            "POST /webhooks/shop-a HTTP/1.1\r\nHost: x\r\n"
            "Transfer-Encoding: chunked\r\nAuthorization: 0\r\n\r\n"
        )
        status, sent = _post_raw(port, chunked, _chunked(200 * CAP))
        assert " 413 " in status
        assert sent < 32 * CAP
    assert _records(runtime) == []


def test_a_signed_body_over_the_cap_is_not_stored(runtime: Runtime) -> None:
    client = TestClient(create_app(runtime, dispatcher=Recorder()))
    body = _push_body("2611290100")
    padded = body[:-1] + b', "pad": "' + b"x" * CAP + b'"}'
    assert client.post("/webhooks/shop-a", content=padded, headers=_signed(padded)).status_code == (
        413
    )
    just_under = body[:-1] + b', "pad": "' + b"x" * (CAP - len(body) - 20) + b'"}'
    assert len(just_under) <= CAP
    answer = client.post("/webhooks/shop-a", content=just_under, headers=_signed(just_under))
    assert answer.status_code == 200
    assert len(_records(runtime)) == 1


@pytest.mark.parametrize("hostile", [b"[" * 100_000, b'{"a":' * 50_000, b"\xff\xfe{"])
def test_signed_hostile_json_is_kept_as_unparsable_not_a_500(
    runtime: Runtime, hostile: bytes
) -> None:
    recorder = Recorder()
    client = TestClient(create_app(runtime, dispatcher=recorder), raise_server_exceptions=False)
    answer = client.post("/webhooks/shop-a", content=hostile, headers=_signed(hostile))
    assert answer.status_code == 200
    [kept] = _records(runtime)
    assert (kept.topic, recorder.webhooks) == ("unparsed", [])
    assert kept.error and "shopee push" in kept.error


def test_a_stored_body_is_answered_200_while_redis_is_down_and_the_reconciler_sends_its_job(
    runtime: Runtime,
) -> None:
    store_id = runtime.store_ids["shop-a"]
    build_broker("redis://127.0.0.1:1/5")  # nothing listens there: every send fails
    try:
        client = TestClient(create_app(runtime, dispatcher=actors.dispatcher))
        body = _push_body("2611290101")
        answer = client.post("/webhooks/shop-a", content=body, headers=_signed(body))
        assert answer.status_code == 200
        [stored] = _records(runtime)
        assert stored.processed_at is None and stored.error is None
        assert stores_with_pending_webhooks(runtime.db) == {store_id}
        broker = build_broker(None)  # Redis is back
        install(runtime)
        actors.reconcile.fn()
        [message] = [dramatiq.Message.decode(raw) for raw in list(broker.queues["orders"].queue)]
        assert (message.actor_name, message.args) == ("process_webhooks", (store_id,))
    finally:
        build_broker(None)


def test_unsigned_pings_are_answered_without_a_write(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "lapak.toml"
    env = _platform_config(config, "woocommerce", "woo", "http://127.0.0.1:9", db.url)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    woo = Runtime(load_config(config))
    woo.bootstrap()
    try:
        client = TestClient(create_app(woo, dispatcher=Recorder()))
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        for webhook_id in range(1, 51):
            ping = client.post("/webhooks/woo", content=f"webhook_id={webhook_id}", headers=form)
            assert ping.status_code == 200
        assert _records(woo) == []
    finally:
        woo.close()
