"""The embedded default backend: a local folder laid out exactly like a bucket."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import StorageError
from ..model import StoredObject
from .base import check_key, sha256_of, stored_object


class LocalStorage:
    """Publishes into ``root``; ``base_url`` is where that folder will be served from.

    Every write goes to a temporary file in the destination folder and is then
    renamed into place, so a crash never leaves a half-written file under a
    real name, and readers see either the old object or the new one.
    """

    def __init__(self, root: Path, base_url: str) -> None:
        self.root = Path(root)
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"

    def path_of(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def public_url(self, key: str) -> str:
        return self.base_url + check_key(key)

    def list(self, prefix: str) -> list[str]:
        folder = self.root.joinpath(*check_key(prefix.rstrip("/")).split("/"))
        if not folder.is_dir():
            return []
        return sorted(
            path.relative_to(self.root).as_posix()
            for path in folder.rglob("*")
            if path.is_file() and not path.name.startswith(".")
        )

    def modified(self, key: str) -> float | None:
        try:
            return self.path_of(key).stat().st_mtime
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        try:
            self.path_of(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot delete {key}: {exc.strerror}", subject=self.root) from None

    def exists(self, key: str) -> bool:
        return self.path_of(key).is_file()

    def get(self, key: str) -> bytes | None:
        try:
            return self.path_of(key).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StorageError(f"cannot read {key}: {exc.strerror}", subject=self.root) from None

    def put(self, key: str, source: bytes | Path, *, cache_control: str) -> StoredObject:
        target = self.path_of(key)
        digest = sha256_of(source)
        size = source.stat().st_size if isinstance(source, Path) else len(source)
        unchanged = target.is_file() and target.stat().st_size == size and sha256_of(target) == digest
        if not unchanged:
            self._write(target, source)
        return stored_object(self.public_url(key), key, source, digest, written=not unchanged)

    def _write(self, target: Path, source: bytes | Path) -> None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
            try:
                with os.fdopen(handle, "wb") as out:
                    if isinstance(source, Path):
                        with source.open("rb") as src:
                            while chunk := src.read(1 << 20):
                                out.write(chunk)
                    else:
                        out.write(source)
                os.chmod(partial, 0o644)
                os.replace(partial, target)
            finally:
                if os.path.exists(partial):
                    os.unlink(partial)
        except OSError as exc:
            raise StorageError(f"cannot write {target}: {exc.strerror or exc}") from None
