"""The ASGI app every sandbox serves: the platform's API on a short path, the rest on Starlette.

Requests whose path `is_api` claims skip Starlette's routing and middleware (benchmarks drive
thousands of calls a second) and go to the platform's `api`; everything else — the
/_sandbox/ control API, consent pages — is routed as usual. Shutting the app down closes the
sandbox (its buyer and push threads).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from lapak.sandboxes.kit.core import SandboxCore
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send


class SandboxApp(Starlette):
    def __init__(self, sandbox: SandboxCore, control: object, routes: Sequence[BaseRoute]) -> None:
        @asynccontextmanager
        async def lifespan(_: Starlette) -> AsyncIterator[None]:
            yield
            sandbox.close()

        super().__init__(routes=list(routes), lifespan=lifespan)
        self.state.sandbox = sandbox
        self.state.control = control
        self.sandbox = sandbox

    @abstractmethod
    def is_api(self, path: str) -> bool:
        """Whether `path` is one of the platform's API calls."""

    @abstractmethod
    async def api(self, request: Request) -> Response:
        """Serve one API call."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.is_api(scope.get("path", "")):
            scope["app"] = self
            response = await self.api(Request(scope, receive))
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
