"""The public Python API is deliberate: pin it, and keep imports flowing edge -> core."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mediapub

PACKAGE = Path(mediapub.__file__).parent


def test_public_names_are_pinned_and_sorted() -> None:
    assert mediapub.__all__ == sorted(mediapub.__all__)
    assert mediapub.__all__ == [
        "AudioSettings", "ConfigError", "DryRunStorage", "EncodedAudio", "Episode", "EpisodeError", "FFmpeg",
        "FileCache", "LocalStorage", "MasterReport", "MediaError", "MediapubError", "PublishContext", "PublishError",
        "PublishResult", "Reporter", "Show", "ShowSource", "Storage", "StorageError", "UsageError", "__version__",
        "load_show", "master", "publish",
    ]  # fmt: skip
    for name in mediapub.__all__:
        assert hasattr(mediapub, name)


#: Who may import whom. Stages run in sequence and meet only in the pipeline, so a stage
#: never imports another stage; the core imports only errors; only the edge sees the pipeline.
CORE = {"model", "errors", "_version", "categories", "cache", "display"}
SUPPORT = {
    "ffmpeg",
    "images",
    "progress",
    "storage",
    "loudness",
    "fetch",
    "extract",
    "summarize",
    "charset",
    "page_facts",
    "article_cleanup",
    "video_facts",
    "video_download",
    "captions",
    "html_safety",
}
STAGES = {"mastering", "tagging", "notes", "feed", "config", "manifest", "plot", "chapters", "articles", "validate",
          "recording_download", "site"}  # fmt: skip
STAGE_HELPERS = {"ffmpeg", "images", "loudness", "assembly", "fetch", "extract", "summarize", "video_download",
                 "progress", "html_safety", "captions"}  # fmt: skip
ALLOWED = {
    **{name: set() for name in CORE},
    **dict.fromkeys(SUPPORT, CORE | {"storage", "summarize", "charset", "page_facts", "article_cleanup"}),
    "assembly": CORE | {"ffmpeg", "loudness"},  # the mastering stage's helper for intros and outros
    **dict.fromkeys(STAGES, CORE | STAGE_HELPERS),
    "prune": CORE | {"storage"},  # reads stored feed documents, deletes what they no longer name
    "serve": CORE | {"storage"},  # the preview server serves files with the types storage gives them
    "pipeline": CORE | SUPPORT | STAGES,
    "ingest": CORE | SUPPORT | {"config"},  # the other command that writes the show: it reads show.toml
    "cli": CORE | SUPPORT | STAGES | {"pipeline", "prune", "ingest", "serve"},
}


def _imports(source: str, package: tuple[str, ...]) -> set[str]:
    """The top-level mediapub modules that ``source``, living in ``package``, imports, however spelled."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = list(package[: len(package) - node.level + 1]) if node.level else []
            module += node.module.split(".") if node.module else []
            targets = [module, *([*module, alias.name] for alias in node.names)]  # each name may be a module
        else:
            continue
        names |= {parts[1] for parts in targets if len(parts) > 1 and parts[0] == "mediapub"}
    return names


@pytest.mark.parametrize(
    ("line", "package"),
    [
        ("from . import audio", ("mediapub",)),
        ("from .audio import encode_mp3", ("mediapub",)),
        ("from ..audio import encode_mp3", ("mediapub", "storage")),
        ("import mediapub.audio", ("mediapub",)),
        ("import mediapub.audio as a", ("mediapub", "storage")),
        ("from mediapub import audio", ("mediapub",)),
        ("from mediapub.audio import encode_mp3", ("mediapub",)),
    ],
)
def test_the_import_check_sees_every_spelling(line, package) -> None:
    assert _imports(line, package) == {"audio"}


def test_modules_import_only_what_their_layer_allows() -> None:
    checked = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = parts[1] if len(parts) > 2 else parts[-1]
        if name in {"__init__", "__main__"}:
            continue
        imported = _imports(path.read_text(), parts[:-1]) - {name}
        assert name in ALLOWED, f"{path.name}: add it to a layer in this test"
        assert imported <= ALLOWED[name], f"{path.relative_to(PACKAGE)} imports {sorted(imported - ALLOWED[name])}"
        checked.add(name)
    assert checked >= CORE | SUPPORT | STAGES | {"pipeline", "cli", "assembly"}
