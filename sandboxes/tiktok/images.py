"""What Upload Product Image checks of an image: its format, size and dimensions.

As its reference says (docs/MARKETPLACES.md#tiktok-shop names the source): "Supported
formats: JPG, JPEG, PNG, WEBP, HEIC, BMP", "Max size: 10MB", and for use_case=MAIN_IMAGE
"between 300x300 px and 4000x4000 px".
"""

from __future__ import annotations

import struct

from lapak.sandboxes.kit.images import JPEG_MAGIC, PNG_MAGIC
from lapak.sandboxes.kit.images import image_kind as png_or_jpeg

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAIN_MIN_SIDE, MAIN_MAX_SIDE = 300, 4000


def image_kind(data: bytes) -> str | None:
    """The format of `data` by its magic bytes, or None when it is none TikTok takes."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"BM":
        return "bmp"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypmsf1"):
        return "heic"
    return png_or_jpeg(data)


def dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG or baseline/progressive JPEG; None for other formats."""
    if data.startswith(PNG_MAGIC) and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data.startswith(JPEG_MAGIC):
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                return None
            marker = data[index + 1]
            length = struct.unpack(">H", data[index + 2 : index + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return width, height
            index += 2 + length
    return None
