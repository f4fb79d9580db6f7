"""The storage interface every backend implements, and the rules every key obeys.

A key is the object's path relative to the public base URL; the local folder
backend lays files out exactly as a bucket would hold them, so a feed tested
against the folder is the feed a CDN will serve.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..cache import sha256_of as sha256_of  # re-exported: storage callers hash what they store
from ..errors import StorageError
from ..model import JSON_CHAPTERS_TYPE, StoredObject

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

_CONTENT_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/x-m4a",  # what Apple Podcasts lists for M4A enclosures
    ".mp4": "video/mp4",
    ".m4v": "video/x-m4v",
    ".mov": "video/quicktime",
    ".txt": "text/plain; charset=utf-8",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".xml": "application/rss+xml",
    ".json": "application/json",
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}

#: Media never changes under its key (keys carry a content hash), so caches may keep it forever.
IMMUTABLE = "public, max-age=31536000, immutable"
#: The feed, manifest and pages change on every publish; apps and CDNs must come back soon.
SHORT_LIVED = "public, max-age=300"


def check_key(key: str) -> str:
    """Reject keys that could escape the storage root or confuse a bucket: ``..``, absolute, empty parts."""
    segments = key.split("/")
    if not key or any(not _SEGMENT.match(segment) or ".." in segment for segment in segments):
        raise StorageError(f"unsafe object key: {key!r}")
    return key


def content_type_for(key: str) -> str:
    """The Content-Type a key's extension calls for; unknown types are served as bytes."""
    name = Path(key).name
    if name.startswith("chapters-") and name.endswith(".json"):
        return JSON_CHAPTERS_TYPE  # Podcasting 2.0 JSON chapters have their own type
    return _CONTENT_TYPES.get(Path(key).suffix.lower(), "application/octet-stream")


def stored_object(url: str, key: str, source: bytes | Path, digest: str, *, written: bool) -> StoredObject:
    """What every backend answers for a put: the same description, whatever the place."""
    size = source.stat().st_size if isinstance(source, Path) else len(source)
    return StoredObject(key=key, url=url, size=size, content_type=content_type_for(key), sha256=digest, written=written)


@runtime_checkable
class Storage(Protocol):
    """What the pipeline needs from a place to publish to."""

    def put(self, key: str, source: bytes | Path, *, cache_control: str) -> StoredObject:
        """Store ``source`` under ``key`` (skipping the write when the same bytes are there)."""
        ...

    def get(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is no such object."""
        ...

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""
        ...

    def public_url(self, key: str) -> str:
        """The URL listeners' apps use to fetch ``key``."""
        ...

    def list(self, prefix: str) -> list[str]:
        """The keys of every object whose key starts with ``prefix`` (a folder, ending in "/"), sorted."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object under ``key`` (only ``mediapub prune`` does this)."""
        ...

    def modified(self, key: str) -> float | None:
        """When the object was last written (seconds since the epoch), or None if there is none."""
        ...
