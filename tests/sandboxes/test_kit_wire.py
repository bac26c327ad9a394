"""The kit's wire pieces: the router, the failed-handler answers and the field readers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from lapak.sandboxes.kit.wire import (
    JSONBody,
    Router,
    answered,
    int_field,
    is_int,
    is_number,
    multipart_file,
    query_list,
)
from starlette.requests import ClientDisconnect
from starlette.responses import Response


class Refused(Exception):
    pass


def _answer(error: Exception | None) -> Response:
    async def serve() -> Response:
        if error is not None:
            raise error
        return JSONBody({"ok": True})

    return asyncio.run(
        answered(
            serve,
            refused=Refused,
            refusal=lambda exc: JSONBody({"refused": str(exc)}, status_code=400),
            failed=lambda: JSONBody({"error": "server"}, status_code=500),
            platform="test",
            path="/x",
        )
    )


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (None, 200, b'{"ok":true}'),
        (Refused("no"), 400, b'{"refused":"no"}'),
        (ClientDisconnect(), 499, b""),
        (KeyError("bug"), 500, b'{"error":"server"}'),
    ],
)
def test_answered(error: Exception | None, status: int, body: bytes) -> None:
    response = _answer(error)
    assert (response.status_code, response.body) == (status, body)


def test_readers() -> None:
    assert is_int(3) and not is_int(True) and not is_int(3.0)
    assert is_number(2.5) and not is_number(float("nan")) and not is_number(False)
    assert query_list(["a,b", " c ", ""]) == ["a", "b", "c"]


def test_multipart_file() -> None:
    boundary = "XyZ"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n'
            f"Content-Type: image/png\r\n\r\n"
        ).encode()
        + b"\x89PNG\x00\x01"
        + f"\r\n--{boundary}--\r\n".encode()
    )
    content_type = f"multipart/form-data; boundary={boundary}"
    assert multipart_file(content_type, body, "image") == b"\x89PNG\x00\x01"
    assert multipart_file(content_type, body, "other") is None
    assert multipart_file("application/json", body, "image") is None


@dataclass(frozen=True)
class _Route:
    method: str
    template: str


def test_router_finds_a_paths_routes_and_params() -> None:
    search, get = _Route("POST", "/orders"), _Route("GET", "/orders")
    ship = _Route("POST", "/packages/{package_id}/ship")
    router = Router([search, get, ship])
    assert router.match("/orders") == ([search, get], {})
    assert router.match("/packages/77/ship") == ([ship], {"package_id": "77"})
    assert router.match("/packages/77") == ([], {})


def test_int_field_is_none_when_absent_or_empty_and_refuses_other_text() -> None:
    assert int_field("42", ValueError) == 42
    assert int_field(None, ValueError) is None and int_field("", ValueError) is None
    with pytest.raises(ValueError, match="x1"):
        int_field("x1", ValueError)
