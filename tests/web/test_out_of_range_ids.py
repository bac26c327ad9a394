"""Ids and page numbers beyond what the database holds are a 404 or 422, never a 500
(the driver's `OverflowError`), on every route that takes one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from lapak.config import load_config
from lapak.sync.store.db import Database
from lapak.web.app import create_app
from lapak.web.ids import MAX_BIG_ID, MAX_ROW_ID, parse_row_id
from lapak.wiring.runtime import Runtime

from tests.web.test_api import OPERATOR_TOKEN, TOKENS, Recorder, web_env, write_web_config

HUGE = str(2**64)
BEYOND_INTEGER = str(2**31)  # fits the driver, not an INTEGER column: PostgreSQL refuses it


@pytest.fixture
def client(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    config = tmp_path / "lapak.toml"
    write_web_config(config, db.url)
    for key, value in web_env(config).items():
        monkeypatch.setenv(key, value)
    runtime = Runtime(load_config(config))
    runtime.bootstrap()
    yield TestClient(create_app(runtime, dispatcher=Recorder()), raise_server_exceptions=False)
    runtime.close()


RESELLER_CALLS = [
    ("GET", f"/api/orders/{HUGE}"),
    ("POST", f"/api/orders/{HUGE}/claim"),
    ("POST", f"/api/orders/{HUGE}/release"),
    ("POST", f"/api/orders/{HUGE}/pack"),
    ("GET", f"/api/history?offset={HUGE}"),
    ("GET", f"/history?page={HUGE}"),
    ("POST", f"/queue/{HUGE}/claim"),
    ("POST", f"/queue/{HUGE}/ship"),
    ("GET", f"/api/orders/{BEYOND_INTEGER}"),
    ("POST", f"/api/orders/{BEYOND_INTEGER}/claim"),
    ("POST", f"/queue/{BEYOND_INTEGER}/claim"),
]
OPERATOR_CALLS = [
    ("GET", f"/ops/events?before={HUGE}"),
    ("POST", f"/ops/dead-letters/{HUGE}/retry"),
    ("POST", f"/ops/listings/retry?listing={HUGE}"),
    ("POST", f"/ops/dead-letters/{BEYOND_INTEGER}/retry"),
    ("POST", f"/ops/listings/retry?listing={BEYOND_INTEGER}"),
    ("POST", "/ops/listings/retry?listing=%C2%B2"),  # "²": a digit to str.isdigit, not to int()
]


@pytest.mark.parametrize(("method", "path"), RESELLER_CALLS)
def test_reseller_routes_refuse_ids_out_of_range(
    client: TestClient, method: str, path: str
) -> None:
    answer = client.request(method, path, headers={"Authorization": f"Bearer {TOKENS['dewi']}"})
    assert answer.status_code in (404, 422), answer.text


@pytest.mark.parametrize(("method", "path"), OPERATOR_CALLS)
def test_operator_routes_refuse_ids_out_of_range(
    client: TestClient, method: str, path: str
) -> None:
    answer = client.request(method, path, headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"})
    assert answer.status_code in (404, 422), answer.text


def test_every_integer_parameter_of_every_route_is_bounded(client: TestClient) -> None:
    unbounded = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if not isinstance(route, APIRoute):
            continue
        for param in route.dependant.path_params + route.dependant.query_params:
            if param.field_info.annotation not in (int, int | None):
                continue
            limits = [getattr(m, "le", None) for m in param.field_info.metadata]
            if not any(limit is not None and limit <= MAX_BIG_ID for limit in limits):
                unbounded.append(f"{route.path} {param.name}")
    assert unbounded == []


def test_form_row_ids_are_ascii_digits_in_range() -> None:
    assert parse_row_id("42") == 42
    assert parse_row_id(str(MAX_ROW_ID)) == MAX_ROW_ID
    for bad in (None, "", "0", str(MAX_ROW_ID + 1), HUGE, "²", "-1", "1e3", " 1"):
        assert parse_row_id(bad) is None
