"""The data model: what a show and its episodes are, and what each stage returns.

Configuration classes are frozen pydantic models so that a show file is validated
once, at the edge, and every stage after that can trust its input. Values passed
between stages are frozen dataclasses: they are built by our own code, so they
need types, not validation. This module imports nothing else from mediapub.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationInfo,
    field_validator,
)

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LANGUAGE_PATTERN = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")


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
    return value


def parse_person(value: object) -> object:
    """A person may be written as just a name."""
    return {"name": value} if isinstance(value, str) else value


def parse_article(value: object) -> object:
    """A linked article may be written as just its URL."""
    return {"url": value} if isinstance(value, str) else value


def parse_category(value: object) -> object:
    """Categories are written "News" or "News/Politics", Apple's category/subcategory pair."""
    if isinstance(value, str):
        name, _, sub = value.partition("/")
        return {"name": name.strip(), "subcategory": sub.strip() or None}
    return value


def parse_location(value: object) -> object:
    """A recording is a local path or an http(s) URL; anything else with a scheme is a mistake."""
    if isinstance(value, str):
        scheme = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://", value)
        if scheme and scheme.group(1).lower() in ("http", "https"):
            return HttpUrl(value)
        if scheme:
            raise ValueError(f'unsupported URL scheme "{scheme.group(1)}": use a local path or an http(s) URL')
        return Path(value)
    return value


def resolve_path(value: object, info: ValidationInfo) -> object:
    """Relative paths resolve against the folder of the file that names them (``context["base"]``)."""
    base = (info.context or {}).get("base")
    if isinstance(value, Path) and base is not None and not value.is_absolute():
        return Path(base) / value
    return value


def check_email(value: str) -> str:
    if not EMAIL_PATTERN.match(value):
        raise ValueError(f'not an email address: "{value}"')
    return value


def check_language(value: str) -> str:
    if not LANGUAGE_PATTERN.match(value):
        raise ValueError(f'not a language code: "{value}" (use e.g. "en" or "en-gb")')
    return value.lower()


NonEmpty = Annotated[str, Field(min_length=1)]
Slug = Annotated[str, AfterValidator(check_slug)]
Seconds = Annotated[float, BeforeValidator(parse_timestamp), Field(ge=0)]
Email = Annotated[str, AfterValidator(check_email)]
Language = Annotated[str, AfterValidator(check_language)]
LocalPath = Annotated[Path, AfterValidator(resolve_path)]
Location = Annotated[LocalPath | HttpUrl, BeforeValidator(parse_location)]


class Frozen(BaseModel):
    """Base for configuration: immutable, and unknown fields are errors (typos must not pass)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Person(Frozen):
    """A host or guest (Podcasting 2.0 ``podcast:person``)."""

    name: NonEmpty
    role: NonEmpty = "host"
    href: HttpUrl | None = None
    img: HttpUrl | None = None


PersonEntry = Annotated[Person, BeforeValidator(parse_person)]


class Owner(Frozen):
    """Who directories contact about the feed (``itunes:owner``)."""

    name: NonEmpty
    email: Email


class Category(Frozen):
    """An Apple Podcasts category with an optional subcategory."""

    name: NonEmpty
    subcategory: NonEmpty | None = None


class Funding(Frozen):
    """A place listeners can support the show (``podcast:funding``)."""

    url: HttpUrl
    text: NonEmpty = "Support the show"


class AudioSettings(Frozen):
    """Targets for the audio that leaves mediapub; mastering arrives in its own stage."""

    loudness: float = Field(default=-16.0, ge=-40.0, le=-5.0)
    true_peak: float = Field(default=-1.0, ge=-9.0, le=0.0)
    bitrate: int = Field(default=128, ge=32, le=320)
    channels: Literal[1, 2] = 2
    sample_rate: Literal[44100, 48000] = 44100


class PublishSettings(Frozen):
    """Where ``mediapub publish`` writes when the command line does not say.

    ``target`` is a folder (relative to show.toml) or, later, a bucket URL.
    """

    target: NonEmpty | None = None
    feed_name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*\.xml$")] = "feed.xml"

    @field_validator("target")
    @classmethod
    def _resolve_folder(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", value):
            return value
        return str(resolve_path(Path(value), info))


class Show(Frozen):
    """``show.toml``: the podcast as a whole."""

    title: NonEmpty
    description: NonEmpty
    author: NonEmpty
    owner: Owner
    language: Language
    categories: list[Annotated[Category, BeforeValidator(parse_category)]] = Field(min_length=1)
    explicit: bool = False
    artwork: LocalPath
    link: HttpUrl
    base_url: HttpUrl
    funding: list[Funding] = []
    hosts: list[PersonEntry] = []
    youtube_channel: HttpUrl | None = None
    copyright: NonEmpty | None = None
    type: Literal["episodic", "serial"] = "episodic"
    guid: UUID | None = None
    audio: AudioSettings = AudioSettings()
    publish: PublishSettings = PublishSettings()

    @field_validator("base_url")
    @classmethod
    def _base_url_is_a_folder(cls, value: HttpUrl) -> HttpUrl:
        # Keys are joined onto the base URL; without the slash the last segment would be lost.
        text = str(value)
        return value if text.endswith("/") else HttpUrl(text + "/")


class Article(Frozen):
    """A news article the episode discusses."""

    url: HttpUrl
    title: NonEmpty | None = None


class Chapter(Frozen):
    """A chapter mark; ``url`` is usually the article the chapter discusses."""

    start: Seconds
    title: NonEmpty
    url: HttpUrl | None = None


class Episode(Frozen):
    """``episodes/<slug>/episode.toml``: one episode. ``slug`` defaults to the folder name."""

    slug: Slug
    number: int = Field(ge=0)
    season: int | None = Field(default=None, ge=1)
    title: NonEmpty
    date: dt.datetime
    summary: NonEmpty
    recording: Location
    youtube: HttpUrl | None = None
    hosts: list[PersonEntry] | None = None
    guests: list[PersonEntry] = []
    articles: list[Annotated[Article, BeforeValidator(parse_article)]] = []
    chapters: list[Chapter] = []
    explicit: bool | None = None
    type: Literal["full", "trailer", "bonus"] = "full"
    guid: NonEmpty | None = None

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
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)

    @field_validator("chapters")
    @classmethod
    def _chapters_in_order(cls, value: list[Chapter]) -> list[Chapter]:
        starts = [chapter.start for chapter in value]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise ValueError("chapters must be listed in order of their start times, without repeats")
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
    episode_files: dict[str, Path] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What ffmpeg reports about a media file."""

    duration: float
    has_audio: bool
    has_video: bool
    audio_codec: str | None = None
    sample_rate: int | None = None
    channels: int | None = None


@dataclass(frozen=True, slots=True)
class EncodedAudio:
    """An episode's finished audio file, ready to tag and store."""

    path: Path
    duration: float
    mime_type: str
    extension: str


@dataclass(frozen=True, slots=True)
class ShowNotes:
    """Show notes in every form a consumer needs."""

    html: str
    markdown: str
    text: str


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


@dataclass(frozen=True, slots=True)
class PublishResult:
    """What a publish run did (or, with dry-run storage, would do)."""

    episodes: tuple[PublishedEpisode, ...]
    objects: tuple[StoredObject, ...]
    feed: StoredObject
