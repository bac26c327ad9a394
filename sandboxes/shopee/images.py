"""Tiny valid images: demo catalogs point at them, upload_image checks what it is given."""

from __future__ import annotations

from lapak.sandboxes.kit.images import PNG_MAGIC, placeholder_png

__all__ = ["JPEG_MAGIC", "MAX_IMAGE_BYTES", "PNG_MAGIC", "image_kind", "placeholder_png"]

JPEG_MAGIC = b"\xff\xd8\xff"
MAX_IMAGE_BYTES = 10 * 1024 * 1024  # "Max 10.0 MB each" (v2.media_space.upload_image)


def image_kind(data: bytes) -> str | None:
    """ "png" or "jpeg" when `data` starts like one, else None (Shopee takes JPG, JPEG, PNG)."""
    if data.startswith(PNG_MAGIC):
        return "png"
    if data.startswith(JPEG_MAGIC):
        return "jpeg"
    return None
