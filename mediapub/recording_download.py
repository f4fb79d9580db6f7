"""Recordings given as URLs in episode.toml: downloaded once, then taken from the cache.

An episode's ``recording`` may be the video's page (YouTube or any site
yt-dlp reads) rather than a file. Publishing needs only its sound, so only the
best audio is downloaded, into the mastering cache under the video's ID: a
republish, or another URL for the same video, downloads nothing. A YouTube ID
can be read off the URL, so a cached YouTube recording is found with no
network at all, which keeps ``--offline`` publishing possible; other sites
are remembered by URL after their first download.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pydantic import HttpUrl

from .cache import FileCache, cache_key
from .errors import EpisodeError
from .model import Episode, ShowSource, youtube_video_id
from .progress import Reporter
from .video_download import Access, VideoError, VideoSite, video_identity

#: Where downloads are kept in the cache, and the index from URL to video.
KIND, URL_INDEX = "recordings", "recording-urls"


def with_local_recordings(
    source: ShowSource,
    *,
    cache: FileCache | None,
    work: Path,
    access: Access,
    offline: bool,
    reporter: Reporter,
) -> ShowSource:
    """``source`` with every URL recording replaced by the downloaded file."""
    if not any(isinstance(episode.recording, HttpUrl) for episode in source.episodes):
        return source
    site = VideoSite(access)
    episodes = []
    for episode in source.episodes:
        if isinstance(episode.recording, HttpUrl):
            try:
                path = _recording(str(episode.recording), episode, site, cache, work, offline, reporter)
            except VideoError as exc:
                raise EpisodeError(episode.slug, exc) from None
            episode = episode.model_copy(update={"recording": path})
        episodes.append(episode)
    return dataclasses.replace(source, episodes=tuple(episodes))


def _recording(
    url: str,
    episode: Episode,
    site: VideoSite,
    cache: FileCache | None,
    work: Path,
    offline: bool,
    reporter: Reporter,
) -> Path:
    video = _known_video(url, cache)
    if video is not None:
        hit = _cached(cache, *video)
        if hit is not None:
            return hit
    if offline:
        raise VideoError("not downloaded yet, and --offline forbids fetching it; publish once without --offline",
                         subject=url)  # fmt: skip
    info = site.info(url)
    video = video_identity(info)
    hit = _cached(cache, *video)
    if hit is None:
        folder = work / "downloads" / episode.slug
        folder.mkdir(parents=True, exist_ok=True)
        size = info.get("filesize") or info.get("filesize_approx")
        with reporter.task(f"Downloading the recording of {episode.slug}", total=size, in_bytes=True) as advance:
            downloaded = site.download(info, folder, name="recording", progress=advance)
        if cache is not None:
            description = {"url": url, "ext": downloaded.suffix.lstrip("."), "title": str(info.get("title") or "")}
            cache.put(KIND, _file_key(*video), downloaded, description)
        hit = _cached(cache, *video) or downloaded
    if cache is not None:
        cache.put_json(URL_INDEX, cache_key(URL_INDEX, url), {"extractor": video[0], "id": video[1]})
    return hit


def _known_video(url: str, cache: FileCache | None) -> tuple[str, str] | None:
    """The (extractor, ID) of ``url`` without asking the site: YouTube's is in the URL, others were remembered."""
    youtube = youtube_video_id(url)
    if youtube:
        return "Youtube", youtube
    known = cache.get_json(URL_INDEX, cache_key(URL_INDEX, url)) if cache is not None else None
    if known and known.get("extractor") and known.get("id"):
        return str(known["extractor"]), str(known["id"])
    return None


def _file_key(extractor: str, video_id: str) -> str:
    return cache_key(KIND, extractor, video_id, "best audio")


def _cached(cache: FileCache | None, extractor: str, video_id: str) -> Path | None:
    if cache is None:
        return None
    key = _file_key(extractor, video_id)
    description = cache.get_json(KIND, key)
    if not description or not isinstance(description.get("ext"), str):
        return None
    hit = cache.get(KIND, key, f".{description['ext']}")
    return hit[0] if hit else None
