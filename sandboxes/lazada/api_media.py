"""MigrateImage of the sandbox: an external image URL becomes a Lazada image URL (image-upload
guide). Like Lazada it fetches the image (jpg or png, ≤ 3 MB, 5 s); unlike Lazada it
accepts IP-address URLs and any port (tests serve images on loopback); its refusal is the
sandbox's (docs/MARKETPLACES.md#lazada-unconfirmed).
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlparse

import httpx
from lapak.sandboxes.kit.images import image_kind
from lapak.sandboxes.lazada.api_products import basic_required
from lapak.sandboxes.lazada.context import Ctx, Route, route
from lapak.sandboxes.lazada.wire import LazadaError, as_dict, payload, text

IMAGE_BYTES_MAX = 3_145_728
IMAGE_TIMEOUT_SECONDS = 5.0


async def migrate_image(ctx: Ctx) -> dict[str, Any]:
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
    kind = image_kind(content)
    if kind is None:
        raise _image_failed("only jpg and png images are supported")
    digest = hashlib.md5(content, usedforsecurity=False).hexdigest()
    lazada_url = f"{ctx.base_url}/_sandbox/p/{digest}.{'jpg' if kind == 'jpeg' else kind}"
    with ctx.sandbox.lock:
        ctx.sandbox.images[lazada_url] = content
    return {"image": {"url": lazada_url, "hash_code": digest}}


def _image_failed(reason: str) -> LazadaError:
    return LazadaError("500", f"MIGRATE_IMAGE_FAILED: {reason}")


ROUTES: dict[str, Route] = {"/image/migrate": route("POST", migrate_image)}
