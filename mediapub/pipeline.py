"""The publish pipeline: the ordered list of stages, and the only module that knows them all.

Read everything, then write. Every recording is probed, encoded and tagged in
a private work folder first; only when every episode has succeeded does
anything reach storage, so a failed run leaves the published show exactly as
it was. Then media and artwork go out under content-addressed keys (new
bytes, new key; nothing published is ever overwritten), then the manifest
and, last, the feed.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import overload

from . import articles, chapters, images, mastering, notes, plot, site, tagging
from ._version import __version__
from .articles import ArticleOptions
from .cache import FileCache, cache_key
from .config import display_path
from .errors import ConfigError, EpisodeError, MediapubError
from .feed import FeedItem, FeedLinks, feed_documents, listing, read_item, render_items
from .ffmpeg import FFmpeg
from .manifest import MANIFEST_KEY, EpisodeRecord, Manifest, podcast_guid_for
from .model import (
    ArticleNote,
    ChapterMark,
    EncodedAudio,
    Episode,
    MasterReport,
    MediaInfo,
    PublishedEpisode,
    PublishResult,
    Show,
    ShowNotes,
    ShowSource,
    StoredObject,
)
from .progress import Reporter
from .recording_download import with_local_recordings
from .site import Site, SiteLinks
from .storage import IMMUTABLE, SHORT_LIVED, Storage, sha256_of
from .validate import validate_feed
from .video_download import Access

log = logging.getLogger(__name__)

#: Each episode's item document lives here; the feed is composed from all of them.
ITEMS_PREFIX = "items/"
#: How many times one publish composes the feed again while others keep adding episodes.
MAX_FEED_ROUNDS = 5
#: How many episodes are stored at once.
STORE_WORKERS = 8


class PublishError(MediapubError):
    """Some episodes failed; nothing was stored and the feed was left as it was."""

    def __init__(self, failures: list[EpisodeError]) -> None:
        self.failures = failures
        count = len(failures)
        super().__init__(f"{count} episode{'s' if count != 1 else ''} failed; nothing was published")


@dataclass(frozen=True, slots=True)
class PublishContext:
    """What the stages share for one run: where to write, how to run ffmpeg, how to report."""

    storage: Storage
    ffmpeg: FFmpeg
    reporter: Reporter
    #: Where finished masters are kept so an unchanged recording is not processed again; None turns it off.
    cache: FileCache | None = None
    #: How linked articles may be fetched (``--offline``, ``--refresh``, ``--strict``).
    articles: ArticleOptions = field(default_factory=ArticleOptions)
    #: Where recordings given as URLs are kept once downloaded (not turned off by --no-cache: that is about masters).
    downloads: FileCache | None = None
    #: Cookies for recordings given as members-only video URLs.
    video_access: Access = field(default_factory=Access)
    #: A dry run leaves the show folder alone too: the article cache is read, never written.
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class _Pending:
    """A file made ready to store under a content-addressed key."""

    key: str
    data: bytes | Path


@dataclass(frozen=True, slots=True)
class _Prepared:
    """An episode made ready in the work folder, not yet stored: its audio and the files beside it."""

    episode: Episode
    guid: str
    audio: EncodedAudio
    media: _Pending
    notes: ShowNotes
    plot: _Pending | None
    notes_file: _Pending
    transcripts: tuple[_Pending, ...]
    video: _Pending | None
    poster: _Pending | None
    chapters: _Pending | None
    image: _Pending | None
    chapter_images: tuple[_Pending, ...]
    marks: tuple[ChapterMark, ...] = ()
    page_url: str | None = None


def publish(source: ShowSource, context: PublishContext) -> PublishResult:
    """Publish every episode of ``source`` and then the feed; see the module docstring for the order."""
    with tempfile.TemporaryDirectory(prefix="mediapub-") as work:
        return _publish(source, context, Path(work))


def _publish(source: ShowSource, context: PublishContext, work: Path) -> PublishResult:
    source = with_local_recordings(
        source,
        cache=context.downloads,
        work=work,
        access=context.video_access,
        offline=context.articles.offline,
        reporter=context.reporter,
    )
    show, storage = source.show, context.storage
    pages = Site(show) if show.site.enabled else None  # templates first: a broken override fails before any work
    if pages is not None:
        _check_show_page_is_ours(context.storage)
    feed_key = show.publish.feed_name
    feed_url = storage.public_url(feed_key)
    manifest = Manifest.parse(storage.get(MANIFEST_KEY))
    podcast_guid, derived = _podcast_guid(show, manifest, feed_url)

    recordings = {episode.slug: _probe(episode, context.ffmpeg, context.cache) for episode in source.episodes}
    for episode in source.episodes:
        _check_chapters(episode, recordings[episode.slug], source)
    read = _read_articles(source, context)
    prepared: list[_Prepared] = []
    failures: list[EpisodeError] = []
    pictures = _Pictures()
    for episode in source.episodes:
        guid = manifest.guid_for(episode, podcast_guid)
        try:
            prepared.append(
                _prepare(
                    show,
                    episode,
                    recordings[episode.slug],
                    read[episode.slug],
                    guid,
                    feed_url,
                    work,
                    context,
                    pictures,
                )
            )
        except MediapubError as exc:
            failures.append(EpisodeError(episode.slug, exc))
    if failures:
        raise PublishError(failures)

    show_artwork = _artwork(show.artwork)
    artwork = _put(storage, show_artwork)
    # Episodes go up side by side: a bucket serves many requests at once, and most are quick HEADs.
    total = sum(_size(pending.data) for item in prepared for pending in _files(item))
    with context.reporter.task(f"Storing {len(prepared)} episodes", total=total, in_bytes=True) as advance:
        done = _Tally(advance)
        with ThreadPoolExecutor(max_workers=STORE_WORKERS) as pool:
            published = list(pool.map(functools.partial(_store, storage, done), prepared))

    # Build everything before writing either, so a bad value cannot leave a manifest without its feed.
    assert isinstance(show_artwork.data, bytes)
    links = FeedLinks(feed_url=feed_url, artwork_url=artwork.url, artwork_side=images.width_of(show_artwork.data))
    generator = f"mediapub {__version__}"
    own = {_item_key(item.guid): item for item in render_items(show, published, links, podcast_guid=podcast_guid,
                                                               generator=generator)}  # fmt: skip
    # Check the feed these episodes make before storing anything that other publishes would pick up.
    for document in feed_documents(show, list(own.values()), links, feed_key=feed_key, public_url=storage.public_url,
                                   podcast_guid=podcast_guid, generator=generator):  # fmt: skip
        _check_feed(document.data, context.reporter, quiet=True)
    thumbnail = _put(storage, _thumbnail(show.artwork)) if pages is not None else None
    site_links = SiteLinks(feed_url=feed_url, artwork=artwork, public_url=storage.public_url,
                           artwork_side=links.artwork_side, thumbnail=thumbnail)  # fmt: skip
    site_objects = _write_site(pages, published, site_links, storage)
    item_objects = [storage.put(key, item.document, cache_control=SHORT_LIVED) for key, item in own.items()]
    records = {item.episode.slug: _record(item) for item in published}
    # Read it again just before writing: another publish may have added its episodes since this one began.
    latest = Manifest.parse(storage.get(MANIFEST_KEY))
    manifest_bytes = latest.with_episodes(podcast_guid, records).to_bytes()
    manifest_object = storage.put(MANIFEST_KEY, manifest_bytes, cache_control=SHORT_LIVED)
    archives, feed = _write_feed(show, links, own, storage, context.reporter, feed_key, podcast_guid, generator,
                                 show_page=functools.partial(_write_show_page, pages, site_links, storage))  # fmt: skip
    if derived and feed.written:
        context.reporter.warn(
            f'first publish here: pin this show\'s identity by adding guid = "{podcast_guid}" to show.toml, '
            "so episode GUIDs stay the same if the show moves"
        )
    objects = (
        artwork,
        *([thumbnail] if thumbnail else []),
        *_episode_objects(published),
        *site_objects,
        *item_objects,
        manifest_object,
        *archives,
        feed,
    )
    for stored in objects:
        log.info("%s %s (%d bytes)", "stored" if stored.written else "unchanged", stored.key, stored.size)
    return PublishResult(episodes=tuple(published), objects=objects, feed=feed)


def _write_site(
    pages: Site | None, published: list[PublishedEpisode], links: SiteLinks, storage: Storage
) -> list[StoredObject]:
    """The episodes' web pages, after the media they play and before the feed that links to them."""
    if pages is None:
        return []
    files = pages.build(published, links)
    return [storage.put(f.key, f.data, cache_control=IMMUTABLE if f.immutable else SHORT_LIVED) for f in files]


def _write_show_page(
    pages: Site | None, links: SiteLinks, storage: Storage, items: list[FeedItem]
) -> StoredObject | None:
    """The show page lists what the feed lists: every stored episode, whichever publish stored it."""
    if pages is None:
        return None
    # Only the newest are listed, so only they are read back (a show of 10,000 episodes reads a dozen).
    newest = sorted(items, key=lambda item: (item.date, item.number), reverse=True)[: pages.show.site.latest]
    page = pages.show_page([listing(item) for item in newest], links)
    return storage.put(page.key, page.data, cache_control=SHORT_LIVED)


def _check_show_page_is_ours(storage: Storage) -> None:
    """A site already at the base URL (a WordPress export, say) must not be replaced by the show page."""
    existing = storage.get(site.SHOW_PAGE)
    if existing is not None and site.GENERATOR_MARK not in existing:
        raise MediapubError(
            f"{site.SHOW_PAGE} there was not written by mediapub; move it, or set [site] enabled = false",
            subject=storage.public_url(site.SHOW_PAGE),
        )


def _item_key(guid: str) -> str:
    """Where an episode's item document is kept: named by its GUID, which never changes."""
    return f"{ITEMS_PREFIX}{hashlib.sha256(guid.encode()).hexdigest()[:32]}.xml"


def _write_feed(
    show: Show,
    links: FeedLinks,
    own: dict[str, FeedItem],
    storage: Storage,
    reporter: Reporter,
    feed_key: str,
    podcast_guid: str,
    generator: str,
    show_page: Callable[[list[FeedItem]], StoredObject | None] = lambda items: None,
) -> tuple[list[StoredObject], StoredObject]:
    """Compose the feed from every stored item, write it, and again if items arrived meanwhile.

    Another publish may be adding its episodes at the same time. Each publish
    stores its items before composing; after writing the feed it lists the
    items again, and composes and writes again if the list changed. The last
    feed written was composed after its writer's final listing, so it holds
    every item stored before then, and anything stored later belongs to a
    publish that composes and writes after it: no episode is lost.
    """
    for _ in range(MAX_FEED_ROUNDS):
        keys = storage.list(ITEMS_PREFIX)
        found = [own[key] if key in own else _stored_item(storage, key) for key in keys]
        items = [item for item in found if item is not None]
        documents = feed_documents(
            show, items, links, feed_key=feed_key, public_url=storage.public_url, podcast_guid=podcast_guid,
            generator=generator,
        )  # fmt: skip
        for document in documents:
            _check_feed(document.data, reporter, quiet=document.key != feed_key)
        archives = [storage.put(d.key, d.data, cache_control=SHORT_LIVED) for d in documents if d.key != feed_key]
        page = show_page(items)
        archives += [page] if page is not None else []
        feed = storage.put(feed_key, documents[-1].data, cache_control=SHORT_LIVED)
        if storage.list(ITEMS_PREFIX) == keys:
            return archives, feed
        log.info("episodes were added while this feed was written; composing it again")
    raise MediapubError("other publishes kept adding episodes; run again to include them all")


def _stored_item(storage: Storage, key: str) -> FeedItem | None:
    data = storage.get(key)
    if data is None:
        return None
    try:
        return read_item(data)
    except ValueError:
        log.warning("%s is not an item document; it was left out of the feed", key)
        return None


def _check_feed(feed_bytes: bytes, reporter: Reporter, *, quiet: bool = False) -> None:
    """Refuse to publish a feed a directory would reject (the checks of ``mediapub validate``)."""
    findings = validate_feed(feed_bytes)
    for finding in findings:
        if finding.severity == "warning" and not quiet:
            reporter.warn(f"feed: {finding.element}: {finding.message} [{finding.source}]")
    errors = [finding for finding in findings if finding.severity == "error"]
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise MediapubError(
            f"the feed would be rejected, so the published feed was left as it was: {errors[0].line()}{more}"
        )


def _podcast_guid(show: Show, manifest: Manifest, feed_url: str) -> tuple[str, bool]:
    """``podcast:guid``: pinned in show.toml, else as first published, else derived from the feed URL.

    The flag says it was derived just now: the producer should pin it, because a
    show that moves without its manifest would otherwise derive another one.
    """
    if show.guid:
        return str(show.guid), False
    if manifest.podcast_guid:
        return manifest.podcast_guid, False
    return podcast_guid_for(feed_url), True


def _probe(episode: Episode, ffmpeg: FFmpeg, cache: FileCache | None) -> MediaInfo:
    assert isinstance(episode.recording, Path)  # URLs were downloaded by with_local_recordings
    try:
        info = _probe_with_cache(episode.recording, ffmpeg, cache)
        mastering.check_recording(info, episode.recording)
    except MediapubError as exc:
        raise EpisodeError(episode.slug, exc) from None
    log.info("%s: %.1f s of %s audio", episode.slug, info.duration, info.audio_codec)
    return info


def _probe_with_cache(path: Path, ffmpeg: FFmpeg, cache: FileCache | None) -> MediaInfo:
    """What ffmpeg says about a recording, remembered while the file's size and modification time stay the same."""
    if cache is None:
        return ffmpeg.probe(path)
    stat = path.stat()
    key = cache_key("probe", str(path.resolve()), stat.st_size, stat.st_mtime_ns, ffmpeg.version)
    known = cache.get_json("probes", key)
    if known is not None:
        try:
            return MediaInfo(**known)
        except TypeError:
            pass  # written by another version of mediapub: probe again
    info = ffmpeg.probe(path)
    cache.put_json("probes", key, dataclasses.asdict(info))
    return info


def _check_chapters(episode: Episode, recording: MediaInfo, source: ShowSource) -> None:
    """Chapters must fall inside the recording: a config mistake, caught before any audio work."""
    problem = chapters.outside_audio(episode.chapters, recording.duration)
    if problem:
        index, message = problem
        raise ConfigError(message, file=display_path(source.episode_files[episode.slug]), field=f"chapters[{index}]")


def _read_articles(source: ShowSource, context: PublishContext) -> dict[str, tuple[ArticleNote, ...]]:
    """Every episode's linked articles, read before any audio work (``--strict`` fails fast here)."""
    cache = articles.ArticleCache(source.root / articles.CACHE_FOLDER, read_only=context.dry_run)
    read: dict[str, tuple[ArticleNote, ...]] = {}
    failures: list[EpisodeError] = []
    for episode in source.episodes:
        if not episode.articles:
            read[episode.slug] = ()
            continue
        warn = functools.partial(_warn_about, context.reporter, episode.slug)
        try:
            with context.reporter.task(f"Reading {len(episode.articles)} articles for {episode.slug}"):
                read[episode.slug] = articles.read_articles(episode.articles, cache, context.articles, warn)
        except MediapubError as exc:
            failures.append(EpisodeError(episode.slug, exc))
    if failures:
        raise PublishError(failures)
    return read


def _warn_about(reporter: Reporter, slug: str, text: str) -> None:
    reporter.warn(f"episode {slug}: {text}")


def _prepare(
    show: Show,
    episode: Episode,
    recording: MediaInfo,
    article_notes: tuple[ArticleNote, ...],
    guid: str,
    feed_url: str,
    work: Path,
    context: PublishContext,
    covers: _Pictures,
) -> _Prepared:
    """Master, describe and tag one episode inside the work folder."""
    assert isinstance(episode.recording, Path)
    settings = show.audio.merged(episode.audio)
    codec = mastering.codec_for(settings)
    with context.reporter.task(f"Mastering {episode.slug}", total=recording.duration) as advance:
        encoded = mastering.master(
            context.ffmpeg,
            episode.recording,
            work / f"{episode.slug}.{codec.extension}",
            settings,
            cache=context.cache,
            on_progress=advance,
        )
    folder = f"episodes/{episode.slug}"
    offset = encoded.report.timeline_offset if encoded.report else 0.0
    marks = chapters.place_chapters(episode.chapters, encoded.duration, offset)
    pictures = {path: covers.get(path, images.CHAPTER_SIDE) for path in _chapter_pictures(episode)}
    picture_files = {path: _content_key(folder, "chapter", path.suffix.lower(), sha256_of(path)) for path in pictures}
    show_notes = notes.render_notes(episode, article_notes, marks)
    tags = tagging.episode_tags(
        show,
        episode,
        guid=guid,
        description=show_notes.text,
        feed_url=feed_url,
        # Not the episode page: the tag is part of the audio's bytes (and so of its key), which must not change
        # when pages are turned on or the preview uses another base URL.
        episode_url=str(episode.youtube or show.link),
        cover=covers.get(episode.artwork or show.artwork, images.EMBEDDED_SIDE),
        chapters=marks,
        chapter_images=pictures,
    )
    tagging.write_tags(encoded.path, tags, context.ffmpeg, id3_version=show.tags.id3_version)

    chapter_file = None
    if marks:
        urls = {path: context.storage.public_url(key) for path, key in picture_files.items()}
        document = chapters.chapters_json(marks, title=episode.title, podcast=show.title, images=urls)
        chapter_file = _Pending(_content_key(folder, "chapters", ".json", sha256_of(document)), document)
    markdown = f"# {episode.number}: {episode.title}\n\n{show_notes.markdown}".encode()
    notes_file = _Pending(_content_key(folder, "notes", ".md", sha256_of(markdown)), markdown)
    plot_file = None
    if encoded.report is not None:
        picture = _plot(encoded.report, f"{episode.number}: {episode.title}", work, context.cache)
        plot_file = _Pending(_content_key(folder, "loudness", ".png", sha256_of(picture)), picture)
    return _Prepared(
        episode=episode,
        guid=guid,
        audio=encoded,
        media=_Pending(
            _content_key(folder, episode.slug, f".{encoded.extension}", sha256_of(encoded.path)), encoded.path
        ),
        notes=show_notes,
        plot=plot_file,
        notes_file=notes_file,
        transcripts=tuple(_beside(folder, "transcript", path) for path in episode.transcript),
        video=_optional_beside(folder, f"{episode.slug}-video", episode.video),
        poster=_optional_beside(folder, f"{episode.slug}-poster", episode.poster),
        chapters=chapter_file,
        image=_artwork(episode.artwork) if episode.artwork else None,
        chapter_images=tuple(_Pending(key, path) for path, key in picture_files.items()),
        marks=marks,
        page_url=_page_url(show, episode, context.storage),
    )


def _page_url(show: Show, episode: Episode, storage: Storage) -> str | None:
    if not show.site.enabled:
        return None
    return site.page_url(storage.public_url, site.episode_page_key(episode.slug), clean=show.site.clean_urls)


def _plot(report: MasterReport, title: str, work: Path, cache: FileCache | None) -> bytes:
    """The loudness picture; an unchanged master and title give the same one, so it is drawn once."""
    if cache is None:
        return plot.loudness_plot(report, title)
    key = cache_key("plot", plot.PLOT_VERSION, title, dataclasses.asdict(replace(report, cached=False)))
    hit = cache.get("plots", key, ".png")
    if hit is not None:
        return hit[0].read_bytes()
    picture = plot.loudness_plot(report, title)
    drawn = work / f"plot-{key[:16]}.png"
    drawn.write_bytes(picture)
    cache.put("plots", key, drawn, {})
    return picture


@dataclass(slots=True)
class _Tally:
    """Bytes stored so far, for the progress bar; the threads storing episodes all add to it."""

    report: Callable[[float], None]
    done: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, size: int) -> None:
        with self.lock:
            self.done += size
            self.report(self.done)


def _files(item: _Prepared) -> list[_Pending]:
    found = [item.media, item.plot, item.notes_file, item.video, item.poster, item.chapters, item.image]
    return [pending for pending in (*found, *item.transcripts, *item.chapter_images) if pending is not None]


def _size(data: bytes | Path) -> int:
    return data.stat().st_size if isinstance(data, Path) else len(data)


def _store(storage: Storage, tally: _Tally, item: _Prepared) -> PublishedEpisode:
    """Store one prepared episode's files (the media first) and say where they are."""
    put = functools.partial(_put_optional, storage, tally)
    return PublishedEpisode(
        episode=item.episode,
        guid=item.guid,
        media=_put(storage, item.media, tally),
        duration=item.audio.duration,
        notes=item.notes,
        mastering=item.audio.report,
        loudness_plot=put(item.plot),
        notes_file=put(item.notes_file),
        transcripts=tuple(_put(storage, pending, tally) for pending in item.transcripts),
        video=put(item.video),
        poster=put(item.poster),
        poster_size=_size_of_picture(item.poster),
        chapter_marks=item.marks,
        page_url=item.page_url,
        chapters=put(item.chapters),
        image=put(item.image),
        extras=tuple(_put(storage, pending, tally) for pending in item.chapter_images),
    )


def _put_optional(storage: Storage, tally: _Tally, pending: _Pending | None) -> StoredObject | None:
    return None if pending is None else _put(storage, pending, tally)


@dataclass(slots=True)
class _Pictures:
    """Embedded covers made once per publish: every episode of a show usually shares one artwork."""

    made: dict[tuple[Path, int], bytes] = field(default_factory=dict)

    def get(self, path: Path, side: int) -> bytes:
        if (path, side) not in self.made:
            self.made[(path, side)] = images.embedded_cover(path, side=side)
        return self.made[(path, side)]


def _beside(folder: str, stem: str, path: Path) -> _Pending:
    """A file the producer supplied, stored as it is beside the episode under a content-addressed key."""
    return _Pending(_content_key(folder, stem, path.suffix.lower(), sha256_of(path)), path)


def _optional_beside(folder: str, stem: str, path: Path | None) -> _Pending | None:
    return None if path is None else _beside(folder, stem, path)


def _size_of_picture(pending: _Pending | None) -> tuple[int, int] | None:
    if pending is None or not isinstance(pending.data, Path):
        return None
    info = images.read_image_info(pending.data)
    return info.width, info.height


def _chapter_pictures(episode: Episode) -> list[Path]:
    return list(dict.fromkeys(chapter.image for chapter in episode.chapters if chapter.image is not None))


def _artwork(path: Path) -> _Pending:
    """Artwork as the feed links it (converted only if it has to be), under a key naming its content."""
    data, suffix = images.feed_artwork(path)
    return _Pending(_content_key("artwork", "cover", suffix, sha256_of(data)), data)


def _thumbnail(path: Path) -> _Pending:
    data = images.embedded_cover(path, images.THUMBNAIL_SIDE, images.THUMBNAIL_MAX_BYTES)
    return _Pending(_content_key("artwork", "thumb", ".jpg", sha256_of(data)), data)


@overload
def _put(storage: Storage, pending: _Pending, tally: _Tally | None = None) -> StoredObject: ...
@overload
def _put(storage: Storage, pending: None, tally: _Tally | None = None) -> None: ...
def _put(storage: Storage, pending: _Pending | None, tally: _Tally | None = None) -> StoredObject | None:
    if pending is None:
        return None
    stored = storage.put(pending.key, pending.data, cache_control=IMMUTABLE)
    if tally is not None:
        tally.add(stored.size)
    return stored


def _episode_objects(published: list[PublishedEpisode]) -> list[StoredObject]:
    objects: list[StoredObject] = []
    for item in published:
        found = (item.media, item.video, item.poster, *item.transcripts, item.image, item.chapters, *item.extras,
                 item.notes_file, item.loudness_plot)  # fmt: skip
        objects += [obj for obj in found if obj]
    return objects


def _record(item: PublishedEpisode) -> EpisodeRecord:
    return EpisodeRecord(
        guid=item.guid,
        number=item.episode.number,
        season=item.episode.season,
        media_key=item.media.key,
        media_size=item.media.size,
        media_sha256=item.media.sha256,
        date=item.episode.date.isoformat(),
    )


def _content_key(folder: str, stem: str, suffix: str, digest: str) -> str:
    """Keys carry the content hash: changed bytes get a new key, so nothing published is overwritten."""
    return f"{folder}/{stem}-{digest[:12]}{suffix}"
