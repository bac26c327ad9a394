"""A real Redis for tests: skipped locally when unreachable, a failure in CI (`CI=true`)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

REDIS_URL = os.environ.get("LAPAK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_client() -> Iterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except RedisConnectionError as error:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
    yield client
    client.close()


@pytest.fixture
def unique() -> str:
    """A prefix no other test run uses (tests share one Redis)."""
    return f"t{uuid.uuid4().hex[:10]}"


def redis_url_for(db: int) -> str:
    """The test Redis, database number `db` (tests that flush a database own it alone)."""
    return f"{REDIS_URL.rsplit('/', 1)[0]}/{db}"
