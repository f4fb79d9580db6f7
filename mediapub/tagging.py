"""The tagging stage: ID3 tags inside the MP3, for listeners who download the file itself.

Every call into mutagen goes through ``_mutagen_errors`` so a broken file is
reported as ``unreadable file: <path>: <why>`` instead of a mutagen traceback.
Tags are rebuilt from scratch on every run, so re-tagging replaces frames
rather than piling up duplicates, and identical input gives identical bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mutagen import MutagenError
from mutagen.id3 import (
    COMM,
    ID3,
    PCST,
    TALB,
    TCON,
    TDRC,
    TDRL,
    TGID,
    TIT2,
    TLAN,
    TPE1,
    TPE2,
    TPOS,
    TRCK,
    WFED,
    WOAF,
    Encoding,
)
from mutagen.mp4 import MP4

from .errors import MediaError
from .model import Episode, Show


@dataclass(frozen=True, slots=True)
class TagValues:
    """What the tags say, gathered by the pipeline from the show, the episode and the feed."""

    show: Show
    episode: Episode
    guid: str
    description: str
    feed_url: str
    episode_url: str


@contextmanager
def _mutagen_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except (MutagenError, OSError) as exc:
        raise MediaError(f"unreadable file: {exc}", subject=path) from None


def write_id3(path: Path, values: TagValues) -> None:
    """Replace all ID3 tags of the MP3 at ``path`` with ones describing this episode."""
    show, episode = values.show, values.episode
    hosts = episode.hosts if episode.hosts is not None else show.hosts
    artist = ", ".join(person.name for person in hosts) or show.author
    text = Encoding.UTF8
    frames = [
        TIT2(encoding=text, text=episode.title),
        TALB(encoding=text, text=show.title),
        TPE1(encoding=text, text=artist),
        TPE2(encoding=text, text=show.author),
        TRCK(encoding=text, text=str(episode.number)),
        TDRC(encoding=text, text=episode.date.strftime("%Y-%m-%d")),
        TDRL(encoding=text, text=episode.date.strftime("%Y-%m-%d")),
        TCON(encoding=text, text="Podcast"),
        TLAN(encoding=text, text=_iso639_2(show.language)),
        COMM(encoding=text, lang="eng", desc="", text=values.description),
        PCST(value=1),
        TGID(encoding=text, text=values.guid),
        WFED(encoding=text, url=values.feed_url),
        WOAF(url=values.episode_url),
    ]
    if episode.season is not None:
        frames.append(TPOS(encoding=text, text=str(episode.season)))
    tags = ID3()
    for frame in frames:
        tags.add(frame)
    with _mutagen_errors(path):
        tags.save(path, v2_version=4, v1=0, padding=lambda info: 0)


def write_tags(path: Path, values: TagValues) -> None:
    """Tag the finished audio at ``path`` in its container's own format (ID3 for MP3, atoms for MP4)."""
    if path.suffix.lower() in (".m4a", ".mp4"):
        write_mp4(path, values)
    else:
        write_id3(path, values)


def write_mp4(path: Path, values: TagValues) -> None:
    """The basic iTunes atoms of an AAC (.m4a) episode; issue 4 brings cover and chapters."""
    show, episode = values.show, values.episode
    hosts = episode.hosts if episode.hosts is not None else show.hosts
    with _mutagen_errors(path):
        tags = MP4(path)
        tags.delete()
        tags["\xa9nam"] = [episode.title]
        tags["\xa9alb"] = [show.title]
        tags["\xa9ART"] = [", ".join(person.name for person in hosts) or show.author]
        tags["aART"] = [show.author]
        tags["\xa9day"] = [episode.date.strftime("%Y-%m-%d")]
        tags["\xa9gen"] = ["Podcast"]
        tags["\xa9cmt"] = [values.description]
        tags["trkn"] = [(episode.number, 0)]
        tags["pcst"] = True
        tags["purl"] = [values.feed_url]
        tags["egid"] = [values.guid]
        tags.save(padding=lambda info: 0)


def read_id3(path: Path) -> ID3:
    """Read the ID3 tags of ``path`` (used by tests and future re-tagging)."""
    with _mutagen_errors(path):
        return ID3(path)


# ID3's TLAN wants ISO 639-2 codes; these are the languages a show is likely to use.
_ISO639_2 = {
    "en": "eng", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "pt": "por", "nl": "nld", "ru": "rus",
    "el": "ell", "pl": "pol", "sv": "swe", "no": "nor", "da": "dan", "fi": "fin", "ja": "jpn", "zh": "zho",
    "ar": "ara", "tr": "tur", "uk": "ukr", "cs": "ces", "hu": "hun", "ro": "ron", "ko": "kor", "hi": "hin",
}  # fmt: skip


def _iso639_2(language: str) -> str:
    primary = language.split("-")[0]
    return _ISO639_2.get(primary, primary if len(primary) == 3 else "und")
