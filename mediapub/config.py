"""Load ``show.toml`` and every ``<slug>/episode.toml`` into validated models.

Everything is read and checked before anything is written, so a typo in one
episode never leaves a half-published show behind. Every problem becomes a
``ConfigError`` naming the file and the field, phrased for the producer who
has to fix it.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .categories import category_problem
from .errors import ConfigError
from .images import artwork_problem, image_problem
from .model import AudioSettings, Episode, Show, ShowSource

M = TypeVar("M", bound=BaseModel)

SHOW_FILE = "show.toml"
EPISODE_FILE = "episode.toml"


def display_path(path: Path) -> str:
    """Paths in messages are relative to the working directory when that is shorter."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def load_show(root: Path) -> ShowSource:
    """Read the show in ``root`` and all its episodes, or raise the first ``ConfigError``."""
    root = Path(root)
    show = load_show_file(root)
    loaded: list[tuple[Episode, Path]] = []
    for folder in episode_folders(root):
        episode_file = folder / EPISODE_FILE
        loaded.append((load_episode(episode_file, slug=folder.name), episode_file))
    _check_unique(loaded)
    loaded.sort(key=lambda item: (item[0].date, item[0].season or 0, item[0].number))
    return ShowSource(
        root=root,
        show=show,
        episodes=tuple(episode for episode, _ in loaded),
        episode_files=MappingProxyType({episode.slug: path for episode, path in loaded}),
    )


def load_show_file(root: Path) -> Show:
    """Just ``show.toml``, checked: for commands that work on one episode and must not fail on another."""
    show_file = Path(root) / SHOW_FILE
    if not Path(root).is_dir():
        raise ConfigError(f"no such show folder (expected {SHOW_FILE} inside it)", file=display_path(root))
    show = _validate(Show, _read_toml(show_file), show_file)
    _check_show(show, show_file)
    return show


def episode_folders(root: Path) -> list[Path]:
    """The show's episode folders, in name order; hidden ("."), private ("_") and file-less folders are not episodes."""
    return sorted(
        folder
        for folder in Path(root).iterdir()
        if folder.is_dir() and not folder.name.startswith((".", "_")) and (folder / EPISODE_FILE).is_file()
    )


def load_episode(episode_file: Path, *, slug: str) -> Episode:
    """One ``episode.toml``, checked on its own; ``slug`` is the folder name unless the file gives one."""
    data = _read_toml(episode_file)
    data.setdefault("slug", slug)
    episode = _validate(Episode, data, episode_file)
    _check_recording(episode, episode_file)
    _check_episode(episode, episode_file)
    return episode


def check_episode_fields(data: dict[str, Any], episode_file: Path) -> Episode:
    """The episode ``data`` describes, checked field by field without looking for its files."""
    return _validate(Episode, data, episode_file)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError("file not found", file=display_path(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(exc, path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", file=display_path(path)) from None


def _toml_error(exc: tomllib.TOMLDecodeError, path: Path) -> ConfigError:
    """TOML's own message for an impossible date is cryptic; name the field and the value instead."""
    where = re.search(r"\(at line (\d+), column \d+\)", str(exc))
    if where:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        number = int(where.group(1))
        line = lines[number - 1] if 0 < number <= len(lines) else ""
        date = re.match(r"^\s*([A-Za-z0-9_-]+)\s*=\s*(\d{4}-\d\d-\d\d(?:[T ][^#]*)?)", line)
        if date and not _is_toml(line):
            value = date.group(2).strip()
            return ConfigError(f'not a date: "{value}"', file=display_path(path), field=date.group(1))
    return ConfigError(f"invalid TOML: {exc}", file=display_path(path))


def _is_toml(line: str) -> bool:
    try:
        tomllib.loads(line)
    except tomllib.TOMLDecodeError:
        return False
    return True


def _validate(model: type[M], data: dict[str, Any], path: Path) -> M:
    try:
        return model.model_validate(data, context={"base": path.parent})
    except ValidationError as exc:
        raise _config_error(exc, path) from None


def _config_error(exc: ValidationError, path: Path) -> ConfigError:
    """Turn pydantic's report into one line about the first problem."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    field = _field_name(first["loc"])
    message = _message(first)
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return ConfigError(message, file=display_path(path), field=field or None)


def _field_name(loc: tuple[int | str, ...]) -> str:
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        elif "[" in part or ("-" in part and part.startswith("function")):
            continue  # pydantic's labels for union members and validators, not user fields
        else:
            name += f".{part}" if name else part
    return name


def _message(error: ErrorDetails) -> str:
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind.startswith("url"):
        return f"not an http(s) URL: {_quote(value)}"
    text = error["msg"]
    text = text[0].lower() + text[1:]
    if isinstance(value, (str, int, float, bool)):
        text += f": {_quote(value)}"
    return text


def _quote(value: object) -> str:
    """Show a value the way it is written in TOML, so the producer can find it in the file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _check_show(show: Show, show_file: Path) -> None:
    """Rules that need more than the file's own text: Apple's category list and the artwork image."""
    for index, category in enumerate(show.categories):
        problem = category_problem(category.name, category.subcategory)
        if problem:
            raise ConfigError(problem, file=display_path(show_file), field=f"categories[{index}]")
    _check_image(show.artwork, show_file, "artwork", artwork_problem)
    _check_clips(show.audio, show_file)


def _check_episode(episode: Episode, episode_file: Path) -> None:
    """An episode's own artwork follows the show's rules; chapter images need only be JPEG or PNG."""
    if episode.artwork is not None:
        _check_image(episode.artwork, episode_file, "artwork", artwork_problem)
    for index, chapter in enumerate(episode.chapters):
        if chapter.image is not None:
            _check_image(chapter.image, episode_file, f"chapters[{index}].image", image_problem)
    _check_clips(episode.audio, episode_file)
    if episode.poster is not None:
        _check_image(episode.poster, episode_file, "poster", image_problem)
    named = [(f"transcript[{index}]", path, TRANSCRIPT_SUFFIXES) for index, path in enumerate(episode.transcript)]
    if len(named) == 1:
        named = [("transcript", episode.transcript[0], TRANSCRIPT_SUFFIXES)]
    if episode.video is not None:
        named.append(("video", episode.video, VIDEO_SUFFIXES))
    for name, path, suffixes in named:
        problem = _file_problem(path)
        if problem is None and path.suffix.lower() not in suffixes:
            problem = f"{display_path(path)}: use one of {', '.join(sorted(suffixes))}"
        if problem:
            raise ConfigError(problem, file=display_path(episode_file), field=name)


#: What podcast apps read as transcripts, and the video containers they play.
TRANSCRIPT_SUFFIXES = frozenset({".vtt", ".srt", ".txt", ".html", ".json"})
VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov"})


def _check_image(path: Path, file: Path, field: str, rules: Callable[[Path], str | None]) -> None:
    problem = _file_problem(path)
    if problem is None:
        broken = rules(path)
        problem = f"{display_path(path)}: {broken}" if broken else None
    if problem:
        raise ConfigError(problem, file=display_path(file), field=field)


def _check_clips(audio: AudioSettings | None, file: Path) -> None:
    """Intro and outro files must exist before any episode is mastered."""
    for role in ("intro", "outro"):
        path = getattr(audio, role) if audio is not None else None
        problem = _file_problem(path) if path is not None else None
        if problem:
            raise ConfigError(problem, file=display_path(file), field=f"audio.{role}")


def _check_recording(episode: Episode, episode_file: Path) -> None:
    if not isinstance(episode.recording, Path):
        return  # a video page or media URL: downloaded (once) when the episode is published
    problem = _file_problem(episode.recording)
    if problem:
        raise ConfigError(problem, file=display_path(episode_file), field="recording")


def _file_problem(path: Path) -> str | None:
    if not path.exists():
        return f"file not found: {display_path(path)}"
    if not path.is_file():
        return f"not a regular file: {display_path(path)}"
    if not os.access(path, os.R_OK):
        return f"cannot read: {display_path(path)}"
    return None


def _check_unique(loaded: list[tuple[Episode, Path]]) -> None:
    """Numbers, slugs and GUIDs identify episodes to listeners' apps: two alike would collide."""
    seen: dict[tuple[object, ...], Path] = {}
    for episode, path in loaded:
        for field, key in (
            ("slug", ("slug", episode.slug)),
            ("number", ("number", episode.season, episode.number)),
            ("guid", ("guid", episode.guid)),
        ):
            if key[-1] is None:
                continue
            if key in seen:
                raise ConfigError(
                    f"{key[-1]} is also used by {display_path(seen[key])}", file=display_path(path), field=field
                )
            seen[key] = path
