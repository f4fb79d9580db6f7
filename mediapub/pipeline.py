"""The publish pipeline: the ordered list of stages, and the only module that knows them all.

Read everything, then write. Every recording is probed, encoded and tagged in
a private work folder first; only when every episode has succeeded does
anything reach storage, so a failed run leaves the published show exactly as
it was. Then media and artwork go out under content-addressed keys (new
bytes, new key; nothing published is ever overwritten), then the manifest
and, last, the feed.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import mastering, notes, plot, tagging
from ._version import __version__
from .cache import FileCache
from .errors import EpisodeError, MediapubError
from .feed import FeedLinks, build_feed
from .ffmpeg import FFmpeg
from .manifest import MANIFEST_KEY, EpisodeRecord, Manifest, podcast_guid_for
from .model import (
    EncodedAudio,
    Episode,
    MediaInfo,
    PublishedEpisode,
    PublishResult,
    Show,
    ShowNotes,
    ShowSource,
    StoredObject,
)
from .progress import Reporter
from .storage import IMMUTABLE, SHORT_LIVED, Storage, sha256_of

log = logging.getLogger(__name__)


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


@dataclass(frozen=True, slots=True)
class _Prepared:
    """An episode made ready in the work folder, not yet stored."""

    episode: Episode
    guid: str
    audio: EncodedAudio
    key: str
    notes: ShowNotes


def publish(source: ShowSource, context: PublishContext) -> PublishResult:
    """Publish every episode of ``source`` and then the feed; see the module docstring for the order."""
    show, storage = source.show, context.storage
    feed_key = show.publish.feed_name
    feed_url = storage.public_url(feed_key)
    manifest = Manifest.parse(storage.get(MANIFEST_KEY))
    podcast_guid, derived = _podcast_guid(show, manifest, feed_url)

    recordings = {episode.slug: _probe(episode, context.ffmpeg) for episode in source.episodes}
    with tempfile.TemporaryDirectory(prefix="mediapub-") as work:
        prepared: list[_Prepared] = []
        failures: list[EpisodeError] = []
        for episode in source.episodes:
            guid = manifest.guid_for(episode, podcast_guid)
            try:
                prepared.append(_prepare(show, episode, recordings[episode.slug], guid, feed_url, Path(work), context))
            except MediapubError as exc:
                failures.append(EpisodeError(episode.slug, exc))
        if failures:
            raise PublishError(failures)

        artwork_key = _content_key("artwork", "cover", show.artwork.suffix.lower(), sha256_of(show.artwork))
        artwork = storage.put(artwork_key, show.artwork, cache_control=IMMUTABLE)
        published = [
            PublishedEpisode(
                episode=item.episode,
                guid=item.guid,
                media=storage.put(item.key, item.audio.path, cache_control=IMMUTABLE),
                duration=item.audio.duration,
                notes=item.notes,
                mastering=item.audio.report,
                loudness_plot=_put_plot(storage, item),
            )
            for item in prepared
        ]

    # Build everything before writing either, so a bad value cannot leave a manifest without its feed.
    links = FeedLinks(feed_url=feed_url, artwork_url=artwork.url)
    feed_bytes = build_feed(show, published, links, podcast_guid=podcast_guid, generator=f"mediapub {__version__}")
    records = {item.episode.slug: _record(item) for item in published}
    manifest_bytes = manifest.with_episodes(podcast_guid, records).to_bytes()
    manifest_object = storage.put(MANIFEST_KEY, manifest_bytes, cache_control=SHORT_LIVED)
    feed = storage.put(feed_key, feed_bytes, cache_control=SHORT_LIVED)
    if derived and feed.written:
        context.reporter.warn(
            f'first publish here: pin this show\'s identity by adding guid = "{podcast_guid}" to show.toml, '
            "so episode GUIDs stay the same if the show moves"
        )
    for stored in (artwork, *(item.media for item in published), manifest_object, feed):
        log.info("%s %s (%d bytes)", "stored" if stored.written else "unchanged", stored.key, stored.size)
    return PublishResult(
        episodes=tuple(published),
        objects=(artwork, *_episode_objects(published), manifest_object, feed),
        feed=feed,
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


def _probe(episode: Episode, ffmpeg: FFmpeg) -> MediaInfo:
    assert isinstance(episode.recording, Path)  # URLs are refused by the loader until ingest exists
    try:
        info = ffmpeg.probe(episode.recording)
        mastering.check_recording(info, episode.recording)
    except MediapubError as exc:
        raise EpisodeError(episode.slug, exc) from None
    log.info("%s: %.1f s of %s audio", episode.slug, info.duration, info.audio_codec)
    return info


def _prepare(
    show: Show, episode: Episode, recording: MediaInfo, guid: str, feed_url: str, work: Path, context: PublishContext
) -> _Prepared:
    """Encode, describe and tag one episode inside the work folder."""
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
    show_notes = notes.render_notes(episode)
    values = tagging.TagValues(
        show=show,
        episode=episode,
        guid=guid,
        description=show_notes.text,
        feed_url=feed_url,
        episode_url=str(episode.youtube or show.link),
    )
    tagging.write_tags(encoded.path, values)
    key = _content_key(f"episodes/{episode.slug}", episode.slug, f".{encoded.extension}", sha256_of(encoded.path))
    return _Prepared(episode=episode, guid=guid, audio=encoded, key=key, notes=show_notes)


def _put_plot(storage: Storage, item: _Prepared) -> StoredObject | None:
    """The loudness-over-time picture, beside the episode's media, for producers to look at."""
    if item.audio.report is None:
        return None
    image = plot.loudness_plot(item.audio.report, f"{item.episode.number}: {item.episode.title}")
    key = _content_key(f"episodes/{item.episode.slug}", "loudness", ".png", sha256_of(image))
    return storage.put(key, image, cache_control=IMMUTABLE)


def _episode_objects(published: list[PublishedEpisode]) -> list[StoredObject]:
    objects = []
    for item in published:
        objects.append(item.media)
        if item.loudness_plot is not None:
            objects.append(item.loudness_plot)
    return objects


def _record(item: PublishedEpisode) -> EpisodeRecord:
    return EpisodeRecord(
        guid=item.guid,
        number=item.episode.number,
        season=item.episode.season,
        media_key=item.media.key,
        media_size=item.media.size,
        media_sha256=item.media.sha256,
    )


def _content_key(folder: str, stem: str, suffix: str, digest: str) -> str:
    """Keys carry the content hash: changed bytes get a new key, so nothing published is overwritten."""
    return f"{folder}/{stem}-{digest[:12]}{suffix}"
