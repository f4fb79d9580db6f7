"""The manifest: what has been published, kept in storage beside the feed.

Its first job is to pin identities. Once an episode has gone out, its GUID
must never change, even if the show's base URL, the episode's slug or
mediapub's derivation rules change later; the manifest remembers every GUID
ever published and is consulted before any GUID is derived.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from .errors import StorageError
from .model import Episode

MANIFEST_KEY = "mediapub-manifest.json"
FORMAT = 1
#: The Podcasting 2.0 namespace for podcast:guid (UUIDv5 of the feed URL).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


def podcast_guid_for(feed_url: str) -> str:
    """``podcast:guid``: UUIDv5 of the feed URL without its scheme and trailing slashes."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


@dataclass(frozen=True, slots=True)
class EpisodeRecord:
    """What the manifest remembers of one published episode."""

    guid: str
    number: int
    season: int | None
    media_key: str
    media_size: int
    media_sha256: str
    #: The release date (ISO), so a renamed folder is told apart from a new episode reusing a number.
    date: str | None = None


@dataclass(frozen=True, slots=True)
class Manifest:
    podcast_guid: str | None = None
    episodes: dict[str, EpisodeRecord] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: bytes | None) -> Manifest:
        if data is None:
            return cls()
        try:
            raw = json.loads(data)
            if raw.get("format") != FORMAT:
                raise ValueError(f"unknown format {raw.get('format')!r}")
            episodes = {slug: EpisodeRecord(**record) for slug, record in raw.get("episodes", {}).items()}
            return cls(podcast_guid=raw.get("podcast_guid"), episodes=episodes)
        except (ValueError, TypeError, AttributeError) as exc:
            # Guessing here could hand published episodes new GUIDs; a human must look.
            raise StorageError(f"{MANIFEST_KEY} is damaged ({exc}); restore it from a backup") from None

    def to_bytes(self) -> bytes:
        body = {
            "format": FORMAT,
            "podcast_guid": self.podcast_guid,
            "episodes": {
                slug: {name: getattr(record, name) for name in EpisodeRecord.__slots__}
                for slug, record in sorted(self.episodes.items())
            },
        }
        return (json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()

    def guid_for(self, episode: Episode, podcast_guid: str) -> str:
        """The episode's GUID: set in episode.toml, else as published before, else derived."""
        if episode.guid:
            return episode.guid
        record = self.episodes.get(episode.slug) or self._by_number(episode)
        if record is not None:
            return record.guid
        return str(uuid.uuid5(uuid.UUID(podcast_guid), episode.slug))

    def _by_number(self, episode: Episode) -> EpisodeRecord | None:
        """A renamed folder keeps its number and its date: then, and only then, the GUID follows it.

        A new episode that reuses the number of one no longer in the show folder
        has another date, and must not take over the old episode's GUID (its item
        would replace the old one in the feed).
        """
        date = episode.date.isoformat()
        matches = {
            r.guid: r
            for r in self.episodes.values()
            if (r.season, r.number) == (episode.season, episode.number) and (r.date is None or r.date == date)
        }
        return next(iter(matches.values())) if len(matches) == 1 else None

    def with_episodes(self, podcast_guid: str, records: dict[str, EpisodeRecord]) -> Manifest:
        """A new manifest with ``records`` added; earlier entries stay, except those renamed to a new slug."""
        guids = {record.guid for record in records.values()}
        kept = {slug: r for slug, r in self.episodes.items() if slug in records or r.guid not in guids}
        return Manifest(podcast_guid=podcast_guid, episodes={**kept, **records})
