"""Images through Pillow: size and EXIF location at upload, thumbnails and location-free copies in the worker."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

GPS_IFD = 0x8825
MAX_PIXELS = 64_000_000  # a decompression bomb larger than this is refused, not decoded

Image.MAX_IMAGE_PIXELS = MAX_PIXELS

_PIL_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}


class NotAnImage(ValueError):
    """The bytes do not open as the image their first bytes promise."""


@dataclass(frozen=True)
class ImageInfo:
    content_type: str
    width: int
    height: int
    has_location: bool


def image_info(path: Path) -> ImageInfo:
    """Read the header only (Pillow decodes lazily), then verify the file's structure."""
    try:
        with Image.open(path) as image:
            content_type = _PIL_TYPES.get(image.format or "")
            if content_type is None:
                raise NotAnImage(f"a {image.format} image is not accepted")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise NotAnImage(f"{width}x{height} pixels is more than the {MAX_PIXELS:,} an image may have")
            has_location = bool(image.getexif().get_ifd(GPS_IFD))
        with Image.open(path) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise NotAnImage(str(exc)) from exc
    return ImageInfo(content_type, width, height, has_location)


def thumbnail(source: Path, longest_side: int) -> bytes:
    """A JPEG (a PNG for images with transparency) no larger than `longest_side` either way, turned upright."""
    with Image.open(source) as image:
        image.seek(0)
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((longest_side, longest_side))
        out = io.BytesIO()
        if upright.mode in ("RGBA", "LA", "P"):
            upright.convert("RGBA").save(out, "PNG", optimize=True)
        else:
            upright.convert("RGB").save(out, "JPEG", quality=85)
        return out.getvalue()


def without_location(source: Path) -> bytes:
    """The image re-saved with its EXIF GPS block removed (everything else of the EXIF kept)."""
    with Image.open(source) as image:
        exif = image.getexif()
        exif.pop(GPS_IFD, None)
        out = io.BytesIO()
        fmt = image.format or "JPEG"
        if fmt == "JPEG":
            image.save(out, "JPEG", quality=95, exif=exif, icc_profile=image.info.get("icc_profile"))
        else:
            image.save(out, fmt, exif=exif)
        return out.getvalue()
