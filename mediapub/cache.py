"""A content-addressed cache of finished work, so republishing an unchanged show does no audio work.

An entry is a file plus a JSON description, stored under a key that hashes
everything that decided the file's bytes (the input's content, the settings,
the ffmpeg build, the algorithm's version). Entries are written under a
temporary name and renamed into place, so a crash never leaves a half entry
that a later run would trust. The folder is safe to delete at any time.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

ENV_VAR = "MEDIAPUB_CACHE_DIR"


def default_cache_dir() -> Path:
    """``$MEDIAPUB_CACHE_DIR``, else ``$XDG_CACHE_HOME/mediapub``, else ``~/.cache/mediapub``."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "mediapub"


def sha256_of(data: bytes | Path) -> str:
    """Hex SHA-256 of bytes or of a file, read in chunks so large media stays out of memory."""
    digest = hashlib.sha256()
    if isinstance(data, Path):
        with data.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    else:
        digest.update(data)
    return digest.hexdigest()


def cache_key(*parts: object) -> str:
    """A stable key for ``parts`` (JSON-serializable values)."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class FileCache:
    """Files and their descriptions, by key, in one folder (``<kind>/<key[:2]>/<key>``)."""

    def __init__(self, folder: Path, *, read_only: bool = False) -> None:
        self.folder = Path(folder)
        #: A dry run may use what is cached but must not add to it.
        self.read_only = read_only

    def _paths(self, kind: str, key: str, suffix: str) -> tuple[Path, Path]:
        base = self.folder / kind / key[:2] / key
        return base.with_suffix(suffix), base.with_suffix(".json")

    def get(self, kind: str, key: str, suffix: str) -> tuple[Path, dict[str, Any]] | None:
        """The cached file and its description, or None (a damaged entry counts as missing)."""
        data, meta = self._paths(kind, key, suffix)
        try:
            description = json.loads(meta.read_text())
        except (OSError, ValueError):
            return None
        if not data.is_file() or data.stat().st_size != description.get("size"):
            return None
        return data, description

    def put(self, kind: str, key: str, source: Path, description: dict[str, Any]) -> None:
        """Keep a copy of ``source``; the description is written last, so it vouches for the file."""
        if self.read_only:
            return
        data, meta = self._paths(kind, key, source.suffix)
        data.parent.mkdir(parents=True, exist_ok=True)
        for target, write in (
            (data, lambda path: shutil.copyfile(source, path)),
            (meta, lambda path: path.write_text(json.dumps({**description, "size": source.stat().st_size}))),
        ):
            handle, partial = tempfile.mkstemp(dir=data.parent, prefix=".", suffix=".partial")
            os.close(handle)
            try:
                write(Path(partial))
                os.replace(partial, target)
            finally:
                Path(partial).unlink(missing_ok=True)

    def get_json(self, kind: str, key: str) -> dict[str, Any] | None:
        """A small cached description with no file beside it, or None."""
        try:
            data = json.loads((self.folder / kind / key[:2] / f"{key}.json").read_text())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def put_json(self, kind: str, key: str, data: dict[str, Any]) -> None:
        if self.read_only:
            return
        target = self.folder / kind / key[:2] / f"{key}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".partial")
        os.close(handle)
        try:
            Path(partial).write_text(json.dumps(data))
            os.replace(partial, target)
        finally:
            Path(partial).unlink(missing_ok=True)
