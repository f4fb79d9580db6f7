"""The local folder backend: bucket-shaped layout, safe keys, atomic and idempotent writes."""

from __future__ import annotations

import os

import pytest

from mediapub.errors import StorageError
from mediapub.storage import DryRunStorage, LocalStorage, Storage, check_key, content_type_for


@pytest.mark.parametrize(
    "key", ["", "/abs", "../up", "a/../b", "a//b", "a/./b", "a/..", "a\\b", ".hidden", "a/.partial", "é/x", "a b"]
)
def test_unsafe_keys_are_refused(key, tmp_path) -> None:
    storage = LocalStorage(tmp_path / "out", "https://cdn.example/")
    with pytest.raises(StorageError, match="unsafe object key"):
        storage.put(key, b"x", cache_control="no-cache")
    assert list(tmp_path.iterdir()) == []  # neither the root nor anything beside it (``../up``) was written


def test_keys_map_to_files_and_urls(tmp_path) -> None:
    storage = LocalStorage(tmp_path, "https://cdn.example/show")
    stored = storage.put("episodes/1/a-0123.mp3", b"abc", cache_control="x")
    assert isinstance(storage, Storage)
    assert (tmp_path / "episodes" / "1" / "a-0123.mp3").read_bytes() == b"abc"
    assert stored.url == "https://cdn.example/show/episodes/1/a-0123.mp3"
    assert (stored.size, stored.content_type, stored.written) == (3, "audio/mpeg", True)
    assert storage.exists("episodes/1/a-0123.mp3") and not storage.exists("episodes/1/other.mp3")
    assert storage.get("episodes/1/a-0123.mp3") == b"abc" and storage.get("nothing.xml") is None


def test_same_bytes_are_not_rewritten_and_new_bytes_replace_atomically(tmp_path) -> None:
    storage = LocalStorage(tmp_path, "https://cdn.example/")
    source = tmp_path / "src.bin"
    source.write_bytes(b"1" * 3_000_000)
    storage.put("feed.xml", source, cache_control="x")
    mtime = (tmp_path / "feed.xml").stat().st_mtime_ns
    assert storage.put("feed.xml", source, cache_control="x").written is False
    assert (tmp_path / "feed.xml").stat().st_mtime_ns == mtime
    inode = (tmp_path / "feed.xml").stat().st_ino
    assert storage.put("feed.xml", b"new", cache_control="x").written is True
    assert (tmp_path / "feed.xml").read_bytes() == b"new"
    assert (tmp_path / "feed.xml").stat().st_ino != inode  # renamed into place, not written over
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_failed_write_leaves_the_old_object(tmp_path, monkeypatch) -> None:
    storage = LocalStorage(tmp_path, "https://cdn.example/")
    storage.put("feed.xml", b"old", cache_control="x")

    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(StorageError, match=r"cannot write .*feed\.xml: No space left on device"):
        storage.put("feed.xml", b"new", cache_control="x")
    assert (tmp_path / "feed.xml").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed.xml"]  # no partial file left behind


def test_dry_run_reports_without_writing(tmp_path) -> None:
    inner = LocalStorage(tmp_path, "https://cdn.example/")
    inner.put("feed.xml", b"same", cache_control="x")
    dry = DryRunStorage(inner)
    assert dry.put("feed.xml", b"same", cache_control="x").written is False
    assert dry.put("feed.xml", b"changed", cache_control="x").written is True
    assert dry.put("new/file.mp3", b"x", cache_control="x").written is True
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["feed.xml"]
    assert (tmp_path / "feed.xml").read_bytes() == b"same"


def test_content_types() -> None:
    assert content_type_for("a/b.MP3") == "audio/mpeg"
    assert content_type_for("feed.xml") == "application/rss+xml"
    assert content_type_for("x.unknown") == "application/octet-stream"
    assert check_key("episodes/151/x-1.mp3") == "episodes/151/x-1.mp3"
