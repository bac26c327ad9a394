"""The ASGI app every sandbox serves: the platform's API on a short path, the rest on Starlette.

Requests whose path `is_api` claims skip Starlette's routing and middleware (benchmarks drive
thousands of calls a second) and go to `api`: the call is counted, run through the fault
plan and served by the platform's `serve`, its own error (`refused`) answered by its
`refusal`, a handler bug by its `failed` (kit/wire.py `answered`). Everything else — the
/_sandbox/ control API, the consent page (`consent`, GET and POST on its path) — is
routed as usual. Shutting the app down closes the sandbox (its buyer and push threads).

A platform's app declares what it is made of — `surface` (its `SandboxControl` class, built
over the sandbox), `control_routes`, `consent_page`, `api_prefix` — and is built from its
sandbox alone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from typing import Any, ClassVar

from lapak.sandboxes.kit.consent import ConsentPage
from lapak.sandboxes.kit.core import SandboxCore
from lapak.sandboxes.kit.surface import SandboxSurface
from lapak.sandboxes.kit.wire import answered
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send


class SandboxApp(Starlette):
    platform: ClassVar[str]
    refused: ClassVar[type[Exception]]
    """The platform's own error, raised by its handlers for its error answers."""
    surface: ClassVar[type[SandboxSurface]]
    """The platform's `SandboxControl`, made over its sandbox (`app.state.control`)."""
    control_routes: ClassVar[Sequence[BaseRoute]] = ()
    """The /_sandbox/ control API (kit/control_api.py `control_routes`)."""
    consent_page: ClassVar[ConsentPage | None] = None
    """The seller's consent page (kit/consent.py), on its path for GET and POST."""
    api_prefix: ClassVar[str | None] = None
    """Where the API lives (None: every path but the control API's and the consent page's)."""

    def __init__(
        self,
        sandbox: SandboxCore,
        control: object | None = None,
        routes: Sequence[BaseRoute] | None = None,
        *,
        consent: ConsentPage | None = None,
    ) -> None:
        """The app over `sandbox`; what is not given is the platform's declaration."""

        @asynccontextmanager
        async def lifespan(_: Starlette) -> AsyncIterator[None]:
            yield
            sandbox.close()

        control = self.surface(sandbox) if control is None else control
        routes = self.control_routes if routes is None else routes
        consent = consent or self.consent_page
        self.consent_path = consent.path if consent is not None else None
        if consent is not None:
            routes = [*routes, Route(consent.path, consent.serve, methods=["GET", "POST"])]
        super().__init__(routes=list(routes), lifespan=lifespan)
        self.state.sandbox = sandbox
        self.state.control = control
        self.sandbox = sandbox
        self.in_flight = 0
        self.most_in_flight = 0
        """The most API calls answered at once so far (a client's calls side by side)."""

    def is_api(self, path: str) -> bool:
        """Whether `path` is one of the platform's API calls: under `api_prefix` (None: any
        path but the control API's), never the consent page."""
        if path == self.consent_path:
            return False
        if self.api_prefix is None:
            return not path.startswith("/_sandbox/")
        return path.startswith(self.api_prefix)

    def api_path(self, request: Request) -> str:
        """The API path a request calls (its counter and fault plan key)."""
        return str(request.scope["path"])

    async def serve(self, request: Request, path: str) -> Response:
        """Serve one API call (raising `refused` for the platform's error answers)."""
        raise NotImplementedError

    def refusal(self, error: Any) -> Response:
        """The platform's answer to its own error."""
        raise NotImplementedError

    def failed(self) -> Response:
        """The platform's answer to a server error."""
        raise NotImplementedError

    async def api(self, request: Request) -> Response:
        path = self.api_path(request)
        self.sandbox.count_call(path)

        def serve() -> Awaitable[Response]:
            return answered(
                lambda: self.serve(request, path),
                refused=self.refused,
                refusal=self.refusal,
                failed=self.failed,
                platform=self.platform,
                path=path,
            )

        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return await self.sandbox.faults.run(path, serve)
        finally:
            self.in_flight -= 1

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.is_api(scope.get("path", "")):
            scope["app"] = self
            response = await self.api(Request(scope, receive))
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
