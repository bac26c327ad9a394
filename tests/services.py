"""The services the tests run against, and a clear failure when one is missing.

PostgreSQL, Redis, the `redis-server` program and Chromium are part of the test bench, not
optional extras: a missing one fails the test that needs it (with or without `CI`), saying
what is missing and how to start it. `bash .ci/run` starts PostgreSQL and Redis when they are
down and installs Chromium.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest
from redis import Redis
from redis.exceptions import RedisError

START_POSTGRES = (
    "start it with `pg_ctlcluster --skip-systemctl-redirect <version> main start` "
    "(or run the suite through `bash .ci/run`, which starts it), "
    "or point LAPAK_TEST_POSTGRES_URL at a running server"
)
START_REDIS = (
    "start it with `redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ''` "
    "(or run the suite through `bash .ci/run`, which starts it), "
    "or point LAPAK_TEST_REDIS_URL at a running server"
)


def missing(what: str, fix: str) -> NoReturn:
    """Fail the test: `what` is not there, `fix` says how to get it."""
    pytest.fail(f"{what}; {fix}", pytrace=False)


def require_postgres(url: str) -> None:
    try:
        with psycopg.connect(url, connect_timeout=5):
            pass
    except psycopg.OperationalError as error:
        missing(f"PostgreSQL is not reachable at {url}: {error}".strip(), START_POSTGRES)


def require_redis(url: str) -> None:
    client = Redis.from_url(url)
    try:
        client.ping()
    except RedisError as error:
        missing(f"Redis is not reachable at {url}: {error}", START_REDIS)
    finally:
        client.close()


def require_redis_server() -> None:
    """The `redis-server` program itself (the benchmark harness starts Redis on its own port)."""
    if shutil.which("redis-server") is None:
        missing("`redis-server` is not on the PATH", "`apt-get install -y redis-server`")


def require_chromium(configured: str) -> str:
    """The path of a Chromium to drive, and Playwright's driver importable."""
    found = configured if Path(configured).exists() else shutil.which("chromium")
    if found is None:
        missing(
            f"no Chromium at {configured} nor on the PATH",
            "install Debian's: `apt-get install -y chromium` (or set LAPAK_CHROMIUM to one)",
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("Playwright for Python is not installed", "`.venv/bin/pip install -e '.[dev]'`")
    return found
