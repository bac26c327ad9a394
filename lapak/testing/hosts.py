"""The servers a connector test needs beside the sandbox: a catalog image host (a marketplace
downloads a listing's pictures from its `image_urls`) and a webhook receiver (the sandbox
pushes its signed notifications there)."""

from __future__ import annotations

import struct
import zlib
from collections import Counter
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lapak.wiring.server import serve

Received = list[tuple[dict[str, str], bytes]]
"""What a webhook receiver got: (headers, raw body) per delivery, in order."""


def png(name: str, size: int = 600) -> bytes:
    """A valid `size`x`size` PNG in one colour that depends on `name` (600 px: big enough
    for every marketplace's minimum, e.g. TikTok Shop's 300x300)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    rgb = bytes(ord(c) % 256 for c in (name * 3)[:3])
    rows = b"".join(b"\x00" + rgb * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def images() -> Iterator[tuple[str, Counter[str]]]:
    """A catalog image host: (base URL, downloads per image name); images at /img/{name}."""
    downloads: Counter[str] = Counter()

    async def image(request: Request) -> Response:
        name = request.path_params["name"]
        downloads[name] += 1
        return Response(png(name), media_type="image/png")

    with serve(Starlette(routes=[Route("/img/{name}", image)])) as running:
        yield running.url, downloads


@pytest.fixture
def receiver() -> Iterator[tuple[str, Received]]:
    """A webhook endpoint that records (headers, raw body) and answers 200 with no body."""
    received: Received = []

    async def hook(request: Request) -> Response:
        received.append((dict(request.headers), await request.body()))
        return Response(b"", status_code=200)

    with serve(Starlette(routes=[Route("/hooks/store", hook, methods=["POST"])])) as running:
        yield f"{running.url}/hooks/store", received
