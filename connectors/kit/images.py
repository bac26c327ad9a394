"""Catalog images as a marketplace names them.

A product on Lazada, Shopee or TikTok Shop names its images by what the marketplace hosts
(Lazada's migrated URL, Shopee's image id, TikTok's URI), never by the catalog's URL. Each
catalog image is hosted once per connector (`HostedImages`); Shopee and TikTok take the
image's bytes, so Lapak downloads it first (`uploaded`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from urllib.parse import urlparse

import httpx
from lapak.connectors.http import Retrier, send
from lapak.connectors.kit.client import Wiring
from lapak.sync.protocol import PermanentError, TransientError

Upload = Callable[[str, bytes, str], str]
"""(file name, bytes, content type) -> the marketplace's name for the uploaded image."""


class HostedImages:
    """The marketplace's name for each catalog image URL, `host(url)` called once per URL."""

    def __init__(self, host: Callable[[str], str]) -> None:
        self._host = host
        self._names: dict[str, str] = {}

    def __call__(self, url: str) -> str:
        if url not in self._names:
            self._names[url] = self._host(url)
        return self._names[url]


def uploaded(wiring: Wiring, upload: Upload, *, max_bytes: int, limit: str) -> Callable[[str], str]:
    """`host` for a marketplace that takes an image's bytes: the image at the URL downloaded
    (`download_image`), then `upload`ed under its URL's file name ("image.jpg" when the
    path has none)."""

    def host(url: str) -> str:
        content, content_type = download_image(
            wiring.http, wiring.retrier, url, max_bytes=max_bytes, limit=limit
        )
        return upload(posixpath.basename(urlparse(url).path) or "image.jpg", content, content_type)

    return host


def download_image(
    http: httpx.Client, retrier: Retrier, url: str, *, max_bytes: int, limit: str
) -> tuple[bytes, str]:
    """The bytes and content type at `url` (a catalog image; not paced: not the marketplace),
    retried. `limit` names the size cap in the refusal ("Shopee's 10 MB image limit")."""
    return retrier.call(_download_once, http, url, max_bytes, limit)


def _download_once(http: httpx.Client, url: str, max_bytes: int, limit: str) -> tuple[bytes, str]:
    response = send(http, http.build_request("GET", url))
    where = f"image {url}"
    if response.status_code >= 500 or response.status_code == 429:
        raise TransientError(f"{where}: HTTP {response.status_code}")
    if response.status_code != 200:
        raise PermanentError(f"{where}: HTTP {response.status_code}")
    if len(response.content) > max_bytes:
        raise PermanentError(f"{where}: larger than {limit}")
    content_type = response.headers.get("Content-Type", "image/jpeg").split(";")[0]
    return response.content, content_type
