"""Tiny valid images: demo catalogs point at them, upload_image checks what it is given."""

from __future__ import annotations

import hashlib
import struct
import zlib
from functools import lru_cache

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
MAX_IMAGE_BYTES = 10 * 1024 * 1024  # "Max 10.0 MB each" (v2.media_space.upload_image)


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


def image_kind(data: bytes) -> str | None:
    """ "png" or "jpeg" when `data` starts like one, else None (Shopee takes JPG, JPEG, PNG)."""
    if data.startswith(PNG_MAGIC):
        return "png"
    if data.startswith(JPEG_MAGIC):
        return "jpeg"
    return None
