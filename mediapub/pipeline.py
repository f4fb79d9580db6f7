"""The publish pipeline: the ordered list of stages, and the only module that knows them all.

Read everything, then write: every recording is probed before the first byte
is stored, so a bad episode stops the run while the published show is still
untouched. Media goes out first under content-addressed keys (new bytes, new
key; nothing published is ever overwritten), then the manifest and, last,
the feed, which is only rewritten when every episode succeeded.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import audio, notes, tagging
from ._version import __version__
from .config import display_path
from .errors import ConfigError, EpisodeError, MediapubError
from .feed import FeedLinks, build_feed
from .ffmpeg import FFmpeg
from .manifest import MANIFEST_KEY, EpisodeRecord, Manifest, podcast_guid_for
from .model import Episode, MediaInfo, PublishedEpisode, PublishResult, ShowSource
from .progress import Reporter
from .storage import Storage
from .storage.base import IMMUTABLE, SHORT_LIVED, sha256_of


class PublishError(MediapubError):
    """Some episodes failed; the feed was left as it was."""

    def __init__(self, failures: list[EpisodeError]) -> None:
        self.failures = failures
        count = len(failures)
        super().__init__(f"{count} episode{'s' if count != 1 else ''} failed; the feed was not updated")


@dataclass(frozen=True, slots=True)
class PublishContext:
    """What the stages share for one run: where to write, how to run ffmpeg, how to report."""

    storage: Storage
    ffmpeg: FFmpeg
    reporter: Reporter


def publish(source: ShowSource, context: PublishContext) -> PublishResult:
    """Publish every episode of ``source`` and then the feed; see the module docstring for the order."""
    show, storage = source.show, context.storage
    feed_key = show.publish.feed_name
    feed_url = storage.public_url(feed_key)
    manifest = Manifest.parse(storage.get(MANIFEST_KEY))
    podcast_guid = str(show.guid) if show.guid else manifest.podcast_guid or podcast_guid_for(feed_url)

    recordings = {episode.slug: _probe(episode, source, context.ffmpeg) for episode in source.episodes}
    artwork = storage.put(
        _content_key("artwork", "cover", show.artwork.suffix.lower(), sha256_of(show.artwork)),
        show.artwork,
        cache_control=IMMUTABLE,
    )
    published: list[PublishedEpisode] = []
    failures: list[EpisodeError] = []
    with tempfile.TemporaryDirectory(prefix="mediapub-") as work:
        for episode in source.episodes:
            guid = manifest.guid_for(episode, podcast_guid)
            try:
                published.append(
                    _publish_episode(source, episode, recordings[episode.slug], guid, feed_url, Path(work), context)
                )
            except MediapubError as exc:
                failures.append(EpisodeError(episode.slug, exc))
    if failures:
        raise PublishError(failures)

    records = {
        item.episode.slug: EpisodeRecord(
            guid=item.guid,
            number=item.episode.number,
            season=item.episode.season,
            media_key=item.media.key,
            media_size=item.media.size,
            media_sha256=item.media.sha256,
        )
        for item in published
    }
    manifest_object = storage.put(
        MANIFEST_KEY, manifest.with_episodes(podcast_guid, records).to_bytes(), cache_control=SHORT_LIVED
    )
    links = FeedLinks(feed_url=feed_url, artwork_url=artwork.url)
    feed = storage.put(
        feed_key, build_feed(show, published, links, generator=f"mediapub {__version__}"), cache_control=SHORT_LIVED
    )
    objects = (artwork, *(item.media for item in published), manifest_object, feed)
    return PublishResult(episodes=tuple(published), objects=objects, feed=feed)


def _probe(episode: Episode, source: ShowSource, ffmpeg: FFmpeg) -> MediaInfo:
    if not isinstance(episode.recording, Path):
        raise ConfigError(
            "recording URLs are downloaded by `mediapub ingest`, which is not available yet; give a local file",
            file=display_path(source.episode_files[episode.slug]),
            field="recording",
        )
    try:
        info = ffmpeg.probe(episode.recording)
        audio.check_recording(info, episode.recording)
    except MediapubError as exc:
        raise EpisodeError(episode.slug, exc) from None
    return info


def _publish_episode(
    source: ShowSource,
    episode: Episode,
    recording: MediaInfo,
    guid: str,
    feed_url: str,
    work: Path,
    context: PublishContext,
) -> PublishedEpisode:
    show = source.show
    assert isinstance(episode.recording, Path)  # checked by _probe
    encoded_path = work / f"{episode.slug}.mp3"
    with context.reporter.task(f"Encoding {episode.slug}", total=recording.duration) as advance:
        encoded = audio.encode_mp3(context.ffmpeg, episode.recording, encoded_path, show.audio, on_progress=advance)
    show_notes = notes.render_notes(episode)
    tagging.write_id3(
        encoded.path,
        tagging.TagValues(
            show=show,
            episode=episode,
            guid=guid,
            description=show_notes.text,
            feed_url=feed_url,
            episode_url=str(episode.youtube or show.link),
        ),
    )
    key = _content_key(f"episodes/{episode.slug}", episode.slug, f".{encoded.extension}", sha256_of(encoded.path))
    media = context.storage.put(key, encoded.path, cache_control=IMMUTABLE)
    return PublishedEpisode(episode=episode, guid=guid, media=media, duration=encoded.duration, notes=show_notes)


def _content_key(folder: str, stem: str, suffix: str, digest: str) -> str:
    """Keys carry the content hash: changed bytes get a new key, so nothing published is overwritten."""
    return f"{folder}/{stem}-{digest[:12]}{suffix}"


def summarize(result: PublishResult, *, dry_run: bool) -> dict[str, object]:
    """The ``--json`` summary: episodes published and every file with its size."""
    return {
        "dry_run": dry_run,
        "episodes": [
            {
                "slug": item.episode.slug,
                "number": item.episode.number,
                "title": item.episode.title,
                "guid": item.guid,
                "duration": round(item.duration, 3),
                "media": item.media.url,
                "size": item.media.size,
            }
            for item in result.episodes
        ],
        "files": [
            {"key": obj.key, "url": obj.url, "size": obj.size, "content_type": obj.content_type, "written": obj.written}
            for obj in result.objects
        ],
        "feed": {"key": result.feed.key, "url": result.feed.url, "size": result.feed.size},
    }
