"""The kit's JSON push: compact body, headers signed over the exact bytes."""

from __future__ import annotations

import hashlib
import hmac

from lapak.sandboxes.kit.push import Delivery, RetryingPushQueue, hmac_sha256_hex


class Recorded(RetryingPushQueue):
    platform = "test"

    def __init__(self) -> None:
        super().__init__()
        self.queued: list[Delivery] = []

    def put(self, job: Delivery) -> None:
        self.queued.append(job)


def test_send_json_signs_the_exact_body() -> None:
    pushes = Recorded()
    pushes.send_json("http://hook", {"b": 1, "a": "é"}, lambda body: {"X-Sign": body.hex()})
    (delivery,) = pushes.queued
    assert delivery.body == b'{"b":1,"a":"\\u00e9"}'
    assert delivery.headers == {"X-Sign": delivery.body.hex(), "Content-Type": "application/json"}


def test_send_json_may_keep_non_ascii_text_as_utf8() -> None:
    pushes = Recorded()
    pushes.send_json(
        "http://hook", {"a": "é"}, lambda body: {"X-Sign": body.hex()}, ensure_ascii=False
    )
    (delivery,) = pushes.queued
    assert delivery.body == '{"a":"é"}'.encode()
    assert delivery.headers["X-Sign"] == delivery.body.hex()


def test_hmac_sha256_hex() -> None:
    expected = hmac.new(b"key", b"message", hashlib.sha256).hexdigest()
    assert hmac_sha256_hex("key", b"message") == expected
