"""A real Redis for tests: a failure saying how to start it when it is unreachable."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from redis import Redis

from tests.services import require_redis

REDIS_URL = os.environ.get("LAPAK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_client() -> Iterator[Redis]:
    require_redis(REDIS_URL)
    client = Redis.from_url(REDIS_URL)
    yield client
    client.close()


@pytest.fixture
def unique() -> str:
    """A prefix no other test run uses (tests share one Redis)."""
    return f"t{uuid.uuid4().hex[:10]}"


def redis_url_for(db: int) -> str:
    """The test Redis, database number `db` (tests that flush a database own it alone)."""
    return f"{REDIS_URL.rsplit('/', 1)[0]}/{db}"
