"""MigrateImage of the sandbox: an external image URL becomes a Lazada image URL ("Only
Lazada image Urls can be used when products are created or updated", image-upload guide).

Like Lazada it fetches the image (jpg or png, ≤ 3 MB, 5 s: maxOriginalMediaByteSize,
downloadMediaTimeoutMilliSec); unlike Lazada, which refuses IP-address URLs and ports other
than 80/443, it fetches from loopback test servers. Its refusal code and text are
UNCONFIRMED (MigrateImage's error table was not found).
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlparse

import httpx
from lapak.sandboxes.lazada.api_products import basic_required
from lapak.sandboxes.lazada.context import Ctx, Route, async_route
from lapak.sandboxes.lazada.wire import LazadaError, as_dict, payload, text

IMAGE_BYTES_MAX = 3_145_728
IMAGE_TIMEOUT_SECONDS = 5.0


async def migrate_image(ctx: Ctx) -> dict[str, Any]:
    """Fetch the image like Lazada does (jpg/png, ≤ 3 MB, 5 s) and hand out a Lazada URL.

    Lazada also refuses IP-address URLs and ports other than 80/443 (image-upload guide);
    the sandbox, serving tests on loopback ports, does not."""
    request = payload(ctx.params)
    url = text(as_dict(request.get("Image")).get("Url")).strip()
    if not url:
        raise basic_required("Image.Url")
    if urlparse(url).scheme not in ("http", "https"):
        raise _image_failed(f"unsupported image url {url!r}")
    try:
        async with httpx.AsyncClient(timeout=IMAGE_TIMEOUT_SECONDS) as client:
            response = await client.get(url)
    except httpx.HTTPError as exc:
        raise _image_failed(f"download failed ({type(exc).__name__})") from None
    if response.status_code != 200:
        raise _image_failed(f"download failed (HTTP {response.status_code})")
    content = response.content
    if len(content) > IMAGE_BYTES_MAX:
        raise _image_failed(f"image larger than {IMAGE_BYTES_MAX} bytes")
    kind = _image_kind(content)
    if kind is None:
        raise _image_failed("only jpg and png images are supported")
    digest = hashlib.md5(content, usedforsecurity=False).hexdigest()
    lazada_url = f"{ctx.base_url}/_sandbox/p/{digest}.{kind}"
    with ctx.sandbox.lock:
        ctx.sandbox.images[lazada_url] = content
    return {"image": {"url": lazada_url, "hash_code": digest}}


def _image_failed(reason: str) -> LazadaError:
    """UNCONFIRMED code and text (MigrateImage's error table was not found)."""
    return LazadaError("500", f"MIGRATE_IMAGE_FAILED: {reason}")


def _image_kind(content: bytes) -> str | None:
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpg"
    return None


ROUTES: dict[str, Route] = {"/image/migrate": async_route("POST", migrate_image)}
