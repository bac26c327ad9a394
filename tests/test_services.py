"""A missing service fails the test that needs it, saying what is missing and how to start
it; it never skips, whether or not `CI` is set."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.services import (
    require_chromium,
    require_postgres,
    require_redis,
    require_redis_server,
)

NOTHING_LISTENS = "127.0.0.1:1"


@pytest.fixture(params=["", "true"], ids=["local", "ci"])
def ci(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", request.param)


@pytest.mark.usefixtures("ci")
def test_an_unreachable_postgres_fails_with_how_to_start_it() -> None:
    url = f"postgresql://postgres@{NOTHING_LISTENS}/test"
    with pytest.raises(pytest.fail.Exception) as failed:
        require_postgres(url)
    assert f"PostgreSQL is not reachable at {url}" in str(failed.value)
    assert "pg_ctlcluster" in str(failed.value)
    assert "LAPAK_TEST_POSTGRES_URL" in str(failed.value)


@pytest.mark.usefixtures("ci")
def test_an_unreachable_redis_fails_with_how_to_start_it() -> None:
    url = f"redis://{NOTHING_LISTENS}/0"
    with pytest.raises(pytest.fail.Exception) as failed:
        require_redis(url)
    assert f"Redis is not reachable at {url}" in str(failed.value)
    assert "redis-server --daemonize yes" in str(failed.value)


@pytest.mark.usefixtures("ci")
def test_missing_programs_fail_with_how_to_install_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.fail.Exception) as no_redis:
        require_redis_server()
    assert "apt-get install -y redis-server" in str(no_redis.value)
    with pytest.raises(pytest.fail.Exception) as no_browser:
        require_chromium(f"{tmp_path}/chromium")
    assert f"no Chromium at {tmp_path}/chromium" in str(no_browser.value)
    assert "apt-get install -y chromium" in str(no_browser.value)
