"""What a video page's metadata says about an episode, read from yt-dlp's info dictionary.

The ingest command (``mediapub ingest URL``) turns a YouTube (or other video
site's) upload into an episode folder. This module is its pure half: given
the info dictionary yt-dlp produced (already processed by yt-dlp itself, so
formats, subtitles and chapters are in yt-dlp's own normalized shape), it
decides the episode's title, summary, date, chapters, poster, captions and
linked articles. Keeping it free of network and files makes every mapping
testable from saved info JSON.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .model import youtube_video_id

#: Links in a description that are not articles: the platform itself, social profiles, support pages.
NOT_ARTICLES = re.compile(
    r"^https?://(?:[\w-]+\.)*(?:youtube\.com|youtu\.be|twitter\.com|x\.com|facebook\.com|instagram\.com|"
    r"t\.me|telegram\.me|patreon\.com|paypal\.com|paypal\.me|tiktok\.com|linkedin\.com|rumble\.com|odysee\.com|"
    r"bitchute\.com|locals\.com|subscribestar\.com|buymeacoffee\.com|ko-fi\.com)(?:/|$)",
    re.IGNORECASE,
)
_URL = re.compile(r"https?://[^\s<>\"'\]]+")
#: A description line that is a chapter timestamp ("00:00 Intro", "1:02:03 - Outro").
_TIMESTAMP_LINE = re.compile(r"^\s*(?:\d{1,2}:)?\d{1,2}:\d{2}\b")
#: A line that is a link, perhaps after a short label ("Read more: https://…", "Support us on Patreon: …").
_LINK_LINE = re.compile(r"\s*(?:[^:\n]{0,40}:\s*)?https?://\S+\s*")


@dataclass(frozen=True, slots=True)
class Caption:
    """One captions track: its language, whether a person wrote it, and where to fetch it."""

    language: str
    manual: bool
    url: str
    ext: str


@dataclass(frozen=True, slots=True)
class VideoFacts:
    """The episode a video describes, before it becomes an episode.toml."""

    video_id: str
    watch_url: str
    title: str
    summary: str
    date: dt.date | None
    #: The moment it was published, where the site says (YouTube does); else ``date`` at midnight UTC.
    published: dt.datetime | None
    duration: float | None
    chapters: tuple[tuple[float, str], ...]
    #: Thumbnail URLs, best first (the widest is often missing on older videos).
    posters: tuple[str, ...]
    articles: tuple[str, ...]
    captions: Caption | None
    is_live_replay: bool

    @property
    def poster(self) -> str | None:
        return self.posters[0] if self.posters else None


def video_facts(info: Mapping[str, Any], *, language: str = "en") -> VideoFacts:
    """Map yt-dlp's info dictionary to the episode's facts; ``language`` picks the captions track."""
    url = str(info.get("webpage_url") or info.get("original_url") or "")
    youtube = youtube_video_id(url)
    description = clean_text(str(info.get("description") or ""))
    date = _date(info.get("release_date") or info.get("upload_date"))
    duration = float(info["duration"]) if isinstance(info.get("duration"), int | float) else None
    return VideoFacts(
        video_id=str(info.get("id") or youtube or ""),
        watch_url=f"https://www.youtube.com/watch?v={youtube}" if youtube else url,
        title=_title(info),
        summary=_summary(description),
        date=date,
        published=_moment(info.get("release_timestamp") or info.get("timestamp"), date),
        duration=duration,
        chapters=_chapters(info.get("chapters") or (), duration),
        posters=_posters(info.get("thumbnails") or (), info.get("thumbnail")),
        articles=tuple(dict.fromkeys(link for link in _links(description) if _is_article(link))),
        captions=_captions(info, language),
        is_live_replay=info.get("was_live") is True or info.get("live_status") == "was_live",
    )


#: Characters no episode.toml field may hold: controls (but newline and tab), lone surrogates, invisible format marks.
_UNPRINTABLE = frozenset({"Cc", "Cs", "Cf"})
#: What yt-dlp calls a gap it filled before the first real chapter.
_PLACEHOLDER_CHAPTER = re.compile(r"^<Untitled Chapter \d+>$")
#: Longer links are not articles (and browsers refuse them).
MAX_LINK_LENGTH = 2000


def clean_text(text: str) -> str:
    """``text`` without control, surrogate and zero-width characters, which the episode file refuses."""
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) not in _UNPRINTABLE)


def _title(info: Mapping[str, Any]) -> str:
    title = " ".join(clean_text(str(info.get("title") or "")).split())
    if info.get("extractor_key") == "HTML5MediaEmbed":
        # yt-dlp numbers the media of a plain web page ("Page title (1)"); one video needs no number.
        title = re.sub(r" \(1\)$", "", title)
    return title


def _moment(timestamp: object, date: dt.date | None) -> dt.datetime | None:
    if isinstance(timestamp, int | float) and not isinstance(timestamp, bool):
        return dt.datetime.fromtimestamp(timestamp, dt.UTC)
    return dt.datetime.combine(date, dt.time(), tzinfo=dt.UTC) if date else None


def _chapters(chapters: Sequence[Mapping[str, Any]], duration: float | None) -> tuple[tuple[float, str], ...]:
    """Chapters in order, one per start (to the millisecond), inside the video, with yt-dlp's gap fillers left out."""
    found: dict[float, str] = {}
    for chapter in chapters:
        title = " ".join(clean_text(str(chapter.get("title") or "")).split())
        start = chapter.get("start_time")
        if not title or _PLACEHOLDER_CHAPTER.match(title) or not isinstance(start, int | float) or start < 0:
            continue
        start = round(float(start), 3)
        if (duration is None or start < duration) and start not in found:
            found[start] = title
    return tuple(sorted(found.items()))


def _is_article(link: str) -> bool:
    if NOT_ARTICLES.match(link) or len(link) > MAX_LINK_LENGTH:
        return False
    parts = urlsplit(link)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and "." in (parts.hostname or "")


def _summary(description: str) -> str:
    """The description without its chapter timestamp lines and bare link lines, which become chapters and articles."""
    kept = [
        line.rstrip()
        for line in description.splitlines()
        if not _TIMESTAMP_LINE.match(line) and not _LINK_LINE.fullmatch(line)
    ]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return text


def _links(description: str) -> list[str]:
    found = []
    for link in _URL.findall(description):
        link = link.rstrip(".,;:!?")
        # A closing parenthesis belongs to the link only when the link opened one (Wikipedia's "Foo_(bar)").
        while link.endswith(")") and link.count(")") > link.count("("):
            link = link[:-1].rstrip(".,;:!?")
        found.append(link)
    return found


def _date(value: object) -> dt.date | None:
    text = str(value or "")
    if re.fullmatch(r"\d{8}", text):
        try:
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            return None
    return None


def _posters(thumbnails: Sequence[Mapping[str, Any]], fallback: object) -> tuple[str, ...]:
    """Thumbnails widest first (yt-dlp lists them smallest first, with sizes where known), then the rest."""
    sized = sorted(
        (t for t in thumbnails if t.get("url") and isinstance(t.get("width"), int)),
        key=lambda t: (t["width"], t.get("preference") or 0),
        reverse=True,
    )
    unsized = [t for t in reversed(thumbnails) if t.get("url") and not isinstance(t.get("width"), int)]
    urls = [str(t["url"]) for t in (*sized, *unsized)] + ([str(fallback)] if fallback else [])
    return tuple(dict.fromkeys(urls))


def _captions(info: Mapping[str, Any], language: str) -> Caption | None:
    """Manual subtitles in ``language`` first, then automatic ones; VTT preferred, then SRT."""
    for manual, tracks in ((True, info.get("subtitles") or {}), (False, info.get("automatic_captions") or {})):
        for code in _languages(tracks, language):
            for wanted in ("vtt", "srt"):
                for track in tracks[code]:
                    if track.get("ext") == wanted and track.get("url"):
                        return Caption(language=code, manual=manual, url=str(track["url"]), ext=wanted)
    return None


def _languages(tracks: Mapping[str, Any], language: str) -> list[str]:
    """``en`` matches ``en``, then ``en-GB``/``en-US`` and the like; machine translations (``en-xx``) come last."""
    exact = [code for code in tracks if code == language]
    regional = sorted(code for code in tracks if code.startswith(f"{language}-") and "-orig" not in code)
    original = [code for code in tracks if code == f"{language}-orig"]
    return exact + original + regional
