"""Product images as WooCommerce takes them: downloaded from the `src` a body names
(`wc_rest_upload_image_from_url`), then stored as media attachments of the site.

The app downloads every image a products or variations body names before the handler runs
(outside the sandbox lock); the handler attaches them (`upload`) or refuses the product
(`woocommerce_product_image_upload_error` when the download failed or the file name has no
image extension).
"""

from __future__ import annotations

import asyncio
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

import httpx
from lapak.sandboxes.woocommerce.state import SITE_TZ, Attachment, Shop
from lapak.sandboxes.woocommerce.wire import WooError

IMAGE_EXTENSIONS = frozenset(
    {"jpg", "jpeg", "jpe", "gif", "png", "bmp", "tiff", "tif", "ico", "webp"}
)
"""`wc_rest_allowed_image_mime_types`."""
IMAGE_MAGIC = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
    b"RIFF",
    b"\x00\x00\x01\x00",
)
IMAGE_TIMEOUT_SECONDS = 10.0
"""`wc_rest_upload_image_from_url` downloads with `download_url` (its own timeout)."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """One image download: its bytes, or why it failed (as WordPress's HTTP API says)."""

    content: bytes | None
    error: str | None = None


Images = Mapping[str, Fetched]


async def download(urls: Sequence[str]) -> dict[str, Fetched]:
    """Each URL's download, all at once (outside the sandbox lock)."""
    if not urls:
        return {}
    async with httpx.AsyncClient(timeout=IMAGE_TIMEOUT_SECONDS, follow_redirects=True) as client:

        async def one(url: str) -> tuple[str, Fetched]:
            try:
                response = await client.get(url)
            except httpx.HTTPError as exc:
                return url, Fetched(None, f"cURL error: {type(exc).__name__}")
            if response.status_code != 200:
                return url, Fetched(None, response.reason_phrase or str(response.status_code))
            return url, Fetched(response.content)

        return dict(await asyncio.gather(*(one(url) for url in urls)))


def upload(shop: Shop, images: Images, src: str, now: float, code: str) -> int:
    """`wc_rest_upload_image_from_url` + `wc_rest_set_uploaded_image_as_attachment`.

    Unlike WordPress (`wp_safe_remote_get` refuses loopback and private addresses), the
    sandbox downloads from loopback: the tests' image host lives there.
    """
    fetched = images.get(src) or Fetched(None, "the image was not downloaded")
    if fetched.error is not None or fetched.content is None:
        message = f"Error getting remote image {src}. Error: {fetched.error}"
        raise WooError(code, message, 400)
    name = posixpath.basename(urlparse(src).path)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in IMAGE_EXTENSIONS or not fetched.content.startswith(IMAGE_MAGIC):
        message = "Invalid image: Sorry, you are not allowed to upload this file type."
        raise WooError(code, message, 400)
    taken = {a.name for a in shop.attachments.values()}
    stem, unique, n = name.rsplit(".", 1)[0], name, 0
    while unique in taken:
        n += 1
        unique = f"{stem}-{n}.{extension}"
    month = datetime.fromtimestamp(now, SITE_TZ).strftime("%Y/%m")
    attachment = Attachment(
        id=shop.new_id(),
        src=f"{shop.site_url}/wp-content/uploads/{month}/{unique}",
        name=unique,
        created=now,
    )
    shop.attachments[attachment.id] = attachment
    return attachment.id


def image_sources(body: Any) -> list[str]:
    """Every image URL a products/variations request body asks WooCommerce to download."""
    found: list[str] = []
    if not isinstance(body, dict):
        return found
    objects = [body]
    for key in ("create", "update"):
        if isinstance(body.get(key), list):
            objects.extend(entry for entry in body[key] if isinstance(entry, dict))
    for item in objects:
        for image in item.get("images") or []:
            if isinstance(image, dict) and isinstance(image.get("src"), str):
                found.append(image["src"])
        image = item.get("image")
        if isinstance(image, dict) and isinstance(image.get("src"), str):
            found.append(image["src"])
    return list(dict.fromkeys(found))
