"""Fixtures of the conformance suite: a platform's sandbox served over real HTTP and its
connector pointed at it.

Each test runs once per platform `lapak.testing.chosen_platforms` names (a connector of
`lapak.connectors` that ships no sandbox cannot be named; a sandbox whose platform has no
connector fails every test). The sandbox is driven only through its entry
(`lapak.sandboxes.registry`) and `app.state.control`
(`lapak.sandboxes.kit.control.SandboxControl`), the connector only through its plugin
(`ConnectorPlugin.create`), so a third-party connector is held to exactly what Lapak's own are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that needs a `plugin` (all of the suite's do) runs once per platform."""
    if "plugin" in metafunc.fixturenames:
        metafunc.parametrize("plugin", chosen_platforms(metafunc.config), indirect=True)


@pytest.fixture
def plugin(request: pytest.FixtureRequest) -> ConnectorPlugin:
    return plugin_for(request.param)


@pytest.fixture
def credentials(plugin: ConnectorPlugin) -> dict[str, Any]:
    return sandbox_for(plugin.platform).credentials(STORE, 0)


@pytest.fixture
def app(plugin: ConnectorPlugin, credentials: dict[str, Any]) -> Iterator[Any]:
    app = sandbox_for(plugin.platform).app([{"name": STORE, **credentials}], seed=11)
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
def connect(
    plugin: ConnectorPlugin,
    credentials: dict[str, Any],
    server: RunningServer,
    control: SandboxControl,
    vault: MemoryVault,
) -> Iterator[Callable[..., Connector]]:
    """Makes connectors to the sandbox store, signing with the sandbox's clock."""
    made: list[Connector] = []

    def make(**tuning: Any) -> Connector:
        tuning.setdefault("retry_policy", FAST)
        store = StoreSpec(name=STORE, platform=plugin.platform, base_url=server.url)
        connector = plugin.create(
            store,
            plugin.credentials_model.model_validate(credentials),
            pacer=CountingPacer(),
            tokens=vault,
            clock=control.now,
            **tuning,
        )
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()


@pytest.fixture
def connector(connect: Callable[..., Connector]) -> Connector:
    return connect()
