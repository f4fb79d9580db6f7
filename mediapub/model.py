"""The data model: what a show and its episodes are, and what each stage returns.

Configuration classes are frozen pydantic models so that a show file is validated
once, at the edge, and every stage after that can trust its input. Values passed
between stages are frozen dataclasses: they are built by our own code, so they
need types, not validation. This module imports nothing else from mediapub.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    Strict,
    ValidationInfo,
    field_validator,
    model_validator,
)

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LANGUAGE_PATTERN = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")
URL_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
# Characters XML 1.0 cannot carry at all: one of them in a title would make the whole feed unreadable.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Podcast apps sort and display by date; RFC 2822 dates need four-digit years, and no podcast predates 1970.
EARLIEST_DATE = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
#: The media type the Podcasting 2.0 namespace gives JSON chapters files.
JSON_CHAPTERS_TYPE = "application/json+chapters"
#: A week, in seconds: longer than any episode, shorter than anything absurd.
LONGEST_TIME = 7 * 24 * 3600


def url_scheme(value: str) -> str | None:
    """The scheme of ``value`` if it is written as a URL (``s3://b/p`` -> ``s3``), else None."""
    match = URL_SCHEME.match(value)
    return match.group(1).lower() if match else None


def check_text(value: str) -> str:
    """Text must be visible and representable in XML (feeds) and ID3 (tags)."""
    bad = NOT_XML.search(value)
    if bad:
        raise ValueError(f"contains the control character U+{ord(bad.group()):04X}, which feeds cannot carry")
    if not any(
        char.isprintable() and not char.isspace() and char not in "\u200b\u200c\u200d\u2060\ufeff" for char in value
    ):
        raise ValueError("must not be empty")
    return value


def check_slug(value: str) -> str:
    """A slug becomes part of object keys and URLs, so it must be one safe path segment."""
    if not SLUG_PATTERN.match(value) or ".." in value:
        raise ValueError(
            f'not a valid slug: "{value}" (use lowercase letters, digits, ".", "_" and "-", '
            "starting with a letter or digit)"
        )
    return value


def parse_timestamp(value: object) -> object:
    """Accept chapter times as seconds or as "[HH:]MM:SS[.mmm]", the way producers write them."""
    if isinstance(value, str):
        match = re.fullmatch(r"(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d{1,3})?)", value.strip())
        if not match:
            raise ValueError(f'not a time: "{value}" (use HH:MM:SS, MM:SS or seconds)')
        hours, minutes, seconds = match.groups()
        if int(minutes) >= 60 or float(seconds) >= 60:
            raise ValueError(f'not a time: "{value}" (minutes and seconds must be below 60)')
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"not a time: {value!r} (use HH:MM:SS, MM:SS or seconds)")
    return value


def parse_person(value: object) -> object:
    """A person may be written as just a name."""
    return {"name": value} if isinstance(value, str) else value


def one_or_many(value: object) -> object:
    """A list field may be written as its one item."""
    return (value,) if isinstance(value, str | Path) else value


def parse_article(value: object) -> object:
    """A linked article may be written as just its URL."""
    return {"url": value} if isinstance(value, str) else value


def parse_category(value: object) -> object:
    """Categories are written "News" or "News/Politics", Apple's category/subcategory pair."""
    if isinstance(value, str):
        name, _, sub = value.partition("/")
        if "/" in sub:
            raise ValueError(f'not a category: "{value}" (use "Category" or "Category/Subcategory")')
        return {"name": name.strip(), "subcategory": sub.strip() or None}
    return value


def parse_location(value: object) -> object:
    """A recording is a local path or an http(s) URL; anything else with a scheme is a mistake."""
    if isinstance(value, str):
        scheme = url_scheme(value)
        if scheme in ("http", "https"):
            return HttpUrl(value)
        if scheme:
            raise ValueError(f'unsupported URL scheme "{scheme}": use a local path or an http(s) URL')
        if not value.strip():
            raise ValueError("must not be empty")
        return Path(value)
    if not isinstance(value, Path):
        raise ValueError(f"not a path or URL: {value!r}")
    return value


def resolve_path(value: object, info: ValidationInfo) -> object:
    """Relative paths resolve against the folder of the file that names them (``context["base"]``)."""
    base = (info.context or {}).get("base")
    if isinstance(value, Path) and base is not None and not value.is_absolute():
        return Path(base) / value
    return value


_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_YOUTUBE_HOSTS = ("youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtube-nocookie.com",
                  "www.youtube-nocookie.com")  # fmt: skip


def youtube_video_id(url: str) -> str | None:
    """The video ID of a YouTube URL in any common form, or None if it is not a YouTube video URL.

    Accepted: ``watch?v=ID``, ``youtu.be/ID``, ``/shorts/ID``, ``/live/ID``, ``/embed/ID`` and ``/v/ID``, on
    youtube.com (www, m, music), youtube-nocookie.com and youtu.be, with timestamps or other parameters.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https"):
        return None
    path = [segment for segment in parts.path.split("/") if segment]
    candidate = None
    if host == "youtu.be" and len(path) == 1:
        candidate = path[0]
    elif host in _YOUTUBE_HOSTS:
        if path == ["watch"]:
            candidate = next(iter(parse_qs(parts.query).get("v", [])), None)
        elif len(path) == 2 and path[0] in ("shorts", "live", "embed", "v"):
            candidate = path[1]
    return candidate if candidate and _YOUTUBE_ID.match(candidate) else None


def check_youtube(value: HttpUrl) -> HttpUrl:
    if youtube_video_id(str(value)) is None:
        raise ValueError(
            f'not a YouTube video URL: "{value}" (use a watch, youtu.be, shorts, live or embed link to one video)'
        )
    return value


def check_email(value: str) -> str:
    if not EMAIL_PATTERN.match(value):
        raise ValueError(f'not an email address: "{value}"')
    return value


def check_language(value: str) -> str:
    if not LANGUAGE_PATTERN.match(value):
        raise ValueError(f'not a language code: "{value}" (use e.g. "en" or "en-gb")')
    return value.lower()


def check_base_url(value: HttpUrl) -> HttpUrl:
    """Keys are appended to the base URL, so it must be a folder: no query, no fragment, a final slash."""
    if value.query or value.fragment:
        raise ValueError(f'must not have a query or fragment: "{value}"')
    text = str(value)
    return value if text.endswith("/") else HttpUrl(text + "/")


Text = Annotated[str, AfterValidator(check_text)]
Slug = Annotated[str, AfterValidator(check_slug)]
Seconds = Annotated[float, BeforeValidator(parse_timestamp), Field(ge=0, le=LONGEST_TIME, allow_inf_nan=False)]
Email = Annotated[str, AfterValidator(check_email)]
YouTubeUrl = Annotated[HttpUrl, AfterValidator(check_youtube)]
Language = Annotated[str, AfterValidator(check_language)]
LocalPath = Annotated[Path, AfterValidator(resolve_path)]
Location = Annotated[LocalPath | HttpUrl, BeforeValidator(parse_location)]
BaseUrl = Annotated[HttpUrl, AfterValidator(check_base_url)]
Count = Annotated[int, Strict()]
Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
Flag = Annotated[bool, Strict()]


class Frozen(BaseModel):
    """Base for configuration: immutable (tuples, not lists), and unknown fields are errors (typos must not pass)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Person(Frozen):
    """A host or guest (Podcasting 2.0 ``podcast:person``)."""

    name: Text
    role: Text = "host"
    href: HttpUrl | None = None
    img: HttpUrl | None = None


PersonEntry = Annotated[Person, BeforeValidator(parse_person)]


class Owner(Frozen):
    """Who directories contact about the feed (``itunes:owner``)."""

    name: Text
    email: Email


class Category(Frozen):
    """An Apple Podcasts category with an optional subcategory (checked against Apple's list by the loader)."""

    name: Text
    subcategory: Text | None = None


class Funding(Frozen):
    """A place listeners can support the show (``podcast:funding``)."""

    url: HttpUrl
    text: Text = "Support the show"


#: Where listeners subscribe, with the name pages show for each; any other platform needs a ``name``.
PLATFORMS = {
    "apple": "Apple Podcasts",
    "spotify": "Spotify",
    "youtube": "YouTube",
    "youtube-music": "YouTube Music",
    "amazon": "Amazon Music",
    "pocket-casts": "Pocket Casts",
    "overcast": "Overcast",
    "castro": "Castro",
    "antennapod": "AntennaPod",
    "podcast-addict": "Podcast Addict",
    "fountain": "Fountain",
    "podcast-index": "Podcast Index",
    "castbox": "Castbox",
    "deezer": "Deezer",
}


class SubscribeLink(Frozen):
    """A place to follow the show, listed on its web page beside the feed URL."""

    platform: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    url: HttpUrl
    name: Text | None = None

    @model_validator(mode="after")
    def _named(self) -> SubscribeLink:
        if self.name is None and self.platform not in PLATFORMS:
            raise ValueError(
                f'unknown platform "{self.platform}": give it a name, or use one of {", ".join(sorted(PLATFORMS))}'
            )
        return self

    @property
    def label(self) -> str:
        return self.name or PLATFORMS[self.platform]


class SiteSettings(Frozen):
    """``[site]``: the web pages published beside the feed."""

    #: Write the show page, episode pages, embed players and oEmbed documents.
    enabled: Flag = True
    #: How many episodes the show page lists, newest first.
    latest: Count = Field(default=12, ge=1, le=1000)
    #: Link to folders (``episodes/151-x/``) rather than ``.../index.html``. Only for hosts that serve a folder's
    #: index.html (S3 website endpoints, nginx); bucket REST endpoints, R2 and CloudFront origins do not.
    clean_urls: Flag = False
    #: A folder of Jinja2 templates (relative to show.toml) that replace the built-in ones of the same name.
    templates: LocalPath | None = None


class License(Frozen):
    """``podcast:license``: an SPDX identifier (``cc-by-4.0``) or a name with the URL of its text."""

    name: Text
    url: HttpUrl | None = None


class Txt(Frozen):
    """``podcast:txt``: free text for machines, e.g. a platform's ownership verification code."""

    text: Annotated[str, Field(min_length=1, max_length=4000)]
    purpose: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,128}$")] | None = None


class Soundbite(Frozen):
    """``podcast:soundbite``: a moment worth sharing, played as a preview by some apps."""

    start: Seconds
    duration: Annotated[float, BeforeValidator(parse_timestamp), Field(gt=0, le=300)]
    title: Text | None = None


#: ``podcast:updateFrequency``: the words producers use, and the iCalendar rule apps read.
UPDATE_FREQUENCIES = {
    "daily": "FREQ=DAILY",
    "weekdays": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    "weekly": "FREQ=WEEKLY",
    "biweekly": "FREQ=WEEKLY;INTERVAL=2",
    "monthly": "FREQ=MONTHLY",
}


class AudioSettings(Frozen):
    """How the audio that leaves mediapub is mastered and encoded: ``[audio]`` in show.toml.

    An episode may override any of these in its own ``[audio]`` table; only the
    fields it sets replace the show's (see ``merged``). Unset presets follow
    the channel count, the way podcast hosts set them: -16 LUFS and 128 kbps
    for stereo, -19 LUFS and 64 kbps for mono (a mono file plays on both
    speakers and sounds 3 dB louder than it measures).
    """

    loudness: Number | None = Field(default=None, ge=-40.0, le=-5.0)
    true_peak: Number = Field(default=-1.0, ge=-9.0, le=0.0)
    format: Literal["mp3", "aac"] = "mp3"
    bitrate: Count | None = Field(default=None, ge=32, le=320)
    vbr: Count | None = Field(default=None, ge=0, le=9)
    channels: Literal[1, 2] = 2
    sample_rate: Literal[44100, 48000] = 44100
    trim_silence: Flag = False
    intro: LocalPath | None = None
    outro: LocalPath | None = None
    crossfade: Number = Field(default=1.0, ge=0.0, le=10.0)

    @property
    def target_loudness(self) -> float:
        """Integrated loudness to aim for, in LUFS."""
        if self.loudness is not None:
            return float(self.loudness)
        return -16.0 if self.channels == 2 else -19.0

    @property
    def kbps(self) -> int:
        """Constant bitrate (or the nominal rate of a VBR encode), in kbit/s."""
        if self.bitrate is not None:
            return self.bitrate
        return 128 if self.channels == 2 else 64

    def merged(self, overrides: AudioSettings | None) -> AudioSettings:
        """These settings with the fields ``overrides`` explicitly sets replacing them."""
        if overrides is None:
            return self
        return self.model_copy(update={name: getattr(overrides, name) for name in overrides.model_fields_set})


class TagSettings(Frozen):
    """``[tags]`` in show.toml: how tags are written into the audio files."""

    #: ID3v2.4 (UTF-8, the default), or 2.3 for old players and car stereos.
    id3_version: Literal[3, 4] = 4


class PublishSettings(Frozen):
    """Where ``mediapub publish`` writes when the command line does not say.

    ``target`` is a folder (relative to show.toml) or, later, a bucket URL.
    """

    target: Text | None = None
    feed_name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*\.xml$")] = "feed.xml"
    #: List at most this many episodes in the feed; older ones move to archive pages (RFC 5005). None: all.
    max_items: Count | None = Field(default=None, ge=1)
    #: For an ``s3://bucket/prefix`` target: how to reach the service (credentials come from boto3's chain).
    endpoint_url: HttpUrl | None = None
    region: Annotated[str, Field(pattern=r"^[a-z0-9-]{2,32}$")] | None = None
    addressing_style: Literal["path", "virtual"] | None = None
    acl: Literal["private", "public-read"] | None = None

    @field_validator("target")
    @classmethod
    def _resolve_folder(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or url_scheme(value):
            return value
        return str(resolve_path(Path(value), info))


class Show(Frozen):
    """``show.toml``: the podcast as a whole."""

    title: Text
    description: Text
    author: Text
    owner: Owner
    language: Language
    categories: tuple[Annotated[Category, BeforeValidator(parse_category)], ...] = Field(min_length=1)
    explicit: Flag = False
    artwork: LocalPath
    link: HttpUrl
    base_url: BaseUrl
    funding: tuple[Funding, ...] = ()
    hosts: tuple[PersonEntry, ...] = ()
    youtube_channel: HttpUrl | None = None
    copyright: Text | None = None
    type: Literal["episodic", "serial"] = "episodic"
    guid: UUID | None = None
    publisher: Text | None = None
    #: ``podcast:locked``: other hosts may not import the feed without the owner (default: locked).
    locked: Flag = True
    medium: Literal["podcast", "music", "video", "film", "audiobook", "newsletter", "blog"] = "podcast"
    update_frequency: Literal["daily", "weekdays", "weekly", "biweekly", "monthly"] | None = None
    license: Annotated[License, BeforeValidator(lambda v: {"name": v} if isinstance(v, str) else v)] | None = None
    txt: tuple[Txt, ...] = ()
    audio: AudioSettings = AudioSettings()
    tags: TagSettings = TagSettings()
    publish: PublishSettings = PublishSettings()
    subscribe: tuple[SubscribeLink, ...] = ()
    site: SiteSettings = SiteSettings()


class Article(Frozen):
    """A news article the episode discusses."""

    url: HttpUrl
    title: Text | None = None


class Chapter(Frozen):
    """A chapter mark; ``url`` is usually the article the chapter discusses.

    A chapter ends where the next begins (the last at the end of the audio)
    unless ``end`` says otherwise; ``image`` is shown while it plays.
    """

    start: Seconds
    title: Text
    url: HttpUrl | None = None
    end: Seconds | None = None
    image: LocalPath | None = None

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> Chapter:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"ends ({self.end:g} s) before it starts ({self.start:g} s)")
        return self


class Episode(Frozen):
    """``episodes/<slug>/episode.toml``: one episode. ``slug`` defaults to the folder name."""

    slug: Slug
    number: Count = Field(ge=0)
    season: Count | None = Field(default=None, ge=1)
    title: Text
    date: dt.datetime
    summary: Text
    recording: Location
    youtube: YouTubeUrl | None = None
    hosts: tuple[PersonEntry, ...] | None = None
    guests: tuple[PersonEntry, ...] = ()
    articles: tuple[Annotated[Article, BeforeValidator(parse_article)], ...] = ()
    chapters: tuple[Chapter, ...] = ()
    explicit: Flag | None = None
    type: Literal["full", "trailer", "bonus"] = "full"
    audio: AudioSettings | None = None
    artwork: LocalPath | None = None
    soundbites: tuple[Soundbite, ...] = ()
    #: Transcript or captions files (.vtt, .srt, .txt, .html or .json), one or a list, stored beside the episode.
    transcript: Annotated[tuple[LocalPath, ...], BeforeValidator(one_or_many)] = ()
    #: The video's poster frame (16:9 JPEG or PNG), shown where the video version is offered.
    poster: LocalPath | None = None
    #: A video version we host ourselves (.mp4, .m4v, .mov): ``podcast:alternateEnclosure``.
    video: LocalPath | None = None
    guid: Text | None = None

    @field_validator("date", mode="before")
    @classmethod
    def _date_at_midnight_utc(cls, value: object) -> object:
        # A bare date is the common case; it means the start of that day, in UTC.
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
        if isinstance(value, str):
            try:
                return _date_at_midnight_utc_from_text(value)
            except ValueError:
                raise ValueError(f'not a date: "{value}"') from None
        if not isinstance(value, dt.datetime):
            # pydantic would read a number as a Unix timestamp; in a show file that is a typo.
            raise ValueError(f"not a date: {value!r}")
        return value

    @field_validator("date")
    @classmethod
    def _date_has_zone(cls, value: dt.datetime) -> dt.datetime:
        value = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        if value < EARLIEST_DATE:
            raise ValueError(f'not a plausible release date: "{value.date()}" (before 1970)')
        return value

    @field_validator("chapters")
    @classmethod
    def _chapters_in_order(cls, value: tuple[Chapter, ...]) -> tuple[Chapter, ...]:
        starts = [chapter.start for chapter in value]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise ValueError("chapters must be listed in order of their start times, without repeats")
        for index, (chapter, following) in enumerate(itertools.pairwise(value)):
            if chapter.end is not None and chapter.end > following.start:
                raise ValueError(
                    f'chapter {index + 1} ("{chapter.title}") ends at {chapter.end:g} s, '
                    f"after chapter {index + 2} starts at {following.start:g} s"
                )
        return value


def _date_at_midnight_utc_from_text(text: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(text) if "T" in text or " " in text else dt.date.fromisoformat(text)
    if isinstance(parsed, dt.datetime):
        return parsed
    return dt.datetime.combine(parsed, dt.time(), tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class ShowSource:
    """A loaded show: the show file, its episodes, and where they came from."""

    root: Path
    show: Show
    episodes: tuple[Episode, ...]
    episode_files: Mapping[str, Path] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What ffmpeg reports about a media file."""

    duration: float
    has_audio: bool
    has_video: bool
    audio_codec: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    #: ffmpeg guessed the duration from the bitrate (no header said it): it is only an estimate.
    duration_estimated: bool = False
    #: ffmpeg found the file shorter than its own header says: it was cut off.
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class PageFacts:
    """What the page says about itself (head, JSON-LD, headline), read before any of it is cut away."""

    canonical_url: str | None
    title: str | None
    site_name: str | None
    authors: tuple[str, ...]
    published: dt.date | None
    image: str | None


@dataclass(frozen=True, slots=True)
class ExtractedArticle(PageFacts):
    """What one news page says, as the extractor read it: the article the URL points at, nothing else.

    ``canonical_url`` is the page's own, when it gives one.
    """

    #: The URL that was asked for (after redirects).
    url: str
    #: The main text, paragraphs separated by blank lines; no navigation, teasers or appeals.
    text: str
    #: The outlet a "Via <outlet>" credit names, kept as the source rather than as body text.
    via: str | None = None


@dataclass(frozen=True, slots=True)
class ArticleNote:
    """One linked article as the show notes list it; ``problem`` says why it could not be read."""

    url: str
    title: str
    source: str | None = None
    authors: tuple[str, ...] = ()
    published: dt.date | None = None
    summary: str | None = None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class ChapterMark:
    """A chapter on the published audio's timeline (seconds), ready for tags and the JSON chapters file."""

    start: float
    end: float
    title: str
    url: str | None = None
    image: Path | None = None


@dataclass(frozen=True, slots=True)
class Loudness:
    """One loudness measurement (EBU R128): LUFS, LU and dB, as ffmpeg's meter reports them."""

    integrated: float
    loudness_range: float
    peak: float
    #: Whether ``peak`` is the true (inter-sample) peak in dBTP, or the sample peak in dBFS.
    true_peak: bool
    #: Short-term (3 s) loudness once a second, for plotting.
    short_term: tuple[float, ...] = ()

    def to_dict(self) -> dict[str, float | str]:
        return {
            "integrated_lufs": self.integrated,
            "loudness_range_lu": self.loudness_range,
            "peak_db": self.peak,
            "peak_kind": "true peak (dBTP)" if self.true_peak else "sample peak (dBFS)",
        }


@dataclass(frozen=True, slots=True)
class MasterReport:
    """What mastering did to one programme: before, after, and how."""

    source: Loudness
    output: Loudness
    target_loudness: float
    target_true_peak: float
    gain_db: float
    limiter_ceiling_db: float
    duration: float
    #: Encodes it took to land on target (1 unless the limiter or codec moved the loudness a lot).
    attempts: int
    cached: bool = False
    #: Where the recording's time 0 sits in the output (s): after an intro, before trimmed silence.
    timeline_offset: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "input": self.source.to_dict(),
            "output": self.output.to_dict(),
            "target": {"integrated_lufs": self.target_loudness, "true_peak_dbtp": self.target_true_peak},
            "gain_db": self.gain_db,
            "limiter_ceiling_db": self.limiter_ceiling_db,
            "duration": self.duration,
            "timeline_offset": self.timeline_offset,
            "attempts": self.attempts,
            "cached": self.cached,
        }


@dataclass(frozen=True, slots=True)
class EncodedAudio:
    """An episode's finished audio file, ready to tag and store."""

    path: Path
    duration: float
    mime_type: str
    extension: str
    report: MasterReport | None = None


@dataclass(frozen=True, slots=True)
class ShowNotes:
    """Show notes in every form a consumer needs.

    ``html`` is the whole notes (``content:encoded``, pages); ``description`` the
    same within Apple's 4000-byte limit for ``<description>``.
    """

    html: str
    markdown: str
    text: str
    description: str = ""
    #: A sentence or three on what the articles say, for pages and previews.
    summary: str = ""
    articles: tuple[ArticleNote, ...] = ()


@dataclass(frozen=True, slots=True)
class EpisodeListing:
    """An episode as the show page lists it, read back from its stored feed item (so every publish's episodes
    are listed, not only this run's)."""

    number: int
    season: int | None
    title: str
    date: dt.datetime
    duration: float
    teaser: str
    #: The episode's page, when it has one.
    url: str | None


@dataclass(frozen=True, slots=True)
class StoredObject:
    """An object in storage, as the feed and the summary refer to it."""

    key: str
    url: str
    size: int
    content_type: str
    sha256: str
    written: bool


@dataclass(frozen=True, slots=True)
class PublishedEpisode:
    """Everything the feed needs to list one episode."""

    episode: Episode
    guid: str
    media: StoredObject
    duration: float
    notes: ShowNotes
    mastering: MasterReport | None = None
    loudness_plot: StoredObject | None = None
    chapters: StoredObject | None = None
    image: StoredObject | None = None
    #: The notes as Markdown, for people (and sites) that would rather read than parse a feed.
    notes_file: StoredObject | None = None
    transcripts: tuple[StoredObject, ...] = ()
    video: StoredObject | None = None
    #: The video's poster frame and its size in pixels.
    poster: StoredObject | None = None
    poster_size: tuple[int, int] | None = None
    #: The chapters on the published audio's timeline, for pages and players.
    chapter_marks: tuple[ChapterMark, ...] = ()
    #: The episode's web page, when the show publishes pages.
    page_url: str | None = None
    #: Other files stored for the episode (chapter images).
    extras: tuple[StoredObject, ...] = ()


@dataclass(frozen=True, slots=True)
class PublishResult:
    """What a publish run did (or, with dry-run storage, would do)."""

    episodes: tuple[PublishedEpisode, ...]
    objects: tuple[StoredObject, ...]
    feed: StoredObject
