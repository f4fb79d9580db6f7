"""The feed stage: RSS 2.0 with the iTunes namespace, built with feedgen.

feedgen's podcast extension writes ``itunes:explicit`` as yes/no/clean (Apple
wants true/false) and refuses image URLs with a query string, so those fields
are written by a small extension of our own, registered after feedgen's, that
also puts the show notes in CDATA. The feed is deterministic: the same show
and episodes give the same bytes, so an unchanged feed is never re-uploaded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem
from lxml import etree

from .model import JSON_CHAPTERS_TYPE, PublishedEpisode, Show

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"


@dataclass(frozen=True, slots=True)
class FeedLinks:
    """The public URLs the feed refers to, decided by the pipeline and the storage."""

    feed_url: str
    artwork_url: str


class _ChannelFixups(BaseExtension):
    """Channel elements feedgen gets wrong or refuses (see the module docstring)."""

    def __init__(self) -> None:
        self.explicit = False
        self.image_url: str | None = None
        self.podcast_guid: str | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES_NS, "podcast": PODCAST_NS}

    def extend_rss(self, rss_feed: etree._Element) -> etree._Element:
        channel = rss_feed[0]
        if self.image_url:
            xml_elem(f"{{{ITUNES_NS}}}image", channel).attrib["href"] = self.image_url
        xml_elem(f"{{{ITUNES_NS}}}explicit", channel).text = "true" if self.explicit else "false"
        if self.podcast_guid:
            xml_elem(f"{{{PODCAST_NS}}}guid", channel).text = self.podcast_guid
        return rss_feed


class _ItemFixups(BaseEntryExtension):
    """Item elements feedgen gets wrong or refuses, and the notes as CDATA."""

    def __init__(self) -> None:
        self.explicit = False
        self.image_url: str | None = None
        self.description_html: str | None = None
        self.chapters_url: str | None = None

    def extend_rss(self, item: etree._Element) -> etree._Element:
        if self.description_html is not None:
            description = item.find("description")
            if description is None:
                description = xml_elem("description", item)
            description.text = etree.CDATA(self.description_html)
        if self.image_url:
            xml_elem(f"{{{ITUNES_NS}}}image", item).attrib["href"] = self.image_url
        xml_elem(f"{{{ITUNES_NS}}}explicit", item).text = "true" if self.explicit else "false"
        if self.chapters_url:
            chapters = xml_elem(f"{{{PODCAST_NS}}}chapters", item)
            chapters.attrib["url"] = self.chapters_url
            chapters.attrib["type"] = JSON_CHAPTERS_TYPE
        return item


def build_feed(
    show: Show, episodes: Sequence[PublishedEpisode], links: FeedLinks, *, podcast_guid: str, generator: str
) -> bytes:
    """The RSS document for ``show`` listing ``episodes``, newest first.

    ``podcast_guid`` is the show's permanent identity (Podcasting 2.0 ``podcast:guid``),
    which apps use to follow a show that moves to another feed URL.
    """
    fg = FeedGenerator()
    fg.load_extension("podcast", rss=True, atom=False)
    fg.register_extension("mediapub", _ChannelFixups, _ItemFixups, atom=False, rss=True)

    fg.title(show.title)
    fg.link(href=links.feed_url, rel="self")
    fg.link(href=str(show.link), rel="alternate")  # feedgen's RSS <link> is the last link given
    fg.description(show.description)
    fg.language(show.language)
    fg.generator(generator)
    if show.copyright:
        fg.copyright(show.copyright)
    newest = max((item.episode.date for item in episodes), default=dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    fg.lastBuildDate(newest)  # a deterministic feed: it changes only when its content does

    fg.podcast.itunes_author(show.author)
    fg.podcast.itunes_owner(name=show.owner.name, email=show.owner.email)
    fg.podcast.itunes_category([{"cat": c.name, "sub": c.subcategory} for c in show.categories])
    fg.podcast.itunes_type(show.type)
    fg.mediapub.explicit = show.explicit
    fg.mediapub.image_url = links.artwork_url
    fg.mediapub.podcast_guid = podcast_guid
    fg.image(url=links.artwork_url, title=show.title, link=str(show.link))

    for published in sorted(episodes, key=lambda item: item.episode.date, reverse=True):
        _add_item(fg, show, published)
    return fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)


def _add_item(fg: FeedGenerator, show: Show, published: PublishedEpisode) -> None:
    episode = published.episode
    entry = fg.add_entry(order="append")
    entry.title(episode.title)
    entry.guid(published.guid, permalink=False)
    entry.pubDate(episode.date)
    entry.enclosure(published.media.url, str(published.media.size), published.media.content_type)
    description = published.notes.description or published.notes.html  # within Apple's 4000 bytes
    entry.description(description)  # rewritten as CDATA by _ItemFixups
    entry.content(published.notes.html, type="CDATA")
    if episode.youtube:
        entry.link(href=str(episode.youtube))
    entry.podcast.itunes_duration(round(published.duration))
    entry.podcast.itunes_episode(episode.number)
    if episode.season is not None:
        entry.podcast.itunes_season(episode.season)
    entry.podcast.itunes_episode_type(episode.type)
    entry.podcast.itunes_author(show.author)
    entry.mediapub.description_html = description
    if published.image is not None:
        entry.mediapub.image_url = published.image.url
    if published.chapters is not None:
        entry.mediapub.chapters_url = published.chapters.url
    entry.mediapub.explicit = show.explicit if episode.explicit is None else episode.explicit
