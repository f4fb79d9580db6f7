"""A storage wrapper for ``--dry-run``: reads pass through, writes are only reported."""

from __future__ import annotations

from pathlib import Path

from ..model import StoredObject
from .base import Storage, check_key, sha256_of, stored_object


class DryRunStorage:
    """Answers as ``inner`` would, but never writes; ``written`` says whether a real run would."""

    def __init__(self, inner: Storage) -> None:
        self.inner = inner
        #: What this run would have written (small objects only), so it reads back its own writes.
        self.pending: dict[str, bytes] = {}

    def modified(self, key: str) -> float | None:
        return self.inner.modified(key)

    def delete(self, key: str) -> None:
        check_key(key)  # a dry run deletes nothing

    def list(self, prefix: str) -> list[str]:
        return sorted(set(self.inner.list(prefix)) | {key for key in self.pending if key.startswith(prefix)})

    def public_url(self, key: str) -> str:
        return self.inner.public_url(key)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def get(self, key: str) -> bytes | None:
        return self.pending[key] if key in self.pending else self.inner.get(key)

    def put(self, key: str, source: bytes | Path, *, cache_control: str) -> StoredObject:
        check_key(key)
        if isinstance(source, Path):
            # Media keys carry a content hash, so an existing key already holds these bytes.
            would_write = not self.inner.exists(key)
        else:
            would_write = self.inner.get(key) != source
            self.pending[key] = source
        return stored_object(self.public_url(key), key, source, sha256_of(source), written=would_write)
