"""What a file is, read from its first bytes (never from the name or the type a client claims).

A small magic-number table, in the manner of `file(1)` and the `filetype` package, for the types uploads may
have; images are then opened with Pillow (`chatcluster.media.images`), which proves the whole header parses.
"""

from __future__ import annotations

HEAD_BYTES = 4096

# (offset, magic, content type): checked in order, the first match wins.
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"%PDF-", "application/pdf"),
    (0, b"PK\x03\x04", "application/zip"),
    (0, b"PK\x05\x06", "application/zip"),  # an empty archive
    (0, b"ID3", "audio/mpeg"),
    (0, b"\xff\xfb", "audio/mpeg"),
    (0, b"\xff\xf3", "audio/mpeg"),
    (0, b"OggS", "audio/ogg"),
    (0, b"\x1a\x45\xdf\xa3", "video/webm"),
    (0, b"\x1f\x8b", "application/gzip"),
    (0, b"MZ", "application/x-msdownload"),
    (0, b"\x7fELF", "application/x-executable"),
)
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# Served as themselves only where a browser cannot run them; everything else is served as a download.
INLINE_TYPES = IMAGE_TYPES | {"audio/mpeg", "audio/ogg", "video/mp4", "video/webm"}


def sniff(head: bytes) -> str:
    """The content type of a file starting with `head` (its first few KB); application/octet-stream if unknown."""
    for offset, magic, content_type in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if _is_text(head):
        return "text/plain"
    return "application/octet-stream"


def _is_text(head: bytes) -> bool:
    """UTF-8 without control characters other than whitespace (a cut multi-byte character at the end is fine)."""
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:
            return False
        text = head[: exc.start].decode("utf-8")
    return all(ch.isprintable() or ch in "\t\n\r\f" for ch in text)


def safe_filename(name: str) -> str:
    """A file name fit for Content-Disposition and the page: no path, no control characters, at most 200 chars."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>').strip(" .")
    return cleaned[:200] or "file"
