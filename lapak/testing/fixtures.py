"""Fixtures of the conformance suite: a platform's sandbox served over real HTTP and its
connector pointed at it.

Each test runs once per platform `lapak.testing.chosen_platforms` names (a connector of
`lapak.connectors` that ships no sandbox cannot be named; a sandbox whose platform has no
connector fails every test). The sandbox is driven only through its entry
(`lapak.sandboxes.registry`) and `app.state.control`
(`lapak.sandboxes.kit.control.SandboxControl`), the connector only through its plugin
(`ConnectorPlugin.create`), so a third-party connector is held to exactly what Lapak's own are.

A test module of one platform's own takes the same fixtures by overriding `target` (which
platform, store and seed) and, where it wants another default, `retry_policy`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from lapak.connectors.http import RetryPolicy
from lapak.sandboxes.kit.control import SandboxControl
from lapak.sandboxes.registry import sandbox_for
from lapak.sync.protocol import Connector, ConnectorPlugin, StoreSpec
from lapak.sync.registry import plugin_for
from lapak.testing import chosen_platforms
from lapak.testing.doubles import CountingPacer, MemoryVault
from lapak.wiring.server import RunningServer, serve

STORE = "conformance-store"
FAST = RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05, max_retry_after=3.0, budget=10.0)


@dataclass(frozen=True)
class Target:
    """What the fixtures build: `platform`'s sandbox app, seeded with `seed`, holding one
    store called `store` (with the sandbox's credentials for it)."""

    platform: str
    store: str = STORE
    seed: int = 11


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that needs a `target` (all of the suite's do) runs once per platform."""
    if "target" in metafunc.fixturenames:
        metafunc.parametrize("target", chosen_platforms(metafunc.config), indirect=True)


@pytest.fixture
def target(request: pytest.FixtureRequest) -> Target:
    return Target(request.param)


@pytest.fixture
def plugin(target: Target) -> ConnectorPlugin:
    return plugin_for(target.platform)


@pytest.fixture
def credentials(target: Target) -> dict[str, Any]:
    return sandbox_for(target.platform).credentials(target.store, 0)


@pytest.fixture
def app(target: Target, credentials: dict[str, Any]) -> Iterator[Any]:
    app = sandbox_for(target.platform).app(
        [{"name": target.store, **credentials}], seed=target.seed
    )
    app.state.control.set_rate_limit(0)  # pacing is the Pacer's job; throttles come from faults
    yield app
    app.state.control.close()


@pytest.fixture
def control(app: Any) -> SandboxControl:
    return app.state.control


@pytest.fixture
def server(app: Any) -> Iterator[RunningServer]:
    with serve(app) as running:
        yield running


@pytest.fixture
def vault(control: SandboxControl) -> MemoryVault:
    return MemoryVault(control.now)


@pytest.fixture
def pacer() -> CountingPacer:
    return CountingPacer()


@pytest.fixture
def retry_policy() -> RetryPolicy:
    return FAST


@pytest.fixture
def connect(
    target: Target,
    plugin: ConnectorPlugin,
    credentials: dict[str, Any],
    server: RunningServer,
    control: SandboxControl,
    vault: MemoryVault,
    pacer: CountingPacer,
    retry_policy: RetryPolicy,
) -> Iterator[Callable[..., Connector]]:
    """Makes connectors to the sandbox store, signing with the sandbox's clock. `credentials`
    replaces some of the store's values; other keywords go to `ConnectorPlugin.create`, over
    the fixtures' pacer, vault, clock and retry policy."""
    made: list[Connector] = []

    def make(**tuning: Any) -> Connector:
        values = {**credentials, **tuning.pop("credentials", {})}
        defaults: dict[str, Any] = {
            "pacer": pacer,
            "tokens": vault,
            "clock": control.now,
            "retry_policy": retry_policy,
        }
        connector = plugin.create(
            StoreSpec(name=target.store, platform=target.platform, base_url=server.url),
            plugin.credentials_model.model_validate(values),
            **(defaults | tuning),
        )
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()


@pytest.fixture
def connector(connect: Callable[..., Connector]) -> Connector:
    return connect()
