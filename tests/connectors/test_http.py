"""Retries and error classification shared by every connector (connectors/http.py)."""

from __future__ import annotations

import gc
import weakref

import httpx
import pytest
from lapak.connectors.http import Retrier, RetryPolicy, make_client, parse_retry_after, send
from lapak.sync.protocol import AuthError, PermanentError, ThrottledError, TransientError


class Flaky:
    """Fails with the given exceptions in turn, then returns "ok"; counts its calls."""

    def __init__(self, *failures: Exception):
        self.failures = list(failures)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def retrier(slept: list[float]) -> Retrier:
    return Retrier(RetryPolicy(attempts=4, max_retry_after=3.0, budget=5.0), sleep=slept.append)


def test_transient_errors_are_retried_with_growing_jittered_waits(
    retrier: Retrier, slept: list[float]
) -> None:
    call = Flaky(TransientError("a"), TransientError("b"), TransientError("c"))
    assert retrier.call(call) == "ok"
    assert call.calls == 4
    assert len(slept) == 3
    assert 0.05 <= slept[0] <= 0.1 and 0.1 <= slept[1] <= 0.2 and 0.2 <= slept[2] <= 0.4


def test_the_last_transient_error_is_reraised_after_the_attempts(retrier: Retrier) -> None:
    call = Flaky(*(TransientError(str(n)) for n in range(10)))
    with pytest.raises(TransientError, match="3"):
        retrier.call(call)
    assert call.calls == 4


@pytest.mark.parametrize("error", [PermanentError("gone"), AuthError("refused")])
def test_permanent_and_auth_errors_are_not_retried(retrier: Retrier, error: Exception) -> None:
    call = Flaky(error)
    with pytest.raises(type(error)):
        retrier.call(call)
    assert call.calls == 1


def test_a_short_retry_after_is_waited(retrier: Retrier, slept: list[float]) -> None:
    call = Flaky(ThrottledError("slow down", retry_after=1.5))
    assert retrier.call(call) == "ok"
    assert slept == [1.5]


def test_a_retry_after_beyond_the_cap_is_reraised_at_once(
    retrier: Retrier, slept: list[float]
) -> None:
    call = Flaky(ThrottledError("slow down", retry_after=60))
    with pytest.raises(ThrottledError) as caught:
        retrier.call(call)
    assert caught.value.retry_after == 60
    assert call.calls == 1 and slept == []
    assert retrier.policy.beyond_cap(caught.value)


def test_waiting_stops_at_the_budget(retrier: Retrier, slept: list[float]) -> None:
    call = Flaky(*(ThrottledError("slow", retry_after=2.0) for _ in range(5)))
    with pytest.raises(ThrottledError):
        retrier.call(call)
    assert sum(slept) <= 5.0 and call.calls == 3


def test_a_create_is_retried_only_after_a_throttle(retrier: Retrier) -> None:
    timed_out = Flaky(TransientError("timeout: maybe applied"))
    with pytest.raises(TransientError):
        retrier.call(timed_out, idempotent=False)
    assert timed_out.calls == 1
    throttled = Flaky(ThrottledError("refused before acting", retry_after=0))
    assert retrier.call(throttled, idempotent=False) == "ok"


def test_transport_failures_become_transient_errors_naming_the_path_only() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    for handler, words in ((refuse, "connection failed"), (hang, "timed out")):
        with make_client(transport=httpx.MockTransport(handler)) as client:
            request = client.build_request("GET", "http://x/api/v2/a?access_token=SECRET")
            with pytest.raises(TransientError, match=words) as caught:
                send(client, request)
        assert "/api/v2/a" in str(caught.value) and "SECRET" not in str(caught.value)


def test_retry_after_header_values() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("0.5") == 0.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past


def test_a_sent_response_is_freed_with_its_last_reference_not_by_the_collector() -> None:
    """httpx binds a response's stream back to the response; a body kept alive by that
    cycle until the collector runs was most of a worker's memory between collections."""
    body = b"x" * 60_000
    client = httpx.Client(
        transport=httpx.MockTransport(lambda _: httpx.Response(200, content=body))
    )
    gc.disable()
    try:
        response = send(client, client.build_request("GET", "https://toko.example/p"))
        assert response.content == body and response.is_closed
        freed = weakref.ref(response)
        del response
        assert freed() is None
    finally:
        gc.enable()
