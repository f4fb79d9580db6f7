"""The public Python API is deliberate: pin it, and keep imports flowing edge -> core."""

from __future__ import annotations

import ast
from pathlib import Path

import mediapub

PACKAGE = Path(mediapub.__file__).parent


def test_public_names_are_pinned_and_sorted() -> None:
    assert mediapub.__all__ == sorted(mediapub.__all__)
    assert mediapub.__all__ == [
        "ConfigError", "DryRunStorage", "Episode", "EpisodeError", "FFmpeg", "LocalStorage", "MediaError",
        "MediapubError", "PublishContext", "PublishError", "PublishResult", "Reporter", "Show", "ShowSource",
        "Storage", "StorageError", "UsageError", "__version__", "load_show", "publish",
    ]  # fmt: skip
    for name in mediapub.__all__:
        assert hasattr(mediapub, name)


def _imports(module: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            names.add((node.module or "").split(".")[0] or "<package>")
    return names


def test_core_modules_import_nothing_from_the_edge() -> None:
    assert _imports(PACKAGE / "model.py") == set()
    assert _imports(PACKAGE / "errors.py") == set()
    for stage in ("audio", "tagging", "notes", "feed", "config", "ffmpeg", "manifest"):
        assert not _imports(PACKAGE / f"{stage}.py") & {"cli", "pipeline"}, stage
    for backend in (PACKAGE / "storage").glob("*.py"):
        assert not _imports(backend) & {"cli", "pipeline", "feed", "audio", "notes", "tagging"}, backend
