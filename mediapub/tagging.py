"""The tagging stage: everything the feed says about an episode, also inside its audio file.

A listener who downloads the file itself, or an app that ignores the feed's
extras, still sees title, show, number, date, cover and chapters with links.

``Tags`` holds the logical fields once. ``ID3_FRAMES`` and ``MP4_ATOMS`` map
each field to its frames in each container (the way beets' mediafile does),
so adding a field is one line per container and there are no branches on
file type around the code. Chapters in MP4 are the one exception: mutagen
cannot write them, so ffmpeg copies the audio into a file that carries them
(Nero ``chpl`` and a QuickTime chapter track) before the atoms are written.

Tags are rebuilt from nothing on every run: re-tagging replaces frames, never
adds to them, and the same input always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from mutagen import MutagenError
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    PCST,
    TALB,
    TCON,
    TCOP,
    TDRC,
    TDRL,
    TGID,
    TIT2,
    TLAN,
    TPE1,
    TPE2,
    TPOS,
    TPUB,
    TRCK,
    WFED,
    WOAF,
    WXXX,
    CTOCFlags,
    Encoding,
    Frame,
    PictureType,
)
from mutagen.mp4 import MP4, MP4Cover

from .errors import MediaError
from .ffmpeg import FFmpeg
from .model import ChapterMark, Episode, Show


@dataclass(frozen=True, slots=True)
class Tags:
    """The logical tag fields of one episode; ``None`` or empty means "leave it out"."""

    title: str
    album: str
    artist: str
    album_artist: str
    track: int
    disc: int | None
    date: dt.date
    genre: str
    description: str
    publisher: str
    copyright: str | None
    language: str
    episode_url: str
    guid: str
    feed_url: str
    podcast: bool = True
    #: A JPEG, already small enough to embed (see ``images.embedded_cover``).
    cover: bytes | None = None
    chapters: tuple[ChapterMark, ...] = ()
    #: Small JPEGs for chapters that have an image, by the image's path.
    chapter_images: dict[Path, bytes] = field(default_factory=dict)


def episode_tags(
    show: Show,
    episode: Episode,
    *,
    guid: str,
    description: str,
    feed_url: str,
    episode_url: str,
    cover: bytes | None = None,
    chapters: Sequence[ChapterMark] = (),
    chapter_images: dict[Path, bytes] | None = None,
) -> Tags:
    """Gather an episode's tags from the show, the episode and what the pipeline decided."""
    hosts = episode.hosts if episode.hosts is not None else show.hosts
    return Tags(
        title=episode.title,
        album=show.title,
        artist=", ".join(person.name for person in hosts) or show.author,
        album_artist=show.author,
        track=episode.number,
        disc=episode.season,
        date=episode.date.date(),
        genre="Podcast",
        description=description,
        publisher=show.publisher or show.author,
        copyright=show.copyright,
        language=iso639_2(show.language),
        episode_url=episode_url,
        guid=guid,
        feed_url=feed_url,
        cover=cover,
        chapters=tuple(chapters),
        chapter_images=chapter_images or {},
    )


# --- ID3 (MP3) -------------------------------------------------------------------------------------------------

UTF8 = Encoding.UTF8


def _id3_chapters(marks: tuple[ChapterMark, ...], images: dict[Path, bytes]) -> list[Frame]:
    """CHAP frames (title, link, picture) and the CTOC that lists them in order (ID3v2 Chapter addendum)."""
    frames: list[Frame] = []
    for index, mark in enumerate(marks):
        sub_frames: list[Frame] = [TIT2(encoding=UTF8, text=mark.title)]
        if mark.url:
            sub_frames.append(WXXX(encoding=UTF8, desc="", url=mark.url))
        if mark.image is not None and mark.image in images:
            sub_frames.append(
                APIC(encoding=UTF8, mime="image/jpeg", type=PictureType.OTHER, desc="", data=images[mark.image])
            )
        frames.append(
            CHAP(
                element_id=f"chp{index}",
                start_time=round(mark.start * 1000),
                end_time=round(mark.end * 1000),
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=sub_frames,
            )
        )
    if frames:
        frames.append(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=[f"chp{index}" for index in range(len(marks))],
                sub_frames=[TIT2(encoding=UTF8, text="Chapters")],
            )
        )
    return frames


ID3_FRAMES: dict[str, Callable[[Any, Tags], list[Frame]]] = {
    "title": lambda v, t: [TIT2(encoding=UTF8, text=v)],
    "album": lambda v, t: [TALB(encoding=UTF8, text=v)],
    "artist": lambda v, t: [TPE1(encoding=UTF8, text=v)],
    "album_artist": lambda v, t: [TPE2(encoding=UTF8, text=v)],
    "track": lambda v, t: [TRCK(encoding=UTF8, text=str(v))],
    "disc": lambda v, t: [TPOS(encoding=UTF8, text=str(v))],
    "date": lambda v, t: [TDRC(encoding=UTF8, text=v.isoformat()), TDRL(encoding=UTF8, text=v.isoformat())],
    "genre": lambda v, t: [TCON(encoding=UTF8, text=v)],
    "description": lambda v, t: [COMM(encoding=UTF8, lang="eng", desc="", text=v)],
    "publisher": lambda v, t: [TPUB(encoding=UTF8, text=v)],
    "copyright": lambda v, t: [TCOP(encoding=UTF8, text=v)],
    "language": lambda v, t: [TLAN(encoding=UTF8, text=v)],
    "episode_url": lambda v, t: [WOAF(url=v), WXXX(encoding=UTF8, desc="Episode page", url=v)],
    "guid": lambda v, t: [TGID(encoding=UTF8, text=v)],
    "feed_url": lambda v, t: [WFED(encoding=UTF8, url=v)],
    "podcast": lambda v, t: [PCST(value=1)] if v else [],
    "cover": lambda v, t: [APIC(encoding=UTF8, mime="image/jpeg", type=PictureType.COVER_FRONT, desc="Cover", data=v)],
    "chapters": lambda v, t: _id3_chapters(v, t.chapter_images),
    "chapter_images": lambda v, t: [],  # carried by the chapters
}


def write_id3(path: Path, tags: Tags, *, version: int = 4) -> None:
    """Replace every ID3 tag of the MP3 at ``path`` with ``tags`` (ID3v2.4, or 2.3 for old players)."""
    id3 = ID3()
    for name, value in _present(tags):
        for frame in ID3_FRAMES[name](value, tags):
            id3.add(frame)
    with _mutagen_errors(path):
        if version == 3:
            id3.update_to_v23()
        id3.save(path, v2_version=version, v1=0, padding=lambda info: 0)


# --- MP4 (M4A) -------------------------------------------------------------------------------------------------

MP4_ATOMS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "title": lambda v: {"\xa9nam": [v]},
    "album": lambda v: {"\xa9alb": [v]},
    "artist": lambda v: {"\xa9ART": [v]},
    "album_artist": lambda v: {"aART": [v]},
    "track": lambda v: {"trkn": [(v, 0)]},
    "disc": lambda v: {"disk": [(v, 0)]},
    "date": lambda v: {"\xa9day": [v.isoformat()]},
    "genre": lambda v: {"\xa9gen": [v]},
    "description": lambda v: {"desc": [v[:255]], "ldes": [v], "\xa9cmt": [v]},
    "publisher": lambda v: {"----:com.apple.iTunes:publisher": [v.encode()]},
    "copyright": lambda v: {"cprt": [v]},
    "language": lambda v: {"----:com.apple.iTunes:language": [v.encode()]},
    "episode_url": lambda v: {"----:com.apple.iTunes:episode_url": [v.encode()]},
    "guid": lambda v: {"egid": [v]},
    "feed_url": lambda v: {"purl": [v]},
    "podcast": lambda v: {"pcst": v},
    "cover": lambda v: {"covr": [MP4Cover(v, imageformat=MP4Cover.FORMAT_JPEG)]},
    "chapters": lambda v: {},  # written by ffmpeg first: see write_mp4
    "chapter_images": lambda v: {},
}


def write_mp4(path: Path, tags: Tags, ffmpeg: FFmpeg) -> None:
    """Replace the atoms of the M4A at ``path`` with ``tags``; chapters go in through ffmpeg first."""
    _mp4_chapters(path, tags.chapters, ffmpeg)
    with _mutagen_errors(path):
        mp4 = MP4(path)
        mp4.delete()
        mp4 = MP4(path)
        for name, value in _present(tags):
            for atom, data in MP4_ATOMS[name](value).items():
                mp4[atom] = data
        mp4.save(padding=lambda info: 0)


def _mp4_chapters(path: Path, marks: tuple[ChapterMark, ...], ffmpeg: FFmpeg) -> None:
    """Copy the audio into a file with exactly ``marks`` as its chapters (none if empty), in place."""
    lines = [";FFMETADATA1"]
    for mark in marks:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={round(mark.start * 1000)}",
                  f"END={round(mark.end * 1000)}", f"title={_ffmetadata_escape(mark.title)}"]  # fmt: skip
    handle, metadata = tempfile.mkstemp(suffix=".txt", dir=path.parent)
    os.close(handle)
    partial = path.with_name(f".{path.name}.chapters.partial")
    try:
        Path(metadata).write_text("\n".join(lines) + "\n", encoding="utf-8")
        ffmpeg.run(
            # No -map_metadata -1: it would strip the chapters' titles too; mutagen replaces the atoms next.
            ["-i", path, "-f", "ffmetadata", "-i", metadata, "-map", "0:a",
             "-map_chapters", "1" if marks else "-1", "-c", "copy", "-fflags", "+bitexact", "-flags:a", "+bitexact",
             "-movflags", "+faststart", "-f", "ipod", partial],
            subject=path,
        )  # fmt: skip
        os.replace(partial, path)
    finally:
        Path(metadata).unlink(missing_ok=True)
        partial.unlink(missing_ok=True)


def _ffmetadata_escape(text: str) -> str:
    for char in "\\=;#\n":
        text = text.replace(char, "\\" + char)
    return text


# --- both ------------------------------------------------------------------------------------------------------


def write_tags(path: Path, tags: Tags, ffmpeg: FFmpeg, *, id3_version: int = 4) -> None:
    """Tag the finished audio at ``path`` in its container's own format."""
    if path.suffix.lower() in (".m4a", ".mp4"):
        write_mp4(path, tags, ffmpeg)
    else:
        write_id3(path, tags, version=id3_version)


def read_id3(path: Path) -> ID3:
    """Read the ID3 tags of ``path`` (used by tests and future re-tagging)."""
    with _mutagen_errors(path):
        return ID3(path)


def _present(tags: Tags) -> Iterator[tuple[str, Any]]:
    for item in fields(tags):
        value = getattr(tags, item.name)
        if value is not None and value != () and value != {} and value != "":
            yield item.name, value


@contextmanager
def _mutagen_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except (MutagenError, OSError) as exc:
        raise MediaError(f"unreadable file: {exc}", subject=path) from None


# ID3's TLAN wants ISO 639-2 codes; these are the languages a show is likely to use.
_ISO639_2 = {
    "en": "eng", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "pt": "por", "nl": "nld", "ru": "rus",
    "el": "ell", "pl": "pol", "sv": "swe", "no": "nor", "da": "dan", "fi": "fin", "ja": "jpn", "zh": "zho",
    "ar": "ara", "tr": "tur", "uk": "ukr", "cs": "ces", "hu": "hun", "ro": "ron", "ko": "kor", "hi": "hin",
}  # fmt: skip


def iso639_2(language: str) -> str:
    primary = language.split("-")[0]
    return _ISO639_2.get(primary, primary if len(primary) == 3 else "und")
