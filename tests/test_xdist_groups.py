"""The xdist groups `.ci/run` relies on are in force: under `--dist loadgroup` a test of a
group carries the group in its id (what the scheduler keeps on one worker). Without them
the whole-deployment tests run side by side and share Redis ports and databases."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.xdist_group("probe")


def test_a_grouped_test_carries_its_group_under_loadgroup(request: pytest.FixtureRequest) -> None:
    if not os.environ.get("PYTEST_XDIST_WORKER") or not request.config.getvalue("loadgroup"):
        pytest.skip("meaningful under `pytest -n N --dist loadgroup` only (as .ci/run runs)")
    assert request.node.nodeid.endswith("@probe"), request.node.nodeid
