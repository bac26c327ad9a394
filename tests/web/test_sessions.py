"""Sessions: the signed cookie, the derived secret, and the operator dependency."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lapak.config import load_config
from lapak.sync.i18n import using_language
from lapak.web.app import create_app
from lapak.web.sessions import (
    CurrentOperator,
    Signer,
    derive_secret,
    local_time,
    time_left,
)
from lapak.web.throttle import MemoryThrottle
from lapak.wiring.runtime import Runtime

from tests.web.test_api import OPERATOR_TOKEN, TOKENS, Recorder, web_env, write_web_config


def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, operator: bool = True) -> Path:
    path = tmp_path / "lapak.toml"
    write_web_config(path, f"sqlite:///{tmp_path / 'l.db'}", operator=operator)
    for key, value in web_env(path).items():
        monkeypatch.setenv(key, value)
    return path


def _app(path: Path) -> tuple[Runtime, TestClient]:
    runtime = Runtime(load_config(path))
    runtime.bootstrap()
    app = create_app(runtime, dispatcher=Recorder())

    @app.get("/_operator_only")
    def operator_only(operator: CurrentOperator) -> dict[str, str]:
        return {"hello": operator.name}

    return runtime, TestClient(app, follow_redirects=False)


def test_a_signed_value_cannot_be_altered_reused_elsewhere_or_kept_past_expiry() -> None:
    signer = Signer(b"k" * 32)
    minute = timedelta(minutes=1)
    value = signer.sign("session", {"name": "dewi"})
    assert signer.unsign("session", value, minute) == {"name": "dewi"}
    body, stamp, mac = value.split(".")
    forged = base64.urlsafe_b64encode(json.dumps({"name": "sari"}).encode()).decode()
    assert signer.unsign("session", f"{forged.rstrip('=')}.{stamp}.{mac}", minute) is None
    assert signer.unsign("session", f"{body}.{stamp}.{'A' * len(mac)}", minute) is None
    assert signer.unsign("flash", value, minute) is None  # a flash cookie is no session
    assert Signer(b"x" * 32).unsign("session", value, minute) is None
    a_minute_ago = Signer(b"k" * 32, clock=lambda: time.time() - 61)
    assert signer.unsign("session", a_minute_ago.sign("session", {"name": "dewi"}), minute) is None
    for junk in ("", ".", "abc", "abc.def", "!!!.abc", "a.b.c"):
        assert signer.unsign("session", junk, minute) is None
    assert signer.fingerprint("t1") != signer.fingerprint("t2")
    assert "t1" not in signer.fingerprint("t1")


def test_the_secret_is_stable_per_deployment_and_moves_with_its_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _config(tmp_path, monkeypatch)
    first = derive_secret(load_config(path))
    assert derive_secret(load_config(path)) == first  # another process, a restart
    assert len(first) == 32 and TOKENS["dewi"].encode() not in first
    monkeypatch.setenv("E2E_PARTNER_KEY", "another-partner-key-0123456789ab")
    assert derive_secret(load_config(path)) != first


def test_a_rotated_token_ends_its_sessions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _config(tmp_path, monkeypatch)
    runtime, browser = _app(path)
    assert browser.post("/signin", data={"token": TOKENS["budi"]}).status_code == 303
    assert browser.get("/api/me").json()["name"] == "budi"
    runtime.close()
    monkeypatch.setenv("WEB_BUDI_TOKEN", "budi-rotated-token-000")
    rotated, fresh = _app(path)
    fresh.cookies = browser.cookies
    assert fresh.get("/api/me").status_code == 401
    assert fresh.get("/queue").headers["location"] == "/signin?next=/queue"
    rotated.close()


def test_a_tampered_or_expired_session_cookie_signs_nobody_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _config(tmp_path, monkeypatch)
    runtime, browser = _app(path)
    secret = derive_secret(load_config(path))

    def session_from(days_ago: float) -> str:
        signer = Signer(secret, clock=lambda: time.time() - days_ago * 86_400)
        payload = {"kind": "reseller", "name": "dewi", "fp": signer.fingerprint(TOKENS["dewi"])}
        return signer.sign("session", payload)

    browser.cookies.set("lapak_session", session_from(13))
    assert browser.get("/api/me").json()["name"] == "dewi"
    browser.cookies.set("lapak_session", session_from(14.01))  # past SESSION_TTL
    assert browser.get("/api/me").status_code == 401
    _, stamp, mac = session_from(0).split(".")
    sari = {"kind": "reseller", "name": "sari", "fp": Signer(secret).fingerprint(TOKENS["sari"])}
    forged = base64.urlsafe_b64encode(json.dumps(sari).encode()).decode().rstrip("=")
    browser.cookies.set("lapak_session", f"{forged}.{stamp}.{mac}")  # dewi's signature
    assert browser.get("/api/me").status_code == 401
    runtime.close()


def test_operator_views_need_the_operator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime, client = _app(_config(tmp_path, monkeypatch))
    assert client.get("/_operator_only", headers={"Accept": "application/json"}).status_code == 401
    assert client.get("/_operator_only").headers["location"] == "/signin?next=/_operator_only"
    reseller = {"Authorization": f"Bearer {TOKENS['dewi']}"}
    assert client.get("/_operator_only", headers=reseller).status_code == 403
    operator = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
    assert client.get("/_operator_only", headers=operator).json() == {"hello": "operator"}
    assert client.post("/signin", data={"token": TOKENS["sari"]}).status_code == 303
    assert client.get("/_operator_only").status_code == 403  # a reseller's session
    signed = client.post("/signin", data={"token": OPERATOR_TOKEN})
    assert signed.headers["location"] == "/ops/"
    assert client.get("/_operator_only").json() == {"hello": "operator"}
    assert client.get("/api/orders").status_code == 403  # the operator is no reseller
    runtime.close()


def test_without_an_operator_token_nobody_is_the_operator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime, client = _app(_config(tmp_path, monkeypatch, operator=False))
    answer = client.get("/_operator_only", headers={"Authorization": "Bearer "})
    assert answer.status_code == 401
    offline = client.get("/_operator_only", headers={"Accept": "application/json"})
    assert offline.status_code == 401 and "operator_token_env" in offline.json()["detail"]
    assert client.post("/signin", data={"token": OPERATOR_TOKEN}).status_code == 401
    runtime.close()


def test_times_are_told_in_wib_with_the_time_left() -> None:
    now = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    with using_language("en"):
        assert local_time(now) == "2 Mar 12:00 WIB"
        assert time_left(now + timedelta(hours=3, minutes=20), now) == "3 h 20 min left"
        assert time_left(now + timedelta(minutes=45), now) == "45 min left"
        assert time_left(now - timedelta(hours=1, minutes=5), now) == "overdue 1 h 5 min"
        assert time_left(now + timedelta(days=2, hours=1), now) == "2 d 1 h left"
    with using_language("id"):
        assert local_time(now + timedelta(days=279)) == "6 Des 12:00 WIB"
        assert local_time(now, "HH:mm", "WITA") == "13:00 WITA"
        assert time_left(now + timedelta(hours=2, minutes=5), now) == "Sisa waktu 2 jam 5 menit"
        assert time_left(now - timedelta(hours=1, minutes=5), now) == "Terlambat 1 jam 5 menit"
    assert time_left(None, now) == local_time(None) == "-"


def test_guessing_tokens_is_throttled_and_big_forms_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime, client = _app(_config(tmp_path, monkeypatch))
    for n in range(10):
        assert client.post("/signin", data={"token": f"guess-{n}"}).status_code == 401
    throttled = client.post("/signin", data={"token": TOKENS["dewi"]})
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) > 200
    assert "lapak_session" not in client.cookies  # not even the right token, for now
    assert client.post("/signin", content=b"token=" + b"x" * 70_000).status_code == 413
    runtime.close()


def test_the_throttle_forgets_after_its_window_and_on_success() -> None:
    clock = [100.0]
    throttle = MemoryThrottle(limit=2, window=60, clock=lambda: clock[0])

    def at(now: float) -> MemoryThrottle:
        clock[0] = now
        return throttle

    at(100).failed("1.2.3.4")
    assert at(101).blocked("1.2.3.4") == 0
    at(102).failed("1.2.3.4")
    assert at(103).blocked("1.2.3.4") == pytest.approx(57, abs=0.01)
    assert at(103).blocked("5.6.7.8") == 0
    assert at(161).blocked("1.2.3.4") == 0  # the first failure is out of the window
    at(162).failed("1.2.3.4")
    throttle.succeeded("1.2.3.4")
    assert at(163).blocked("1.2.3.4") == 0
