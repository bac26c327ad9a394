"""The resellers' JSON API and queue forms under schemathesis: cases generated from the
app's own OpenAPI for every `/api/`, `/queue` and `/history` operation (valid and not:
wrong types, huge ids, NUL bytes…) are sent by a signed-in reseller with a bearer token;
every answer is below 500. The sign-in form gets random fields."""

from __future__ import annotations

from functools import cache
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import strategies as st

from tests.fuzz.harness import boundary
from tests.web import test_api as web_api
from tests.web.test_api import TOKENS, Lapak

lapak = web_api.lapak
"""The web tests' fixture: five orders on two shops, on SQLite and PostgreSQL."""


@cache
def _operations(client: TestClient) -> st.SearchStrategy[Any]:
    spec = client.app.openapi()  # type: ignore[attr-defined]
    schema = schemathesis.openapi.from_dict(spec)
    operations = [result.ok() for result in schema.get_all_operations()]
    return st.one_of(
        [
            operation.as_strategy(generation_mode=mode)
            for operation in operations
            if operation.path.startswith(("/api/", "/queue", "/history"))
            for mode in (
                schemathesis.GenerationMode.POSITIVE,
                schemathesis.GenerationMode.NEGATIVE,
            )
        ]
    )


_clients: dict[int, TestClient] = {}


def _client(lapak: Lapak) -> TestClient:
    key = id(lapak)
    if key not in _clients:
        _clients.clear()
        client = _clients[key] = lapak.client("dewi")
        client.post("/signin", data={"token": TOKENS["dewi"]})  # the queue forms' session
    return _clients[key]


class ServerError(AssertionError):
    pass


@boundary("web.api", st.data(), fixtures=("lapak",))
def test_api(data: st.DataObject, lapak: Lapak) -> None:
    client = _client(lapak)
    case = data.draw(_operations(client))
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    kwargs.pop("cookies", None)
    headers = {**(kwargs.pop("headers", None) or {}), **client.headers}
    request = f"{case.method} {case.formatted_path} {kwargs}"[:300]
    try:
        response = client.request(headers=headers, **kwargs)
    except Exception as error:  # the app raised: a 500 in production
        raise ServerError(f"{request}: {error!r}"[:400]) from error
    if response.status_code >= 500:
        raise ServerError(f"{request}: {response.status_code}")


form_value = st.one_of(
    st.text(max_size=40), st.sampled_from(["\x00", "x" * 10_000, "dewi-token-123456"])
)


@boundary(
    "web.sign_in",
    st.dictionaries(st.sampled_from(["token", "next", "name", "csrf"]), form_value),
    fixtures=("lapak",),
)
def test_sign_in_form(fields: dict[str, str], lapak: Lapak) -> None:
    client = _client(lapak)
    for path in ("/signin",):
        response = client.post(path, data=fields, follow_redirects=False)
        if response.status_code >= 500:
            raise ServerError(f"POST {path}: {response.status_code}")
