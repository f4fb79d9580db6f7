"""The chapters stage: the episode's chapter list placed on the published audio's timeline.

Producers write chapter times against their recording. Mastering may put an
intro in front of it or trim leading silence, so every time is moved by the
master's ``timeline_offset`` (a chapter at 0 stays at 0 and so also covers
the intro). A chapter ends where the next begins, or at the end of the audio.
The same marks become ID3 CHAP frames (``tagging``) and a Podcasting 2.0 JSON
chapters file (``chapters_json``) that the feed links to.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from .model import JSON_CHAPTERS_TYPE, Chapter, ChapterMark

__all__ = ["JSON_CHAPTERS_TYPE", "chapters_json", "outside_audio", "place_chapters"]

#: Podcasting 2.0 JSON chapters: https://github.com/Podcastindex-org/podcast-namespace (chapters.md).
JSON_CHAPTERS_VERSION = "1.2.0"


def outside_audio(chapters: Sequence[Chapter], duration: float) -> tuple[int, str] | None:
    """The first chapter that does not fit in ``duration`` seconds of recording, and why; None if all fit."""
    for index, chapter in enumerate(chapters):
        if chapter.start >= duration:
            return index, f"starts at {_clock(chapter.start)}, after the recording ends ({_clock(duration)})"
        if chapter.end is not None and chapter.end > duration + 0.5:
            return index, f"ends at {_clock(chapter.end)}, after the recording ends ({_clock(duration)})"
    return None


def place_chapters(chapters: Sequence[Chapter], duration: float, offset: float) -> tuple[ChapterMark, ...]:
    """Chapter marks on the published audio (``duration`` long), moved by ``offset`` seconds."""
    starts = [0.0 if chapter.start == 0 else min(max(chapter.start + offset, 0.0), duration) for chapter in chapters]
    marks = []
    for index, chapter in enumerate(chapters):
        following = starts[index + 1] if index + 1 < len(chapters) else duration
        end = following if chapter.end is None else min(chapter.end + offset, following)
        if end <= starts[index]:
            continue  # squeezed out by trimming: nothing of it is left to play
        marks.append(
            ChapterMark(
                start=round(starts[index], 3),
                end=round(end, 3),
                title=chapter.title,
                url=str(chapter.url) if chapter.url else None,
                image=chapter.image,
            )
        )
    return tuple(marks)


def chapters_json(
    marks: Sequence[ChapterMark], *, title: str, podcast: str, images: Mapping[Path, str] | None = None
) -> bytes:
    """The Podcasting 2.0 JSON chapters document; ``images`` maps a chapter image file to its public URL."""
    document = {
        "version": JSON_CHAPTERS_VERSION,
        "title": title,
        "podcastName": podcast,
        "chapters": [
            {
                "startTime": mark.start,
                "endTime": mark.end,
                "title": mark.title,
                **({"url": mark.url} if mark.url else {}),
                **({"img": images[mark.image]} if images and mark.image is not None and mark.image in images else {}),
            }
            for mark in marks
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode() + b"\n"


def _clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{rest:06.3f}" if hours else f"{minutes}:{rest:06.3f}"
