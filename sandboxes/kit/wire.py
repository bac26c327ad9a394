"""What every sandbox's wire code shares: the compact JSON response, the call a handler is
given, the path-template router, the answer to a failed handler, and the field and
multipart readers.

A platform keeps its envelopes, its error bodies and its field errors; these pieces have
no platform in them.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeGuard, TypeVar

import structlog
from starlette.datastructures import QueryParams
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import compile_path

log = structlog.get_logger(__name__)
E = TypeVar("E", bound=Exception)


class JSONBody(Response):
    """A compact JSON response (no pretty printing, UTF-8)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(slots=True, kw_only=True)
class Call:
    """One API request as its handler sees it; a platform's context adds the caller.
    `body` is the parsed JSON object, or the raw bytes of a multipart upload."""

    request: Request
    query: QueryParams
    body: Any

    @property
    def content_type(self) -> str:
        return self.request.headers.get("content-type", "")

    @property
    def json(self) -> Mapping[str, Any]:
        return self.body if isinstance(self.body, Mapping) else {}

    @property
    def base_url(self) -> str:
        """Scheme and host the caller used, for URLs the sandbox hands out."""
        url = self.request.url
        return f"{url.scheme}://{url.netloc}"


@dataclass(slots=True, kw_only=True)
class SandboxCall(Call):
    """A call with the sandbox serving it (a platform's context names its type), whose
    clock is the call's `now`."""

    sandbox: Any

    @property
    def now(self) -> int:
        return int(self.sandbox.clock.now_s())


T = TypeVar("T")


def given(value: T | None, what: str) -> T:
    """What the gate found for an API that requires it (a shop, a seller); None there is a
    routing bug, not a caller's error."""
    if value is None:
        raise RuntimeError(f"{what} API handler called without a {what}")
    return value


class Templated(Protocol):
    @property
    def method(self) -> str: ...
    @property
    def template(self) -> str: ...


R = TypeVar("R", bound=Templated)


class Router(Generic[R]):
    """Finds the routes of a path (a platform keeps one a method) by their `template`:
    `{name}` segments become path params; templates without any are looked up first."""

    def __init__(self, routes: list[R]) -> None:
        by_template: dict[str, list[R]] = {}
        for route in routes:
            by_template.setdefault(route.template, []).append(route)
        self._exact = {t: found for t, found in by_template.items() if "{" not in t}
        self._patterns = [(compile_path(t)[0], f) for t, f in by_template.items() if "{" in t]

    def match(self, path: str) -> tuple[list[R], dict[str, str]]:
        """The routes of this path (any method) and its path params; none: ([], {})."""
        if path in self._exact:
            return self._exact[path], {}
        for pattern, found in self._patterns:
            matched = pattern.match(path)
            if matched:
                return found, matched.groupdict()
        return [], {}

    def find(
        self,
        method: str,
        path: str,
        *,
        no_path: Callable[[], Exception],
        no_method: Callable[[list[R]], Exception],
    ) -> tuple[R, dict[str, str]]:
        """The route of this method and path and its path params; `no_path()` is raised for
        a path no route has, `no_method(routes)` for one whose routes take other methods."""
        routes, params = self.match(path)
        if not routes:
            raise no_path()
        for route in routes:
            if route.method == method:
                return route, params
        raise no_method(routes)


async def answered(
    serve: Callable[[], Awaitable[Response]],
    *,
    refused: type[E],
    refusal: Callable[[E], Response],
    failed: Callable[[], Response],
    platform: str,
    path: str,
) -> Response:
    """`serve()`'s response; the platform's refusal of its own error (`refused`), nobody
    answered when the caller went away mid-request (a killed worker), and a sandbox bug
    logged and answered like the platform's own hiccups (`failed`)."""
    try:
        return await serve()
    except refused as exc:
        return refusal(exc)
    except ClientDisconnect:
        return Response(status_code=499)
    except Exception:
        log.exception("sandbox_handler_failed", platform=platform, path=path)
        return failed()


def json_object(
    raw: bytes, not_json: Callable[[], Exception], not_object: Callable[[], Exception] | None = None
) -> dict[str, Any]:
    """A request body that must be a JSON object ({} when empty): `not_json()` is raised
    for text that is not JSON, `not_object()` (default: `not_json()`) for another value."""
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise not_json() from None
    if not isinstance(body, dict):
        raise (not_object or not_json)()
    return body


def is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def int_field(raw: str | None, not_int: Callable[[str], Exception]) -> int | None:
    """A query or form field as an int (None when absent or empty); `not_int(raw)` is
    raised for text that is not an integer."""
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise not_int(raw) from None


def query_list(values: list[str]) -> list[str]:
    """A list parameter sent comma-joined, repeated, or both."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def multipart_file(content_type: str, body: bytes, field: str) -> bytes | None:
    """The bytes of the file field `field` of a multipart/form-data body, or None."""
    if not content_type.lower().startswith("multipart/form-data"):
        return None
    header = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1")
    parser = email.parser.BytesParser(policy=email.policy.HTTP)
    message = parser.parsebytes(header + body)
    if not message.is_multipart():
        return None
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == field:
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else None
    return None
