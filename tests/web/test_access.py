"""Access: wrong bearer tokens throttled like the sign-in form (shared through Redis), no
login CSRF, security headers on every answer, `/metrics` and the docs closable to all but
the operator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from lapak.config import load_config
from lapak.web.app import create_app
from lapak.web.throttle import LIMIT, RedisThrottle
from lapak.wiring.runtime import Runtime

from tests.services import require_redis
from tests.web.test_api import OPERATOR_TOKEN, TOKENS, Recorder, web_env, write_web_config

pytestmark = pytest.mark.xdist_group("redis-db-5")
"""Its tests flush a Redis database of their own: one worker runs them all."""

REDIS_DB = "redis://127.0.0.1:6379/5"


def _runtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, lapak: str = "", redis_url: str = ""
) -> Runtime:
    path = tmp_path / "lapak.toml"
    write_web_config(path, f"sqlite:///{tmp_path / 'l.db'}")
    extra = lapak + (f'redis_url = "{redis_url}"\n' if redis_url else "")
    path.write_text(path.read_text().replace("[lapak]\n", "[lapak]\n" + extra, 1))
    for key, value in web_env(path).items():
        monkeypatch.setenv(key, value)
    runtime = Runtime(load_config(path))
    runtime.bootstrap()
    return runtime


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    runtime = _runtime(tmp_path, monkeypatch)
    yield runtime
    runtime.close()


def _client(runtime: Runtime) -> TestClient:
    return TestClient(create_app(runtime, dispatcher=Recorder()), follow_redirects=False)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_wrong_bearer_tokens_are_throttled_even_the_right_one_after(runtime: Runtime) -> None:
    client = _client(runtime)
    for n in range(LIMIT):
        assert client.get("/api/me", headers=_bearer(f"guess-{n}")).status_code == 401
    throttled = client.get("/api/me", headers=_bearer(TOKENS["dewi"]))
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) > 200
    assert client.get("/ops/", headers=_bearer(OPERATOR_TOKEN)).status_code == 429
    signin = client.post("/signin", data={"token": TOKENS["dewi"]})  # one count for both
    assert signin.status_code == 429


def test_right_bearer_tokens_are_never_throttled(runtime: Runtime) -> None:
    client = _client(runtime)
    for _ in range(3 * LIMIT):
        assert client.get("/api/me", headers=_bearer(TOKENS["dewi"])).status_code == 200


def test_the_count_is_shared_by_web_processes_through_redis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_redis(REDIS_DB)
    redis.Redis.from_url(REDIS_DB).flushdb()
    runtime = _runtime(tmp_path, monkeypatch, redis_url=REDIS_DB)
    try:
        first, second = _client(runtime), _client(runtime)  # two apps: two processes' state
        for n in range(LIMIT // 2):
            assert first.get("/api/me", headers=_bearer(f"a-{n}")).status_code == 401
            assert second.post("/signin", data={"token": f"b-{n}"}).status_code == 401
        assert first.get("/api/me", headers=_bearer(TOKENS["dewi"])).status_code == 429
        assert second.get("/api/me", headers=_bearer(TOKENS["dewi"])).status_code == 429
    finally:
        runtime.close()
        redis.Redis.from_url(REDIS_DB).flushdb()


def test_the_redis_throttle_forgets_after_its_window_and_lets_through_when_redis_is_down() -> None:
    require_redis(REDIS_DB)
    redis.Redis.from_url(REDIS_DB).flushdb()
    clock = [1000.0]
    throttle = RedisThrottle(
        redis.Redis.from_url(REDIS_DB), limit=2, window=60, clock=lambda: clock[0]
    )

    def at(now: float) -> RedisThrottle:
        clock[0] = now
        return throttle

    at(1000).failed("1.2.3.4")
    assert at(1001).blocked("1.2.3.4") == 0
    at(1002).failed("1.2.3.4")
    assert at(1003).blocked("1.2.3.4") == pytest.approx(57, abs=0.01)
    assert at(1003).blocked("5.6.7.8") == 0
    assert at(1061).blocked("1.2.3.4") == 0
    at(1062).failed("1.2.3.4")
    throttle.succeeded("1.2.3.4")
    assert at(1063).blocked("1.2.3.4") == 0
    down = RedisThrottle(redis.Redis.from_url("redis://127.0.0.1:1/5"), limit=1)
    down.failed("1.2.3.4")
    assert down.blocked("1.2.3.4") == 0
    redis.Redis.from_url(REDIS_DB).flushdb()


def test_the_redis_throttle_counts_on_after_redis_forgot_its_script() -> None:
    """A restarted Redis has no scripts loaded: the throttle loads its own again."""
    require_redis(REDIS_DB)
    redis.Redis.from_url(REDIS_DB).flushdb()
    first, second = (RedisThrottle(redis.Redis.from_url(REDIS_DB), limit=2) for _ in range(2))
    first.failed("1.2.3.4")
    second._script = "0" * 40  # as after a restart: a hash Redis does not know
    second.failed("1.2.3.4")
    assert first.blocked("1.2.3.4") > 290
    redis.Redis.from_url(REDIS_DB).flushdb()


def test_sign_in_from_a_foreign_page_is_refused(runtime: Runtime) -> None:
    client = _client(runtime)
    token = {"token": TOKENS["dewi"]}
    foreign = client.post("/signin", data=token, headers={"Origin": "https://evil.example"})
    referred = client.post(
        "/signin", data=token, headers={"Referer": "https://evil.example/login.html"}
    )
    assert (foreign.status_code, referred.status_code) == (403, 403)
    assert "lapak_session" not in client.cookies
    own = client.post("/signin", data=token, headers={"Origin": "http://testserver"})
    assert own.status_code == 303 and "lapak_session" in client.cookies


@pytest.mark.parametrize("path", ["/signin", "/queue", "/api/me", "/static/lapak.css", "/nope"])
def test_every_answer_carries_the_security_headers(runtime: Runtime, path: str) -> None:
    answer = _client(runtime).get(path)
    policy = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self';" in policy
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style_the_policy_would_block() -> None:
    templates = Path(__file__).parents[2] / "web" / "templates"
    for template in templates.rglob("*.html"):
        text = template.read_text()
        assert "<style" not in text and "style=" not in text, template
        assert "<script>" not in text and " on" + "click=" not in text, template


def test_metrics_and_docs_are_open_by_default(runtime: Runtime) -> None:
    client = _client(runtime)
    assert client.get("/metrics").status_code == 200
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200


def test_metrics_and_docs_can_be_closed_to_all_but_the_operator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = "protect_metrics = true\nprotect_docs = true\n"
    runtime = _runtime(tmp_path, monkeypatch, lapak=closed)
    try:
        client = _client(runtime)
        for path in ("/metrics", "/openapi.json", "/docs", "/redoc"):
            assert client.get(path, headers={"Accept": "application/json"}).status_code == 401
            reseller = client.get(path, headers=_bearer(TOKENS["dewi"]))
            assert reseller.status_code == 403, path
            assert client.get(path, headers=_bearer(OPERATOR_TOKEN)).status_code == 200, path
        spec = client.get("/openapi.json", headers=_bearer(OPERATOR_TOKEN)).json()
        assert "/api/orders" in spec["paths"]
    finally:
        runtime.close()
