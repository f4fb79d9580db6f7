"""``mediapub ingest URL``: start an episode, or bring it up to date, from its video.

The show goes out on YouTube first, so the video page already says most of
what the episode needs: title, description, date, chapters, captions and a
poster frame. Ingest reads them through yt-dlp (``video_download``), maps them
(``video_facts``), downloads the recording, and writes ``episode.toml``.

Running it again on the same video updates that episode in place. The file
belongs to the producer as much as to ingest, so the update is a three-way
merge: ``.ingest.json`` beside it remembers what ingest wrote last time, a
field still holding that value is refreshed from the video, and a field the
producer changed (or removed) is left alone and reported. Comments and
formatting survive because the file is edited with tomlkit, not rewritten.

A new episode is assembled in a hidden folder and renamed into place at the
end, so a bad URL or a failed download leaves no episode folder behind.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
import tomllib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from slugify import slugify
from tomlkit.items import AoT, Item

from . import captions, images
from .config import EPISODE_FILE, check_episode_fields, display_path, episode_folders, load_episode, load_show_file
from .errors import ConfigError, MediapubError
from .model import check_slug, youtube_video_id
from .progress import Reporter
from .video_download import Access, VideoSite, shown_url, video_identity
from .video_facts import VideoFacts, video_facts

#: What ingest wrote last time, beside the episode file (the base of the three-way merge).
RECORD_FILE = ".ingest.json"
RECORDING_STEM = "recording"
POSTER_FILE = "poster.jpg"
#: How many thumbnails to try, best first, before going without a poster.
POSTER_TRIES = 4
CAPTION_FILES = ("captions.vtt", "captions.srt")
#: An episode number in a video title: "Episode 153", "Ep. 153", "#153".
_TITLE_NUMBER = re.compile(r"(?:\bepisode|\bep\.?|#)\s*(\d{1,5})\b", re.IGNORECASE)
#: The longest slug ingest makes up from a title (the number and a few words are enough to find it).
SLUG_WORDS_LENGTH = 48


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """The choices a producer makes on the command line."""

    slug: str | None = None
    number: int | None = None
    #: Keep the video (an MP4 we host as ``podcast:alternateEnclosure``), not only the audio.
    video: bool = False
    #: The captions language; the show's language by default.
    language: str | None = None
    #: Download the recording again even though an earlier ingest of the same video left it here.
    redownload: bool = False
    access: Access = field(default_factory=Access)


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What ingest did, for the terminal summary and ``--json``."""

    url: str
    slug: str
    folder: Path
    number: int
    created: bool
    title: str
    duration: float | None
    chapters: int
    articles: int
    captions: str | None
    poster: bool
    updated: tuple[str, ...]
    kept: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(slots=True)
class _Existing:
    folder: Path
    document: tomlkit.TOMLDocument
    record: dict[str, Any]


def ingest(url: str, show_root: Path, options: IngestOptions, reporter: Reporter) -> IngestResult:
    """Create or update the episode for the video at ``url`` in the show at ``show_root``."""
    show_root = Path(show_root)
    show = load_show_file(show_root)
    site = VideoSite(options.access)
    info = site.info(url)
    facts = video_facts(info, language=(options.language or show.language).split("-")[0].lower())
    extractor, video_id = video_identity(info)
    source = {"url": shown_url(url), "extractor": extractor, "id": video_id}
    episodes = _episodes(show_root)
    existing = _find_existing(episodes, facts, source, options.slug)
    number = _number(existing, options.number, episodes, facts.title)
    slug = existing.folder.name if existing else _slug(options.slug, number, facts.title, show_root)
    folder = show_root / slug
    owned_before = set(existing.record.get("files") or ()) if existing else set()
    warnings: list[str] = []

    merge = _Merge(existing.document if existing else _new_document(source["url"]),
                   existing.record if existing else {})  # fmt: skip
    merge.set_once("number", number)
    merge.set("title", facts.title or slug)
    if facts.published:
        merge.set("date", facts.published)
    else:  # the site gives no date: today, once; a later ingest must not move the episode in the feed
        merge.set_once("date", dt.datetime.now(dt.UTC).replace(microsecond=0))
    merge.set("summary", _toml_text(facts.summary or facts.title or slug))
    if youtube_video_id(facts.watch_url):
        merge.set("youtube", facts.watch_url)
    merge.add_articles(facts.articles)
    if facts.chapters:
        merge.set("chapters", [{"start": _clock(start), "title": title} for start, title in facts.chapters])
    # Everything the video says must make a valid episode before anything is downloaded or written.
    _check_fields(merge.document, folder, slug, source["url"])

    staging = show_root / f".ingest-{uuid.uuid4().hex[:12]}"
    staging.mkdir()  # hidden, so publish skips it; mkdir (not mkdtemp) gives the folder the usual permissions
    try:
        files: dict[str, Path] = {}
        reused = _reusable_recording(existing, source["id"], options)
        if reused and merge.wants("recording"):
            merge.set("recording", reused)  # the same video, already downloaded: its ID promises the same content
            if options.video and reused.lower().endswith(".mp4"):
                merge.set("video", reused)
        elif merge.wants("recording") or (options.video and merge.wants("video")):
            size = info.get("filesize") or info.get("filesize_approx")
            with reporter.task(f"Downloading {facts.title or source['url']}", total=size, in_bytes=True) as advance:
                recording = site.download(info, staging, name=RECORDING_STEM, video=options.video, progress=advance)
            name = _free_name(folder, recording.name, owned_before)
            files[name] = recording
            merge.set("recording", name)
            if options.video and recording.suffix.lower() == ".mp4":
                merge.set("video", name)
        if facts.posters and merge.wants("poster"):
            poster = _poster(site, facts.posters, staging, warnings)
            if poster is not None:
                name = _free_name(folder, poster.name, owned_before)
                files[name] = poster
                merge.set("poster", name)
        caption_note = None
        if facts.captions and merge.wants("transcript"):
            written = _captions(site, facts, staging, warnings)
            if written:
                names = [_free_name(folder, path.name, owned_before) for path in written]
                files |= dict(zip(names, written, strict=True))
                merge.set("transcript", names)
                caption_note = f"{facts.captions.language} ({'manual' if facts.captions.manual else 'automatic'})"

        merge.note_theirs("recording", "video", "poster", "transcript")
        text = tomlkit.dumps(merge.document)
        still_owned = {name for name in owned_before if _safe_name(name) and name in text}
        record = {
            "source": source,
            "fields": merge.base(),
            "articles": merge.articles_added,
            "files": sorted({*files, *still_owned}),
            "recording": merge.current("recording"),
            "video": options.video,
        }
        if existing:
            _update(existing, text, files, record, slug)
        else:
            _create(staging, folder, text, record, slug)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    return IngestResult(
        url=source["url"],
        slug=slug,
        folder=folder,
        number=number,
        created=existing is None,
        title=facts.title,
        duration=facts.duration,
        chapters=len(facts.chapters),
        articles=len(facts.articles),
        captions=caption_note,
        poster=bool(merge.current("poster")),
        updated=tuple(merge.updated),
        kept=tuple(merge.kept),
        warnings=tuple(warnings),
    )


class _Merge:
    """The three-way merge of one episode.toml: ours last time, the producer's now, the video's now."""

    def __init__(self, document: tomlkit.TOMLDocument, record: Mapping[str, Any]) -> None:
        self.document = document
        self.before: dict[str, Any] = dict(record.get("fields") or {})
        self.previous_articles = set(record.get("articles") or ())
        self.written: dict[str, Any] = {}
        self.articles_added: list[str] = []
        self.updated: list[str] = []
        self.kept: list[str] = []

    def current(self, key: str) -> Any:
        return _plain(self.document[key]) if key in self.document else None

    def base(self) -> dict[str, Any]:
        """What ingest has written, for the next merge: this run's values, and earlier ones not touched this time."""
        return {**{k: v for k, v in self.before.items() if k in self.document}, **self.written}

    def wants(self, key: str) -> bool:
        """Whether ``key`` is ours to (re)write: never written by anyone, or unchanged since we wrote it."""
        current = _plain(self.document[key]) if key in self.document else None
        if key in self.before:
            return current == self.before[key]
        return key not in self.document

    def set(self, key: str, value: Any) -> None:
        if not self.wants(key):
            if key not in self.kept:
                self.kept.append(key)
            if key in self.before:
                self.written[key] = self.before[key]  # still the base for the next merge
            return
        plain = _plain(value)
        if key in self.document and _plain(self.document[key]) == plain:
            self.written[key] = plain
            return
        if key == "chapters":
            self.document[key] = _chapter_tables(value)
        else:
            self.document[key] = value
        self.written[key] = plain
        self.updated.append(key)

    def note_theirs(self, *keys: str) -> None:
        """Report the file fields the producer set and ingest therefore leaves alone."""
        for key in keys:
            if key in self.document and key not in self.written and not self.wants(key) and key not in self.kept:
                self.kept.append(key)
                if key in self.before:
                    self.written[key] = self.before[key]

    def set_once(self, key: str, value: Any) -> None:
        """A field ingest fills in for a new episode only (the number belongs to the producer from then on)."""
        if key not in self.document:
            self.document[key] = value
            self.updated.append(key)

    def add_articles(self, urls: tuple[str, ...]) -> None:
        """Links in the description join the linked articles; ones the producer removed stay removed."""
        present = self.document.get("articles")
        listed = {_article_url(item) for item in _plain(present)} if present is not None else set()
        fresh = [url for url in urls if url not in listed and url not in self.previous_articles]
        self.articles_added = sorted(self.previous_articles | set(urls))
        if not fresh:
            return
        if present is None:
            present = tomlkit.array()
            present.multiline(True)
            self.document["articles"] = present
        for url in fresh:
            # [[articles]] tables take tables; an inline array takes inline ones.
            table = tomlkit.table() if isinstance(present, AoT) else tomlkit.inline_table()
            table["url"] = url
            present.append(table)
        self.updated.append("articles")


def _reusable_recording(existing: _Existing | None, video_id: str, options: IngestOptions) -> str | None:
    """The recording an earlier ingest of this video downloaded, if it is still there and of the kind wanted."""
    if existing is None or options.redownload:
        return None
    record = existing.record
    name = record.get("recording")
    same = (record.get("source") or {}).get("id") == video_id and record.get("video") == options.video
    if same and isinstance(name, str) and "/" not in name and (existing.folder / name).is_file():
        return name
    return None


def _new_document(url: str) -> tomlkit.TOMLDocument:
    document = tomlkit.document()
    document.add(tomlkit.comment(f"Made by `mediapub ingest {url}`."))
    document.add(tomlkit.comment("Edit freely: running ingest again refreshes only the fields you have not changed."))
    document.add(tomlkit.nl())
    return document


def _chapter_tables(chapters: list[dict[str, Any]]) -> Any:
    tables = tomlkit.aot()
    for chapter in chapters:
        table = tomlkit.table()
        for key, value in chapter.items():
            table[key] = value
        tables.append(table)
    return tables


def _toml_text(text: str) -> Any:
    """Long or multi-line text as a TOML multi-line string, which a producer can edit by eye."""
    if "\n" not in text and len(text) < 100:
        return text
    return tomlkit.string(text, multiline=True)


def _plain(value: Any) -> Any:
    """A value as JSON would hold it, so what is in the file compares with what ingest wrote."""
    if isinstance(value, Item):
        value = value.unwrap()
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _article_url(item: Any) -> str:
    return str(item.get("url") if isinstance(item, Mapping) else item)


def _clock(seconds: float) -> str:
    """Chapter times the way producers write them: "MM:SS" or "H:MM:SS" (milliseconds when there are any)."""
    whole, millis = divmod(round(seconds * 1000), 1000)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
    return f"{text}.{millis:03d}" if millis else text


def _episodes(root: Path) -> list[_Existing]:
    """Every episode of the show, read once: the files ingest edits, and what it wrote into each."""
    found = []
    for folder in episode_folders(root):
        try:
            document = tomlkit.parse((folder / EPISODE_FILE).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomlkit.exceptions.TOMLKitError):
            continue  # publish reports a broken file; it is not this video's episode
        found.append(_Existing(folder, document, _read_record(folder)))
    return found


def _find_existing(
    episodes: list[_Existing], facts: VideoFacts, source: Mapping[str, str], slug: str | None
) -> _Existing | None:
    """The episode this video already is: by ingest's record, its YouTube link, or its recording URL."""
    youtube = youtube_video_id(facts.watch_url)
    found: _Existing | None = None
    for episode in episodes:
        known = episode.record.get("source") or {}
        linked = str(episode.document.get("youtube") or "")
        recording = str(episode.document.get("recording") or "")
        if (
            (known.get("extractor"), known.get("id")) == (source["extractor"], source["id"])
            or (youtube is not None and youtube in (youtube_video_id(linked), youtube_video_id(recording)))
            or recording in (source["url"], facts.watch_url)
        ):
            found = episode
            break
    if found is not None and slug is not None and slug != found.folder.name:
        raise MediapubError(
            f"this video is already episode folder {display_path(found.folder)}; "
            "run ingest without --slug to update it",
            subject=source["url"],
        )
    return found


def _read_record(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / RECORD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _number(existing: _Existing | None, wanted: int | None, episodes: list[_Existing], title: str) -> int:
    """The episode's number: its own when it exists, else the one asked for, else the one the title
    names ("Episode 153: ...", "#153") if no episode has it, else one more than the show's last."""
    if existing is not None:
        number = existing.document.get("number")
        if isinstance(number, int):
            return int(number)
    numbers = {int(n) for n in (e.document.get("number") for e in episodes) if isinstance(n, int)}
    if wanted is not None:
        if wanted in numbers:
            raise MediapubError(f"episode {wanted} exists already; choose another number", subject="--number")
        return wanted
    named = _TITLE_NUMBER.search(title)
    if named and int(named[1]) not in numbers:
        return int(named[1])
    return max(numbers, default=0) + 1


def _slug(wanted: str | None, number: int, title: str, root: Path) -> str:
    """``--slug``, else "<number>-<a few words of the title>", transliterated to ASCII."""
    if wanted is not None:
        try:
            slug = check_slug(wanted)
        except ValueError as exc:
            raise MediapubError(str(exc), subject="--slug") from None
    else:
        words = slugify(title, max_length=SLUG_WORDS_LENGTH, word_boundary=True)
        # "Episode 152: The budget" would repeat the number the slug starts with.
        words = re.sub(rf"^(?:episode-|ep-|no-)?{number}(?:-|$)", "", words)
        slug = f"{number}-{words}" if words else f"episode-{number}"
    if (root / slug).exists():
        raise MediapubError(
            "a folder of that name exists and is not this video's episode; choose another with --slug",
            subject=display_path(root / slug),
        )
    return slug


def _poster(site: VideoSite, urls: tuple[str, ...], folder: Path, warnings: list[str]) -> Path | None:
    """The video's poster frame as a JPEG: the best thumbnail that can be had (the widest is often missing).

    A missing poster is worth a warning, not a failed ingest.
    """
    problem = ""
    for url in urls[:POSTER_TRIES]:
        try:
            picture = images.poster_jpeg(site.fetch(url))
        except (MediapubError, ValueError) as exc:
            problem = str(exc)
            continue
        path = folder / POSTER_FILE
        path.write_bytes(picture)
        return path
    warnings.append(f"poster not saved: {problem}")
    return None


def _captions(site: VideoSite, facts: VideoFacts, folder: Path, warnings: list[str]) -> list[Path]:
    """The captions as WebVTT and SRT transcripts; automatic captions lose their rolling repeats."""
    assert facts.captions is not None
    try:
        track = facts.captions
        text = captions.transcript(site.fetch(track.url), track.ext, source=track.url, rolling=not track.manual)
    except MediapubError as exc:
        warnings.append(f"captions not saved: {exc}")
        return []
    written = []
    for name, content in zip(CAPTION_FILES, (text.vtt, text.srt), strict=True):
        path = folder / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


def _create(staging: Path, folder: Path, text: str, record: Mapping[str, Any], slug: str) -> None:
    """Finish the new episode in its hidden folder, check it there, then rename it into place in one step."""
    (staging / EPISODE_FILE).write_text(text, encoding="utf-8")
    (staging / RECORD_FILE).write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    load_episode(staging / EPISODE_FILE, slug=slug)
    try:
        staging.rename(folder)
    except OSError as exc:
        raise MediapubError(f"could not create the episode folder: {exc.strerror}", subject=folder) from None
    staging.mkdir()  # the caller removes it again


def _update(existing: _Existing, text: str, files: Mapping[str, Path], record: Mapping[str, Any], slug: str) -> None:
    """Put the new downloads and episode.toml in place; if the result is not a valid episode, put the old back.

    Then drop the downloads of earlier ingests that nothing in the file names any more.
    """
    folder = existing.folder
    kept: list[tuple[Path, Path]] = []
    originals = [folder / name for name in files] + [folder / EPISODE_FILE, folder / RECORD_FILE]
    try:
        for original in originals:
            if original.exists():
                backup = original.with_name(f".{original.name}.{uuid.uuid4().hex[:8]}.old")
                os.replace(original, backup)
                kept.append((backup, original))
        for name, path in files.items():
            os.replace(path, folder / name)
        _write_atomically(folder / EPISODE_FILE, text)
        _write_atomically(folder / RECORD_FILE, json.dumps(record, indent=2, ensure_ascii=False))
        load_episode(folder / EPISODE_FILE, slug=slug)
    except BaseException:
        for name in files:
            (folder / name).unlink(missing_ok=True)
        for backup, original in kept:
            os.replace(backup, original)
        raise
    for backup, _ in kept:
        backup.unlink(missing_ok=True)
    for old in existing.record.get("files") or ():
        if _safe_name(old) and old not in files and old not in record["files"] and old not in text:
            (folder / old).unlink(missing_ok=True)


def _safe_name(name: object) -> bool:
    """A file name ingest may have written: a plain name in the episode folder, nothing else."""
    return (
        isinstance(name, str)
        and bool(name)
        and "/" not in name
        and "\\" not in name
        and not name.startswith(".")
        and name not in (EPISODE_FILE, RECORD_FILE)
    )


def _free_name(folder: Path, name: str, owned: set[str]) -> str:
    """``name``, unless the producer already has a file of that name there: then a name beside it."""
    if not (folder / name).exists() or name in owned:
        return name
    stem, dot, suffix = name.partition(".")
    for count in range(2, 100):
        candidate = f"{stem}-{count}{dot}{suffix}"
        if not (folder / candidate).exists() or candidate in owned:
            return candidate
    raise MediapubError("too many files of that name in the episode folder", subject=folder / name)


def _check_fields(document: tomlkit.TOMLDocument, folder: Path, slug: str, url: str) -> None:
    """The merged fields as an episode (files are checked later, once they are there)."""
    data = tomllib.loads(tomlkit.dumps(document))
    data.setdefault("recording", f"{RECORDING_STEM}.pending")
    data["slug"] = slug
    try:
        check_episode_fields(data, folder / EPISODE_FILE)
    except ConfigError as exc:
        raise MediapubError(f"this video does not make a valid episode: {exc.message}", subject=url) from None


def _write_atomically(path: Path, text: str) -> None:
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".partial")
    os.close(handle)
    try:
        Path(partial).write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        Path(partial).unlink(missing_ok=True)
