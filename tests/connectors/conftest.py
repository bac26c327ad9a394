"""What every connector test needs around a sandbox.

The sandbox app, its server, the connector to it and the doubles it is handed are the
conformance suite's fixtures (`lapak.testing.fixtures`), without the suite's run per platform:
a platform's test module names its platform, store and seed by overriding `target`. The image
host and webhook receiver live in `lapak.testing.hosts`.
"""

from typing import Any

import pytest
from lapak.connectors.http import RetryPolicy

from lapak.testing import fixtures
from lapak.testing.hosts import Received, images, receiver

__all__ = ["Received", "images", "receiver"]

plugin = fixtures.plugin
credentials = fixtures.credentials
app = fixtures.app
control = fixtures.control
server = fixtures.server
vault = fixtures.vault
pacer = fixtures.pacer
connect = fixtures.connect
connector = fixtures.connector

FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, max_retry_after=3.0, budget=5.0)
"""The connector tests' retries: quick, and fewer than the suite's, so a test that exhausts
them makes fewer calls."""


@pytest.fixture
def retry_policy() -> RetryPolicy:
    return FAST


@pytest.fixture
def sandbox(app: Any) -> Any:
    """The platform's sandbox object behind its control (`app.state.sandbox`): what a
    platform's own tests reach past `SandboxControl`."""
    return app.state.sandbox
