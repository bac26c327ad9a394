"""Placeholder product images for trying Lapak on the sandboxes without photos of one's own.

`lapak sandbox` serves `/_sandbox/images/<name>.png` on every sandbox port: a small PNG in
one colour derived from `<name>` (the same name gives the same bytes), so a sample catalog's
`image_urls` can point at any sandbox and every marketplace's image upload accepts it.
Sandbox-only: nothing on a production path imports this module.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from starlette.responses import JSONResponse, Response

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
PLACEHOLDER_SIZE = 600
"""Pixels a side: at least what the marketplaces ask of a product photo (Shopee: 500)."""
PLACEHOLDER_PATH = re.compile(r"/_sandbox/images/(?P<name>[A-Za-z0-9._-]{1,100})\.png")


def _chunk(tag: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(tag + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)


@lru_cache(maxsize=256)
def placeholder_png(name: str, size: int = 16) -> bytes:
    """A `size`x`size` RGB PNG in one colour derived from `name` (same name, same bytes)."""
    rgb = hashlib.sha256(name.encode("utf-8")).digest()[:3]
    rows = b"".join(b"\x00" + rgb * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        PNG_MAGIC
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def placeholder_response(name: str) -> Response:
    """The placeholder PNG of `name`, `PLACEHOLDER_SIZE` pixels a side."""
    return Response(placeholder_png(name, PLACEHOLDER_SIZE), media_type="image/png")


def image_kind(data: bytes) -> str | None:
    """ "png" or "jpeg" when `data` starts like one, else None."""
    if data.startswith(PNG_MAGIC):
        return "png"
    if data.startswith(JPEG_MAGIC):
        return "jpeg"
    return None


def image_response(
    data: bytes | None, kind: Callable[[bytes], str | None] = image_kind
) -> Response:
    """An image the sandbox keeps (an upload), typed by `kind` (a platform may know more
    formats), or 404 when there is none."""
    if data is None:
        return JSONResponse({"detail": "no such image"}, status_code=404)
    return Response(data, media_type=f"image/{kind(data) or 'png'}")


class WithPlaceholderImages:
    """An ASGI app answering `GET /_sandbox/images/<name>.png` itself and passing every
    other request to the sandbox it wraps (whose `state` it shares)."""

    def __init__(self, app: Any):
        self.app = app
        self.state = app.state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            match = PLACEHOLDER_PATH.fullmatch(scope["path"])
            if match is not None:
                await placeholder_response(match["name"])(scope, receive, send)
                return
        await self.app(scope, receive, send)
