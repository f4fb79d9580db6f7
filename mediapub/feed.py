"""The feed stage: RSS 2.0 with the iTunes namespace, built with feedgen.

feedgen's podcast extension writes ``itunes:explicit`` as yes/no/clean (Apple
wants true/false) and refuses image URLs with a query string, so those fields
are written by a small extension of our own, registered after feedgen's, that
also puts the show notes in CDATA. The feed is deterministic: the same show
and episodes give the same bytes, so an unchanged feed is never re-uploaded.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import lxml.html
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem
from lxml import etree

from .model import (
    JSON_CHAPTERS_TYPE,
    UPDATE_FREQUENCIES,
    EpisodeListing,
    Person,
    PublishedEpisode,
    Show,
    youtube_video_id,
)

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
MEDIA_NS = "http://search.yahoo.com/mrss/"
ATOM_NS = "http://www.w3.org/2005/Atom"
HISTORY_NS = "http://purl.org/syndication/history/1.0"


@dataclass(frozen=True, slots=True)
class FeedLinks:
    """The public URLs the feed refers to, decided by the pipeline and the storage."""

    feed_url: str
    artwork_url: str
    #: The artwork's width and height in pixels (it is square), for ``podcast:image``.
    artwork_side: int | None = None
    #: Where this document is, when it is an archive page rather than the feed itself (RFC 5005).
    page_url: str | None = None
    #: RFC 5005 links: ("prev-archive", url).
    history: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Element:
    """One element to add: namespaced tag, attributes, text."""

    tag: str
    attributes: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    children: tuple[Element, ...] = ()


def _append(parent: etree._Element, elements: Sequence[Element]) -> None:
    for element in elements:
        node = etree.SubElement(parent, element.tag, {k: v for k, v in element.attributes.items()})
        node.text = element.text
        _append(node, element.children)


class _ChannelFixups(BaseExtension):
    """Channel elements feedgen gets wrong (explicit), refuses (image URLs with a query) or lacks (Podcasting 2.0)."""

    def __init__(self) -> None:
        self.explicit = False
        self.image_url: str | None = None
        self.elements: list[Element] = []

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES_NS, "podcast": PODCAST_NS, "media": MEDIA_NS, "fh": HISTORY_NS}

    def extend_rss(self, rss_feed: etree._Element) -> etree._Element:
        channel = rss_feed[0]
        if self.image_url:
            xml_elem(f"{{{ITUNES_NS}}}image", channel).attrib["href"] = self.image_url
        xml_elem(f"{{{ITUNES_NS}}}explicit", channel).text = "true" if self.explicit else "false"
        # Items come last in a channel, as readers expect: the extras go before the first one.
        items = channel.findall("item")
        _append(channel, self.elements)
        for item in items:
            channel.remove(item)
            channel.append(item)
        return rss_feed


class _ItemFixups(BaseEntryExtension):
    """Item elements feedgen gets wrong or lacks, and the notes as CDATA."""

    def __init__(self) -> None:
        self.explicit = False
        self.image_url: str | None = None
        self.description_html: str | None = None
        self.elements: list[Element] = []

    def extend_rss(self, item: etree._Element) -> etree._Element:
        if self.description_html is not None:
            description = item.find("description")
            if description is None:
                description = xml_elem("description", item)
            description.text = etree.CDATA(self.description_html)
        if self.image_url:
            xml_elem(f"{{{ITUNES_NS}}}image", item).attrib["href"] = self.image_url
        xml_elem(f"{{{ITUNES_NS}}}explicit", item).text = "true" if self.explicit else "false"
        _append(item, self.elements)
        return item


def channel_elements(show: Show, links: FeedLinks, podcast_guid: str) -> list[Element]:
    """The Podcasting 2.0 channel tags (https://podcastindex.org/namespace/1.0), in the spec's words."""
    p = f"{{{PODCAST_NS}}}"
    elements = []
    if links.page_url:  # an archive page: say so, and where the live feed is (RFC 5005, section 4)
        elements += [
            Element(f"{{{HISTORY_NS}}}archive"),
            Element(f"{{{ATOM_NS}}}link", {"rel": "current", "href": links.feed_url}),
        ]
    elements += [Element(f"{{{ATOM_NS}}}link", {"rel": rel, "href": href}) for rel, href in links.history]
    elements.append(Element(f"{p}guid", text=podcast_guid))
    elements.append(Element(f"{p}locked", {"owner": show.owner.email}, "yes" if show.locked else "no"))
    elements += [Element(f"{p}funding", {"url": str(f.url)}, f.text) for f in show.funding]
    elements += [_person(person) for person in show.hosts]
    elements.append(Element(f"{p}medium", text=show.medium))
    if show.update_frequency:
        rule = UPDATE_FREQUENCIES[show.update_frequency]
        elements.append(Element(f"{p}updateFrequency", {"rrule": rule}, show.update_frequency.capitalize()))
    if show.license:
        attributes = {"url": str(show.license.url)} if show.license.url else {}
        elements.append(Element(f"{p}license", attributes, show.license.name))
    image = {"href": links.artwork_url, "purpose": "artwork", "aspect-ratio": "1/1"}
    if links.artwork_side:
        image |= {"width": str(links.artwork_side), "height": str(links.artwork_side)}
    elements.append(Element(f"{p}image", image))
    for txt in show.txt:
        elements.append(Element(f"{p}txt", {"purpose": txt.purpose} if txt.purpose else {}, txt.text))
    return elements


def item_elements(show: Show, published: PublishedEpisode) -> list[Element]:
    """The Podcasting 2.0 and Media RSS item tags, including the YouTube version of the episode."""
    p, episode = f"{{{PODCAST_NS}}}", published.episode
    elements = [Element(f"{p}episode", text=str(episode.number))]
    if episode.season is not None:
        elements.append(Element(f"{p}season", text=str(episode.season)))
    if published.chapters is not None:
        elements.append(Element(f"{p}chapters", {"url": published.chapters.url, "type": JSON_CHAPTERS_TYPE}))
    for transcript in published.transcripts:
        kind = transcript.content_type.split(";")[0]
        attributes = {"url": transcript.url, "type": kind, "language": show.language}
        if kind in ("text/vtt", "application/x-subrip"):
            attributes["rel"] = "captions"
        elements.append(Element(f"{p}transcript", attributes))
    if published.video is not None:
        hosted = published.video
        digest = base64.b64encode(bytes.fromhex(hosted.sha256)).decode()
        elements.append(Element(
            f"{p}alternateEnclosure", {"type": hosted.content_type, "length": str(hosted.size), "title": "Video"},
            children=(Element(f"{p}source", {"uri": hosted.url}),
                      Element(f"{p}integrity", {"type": "sri", "value": f"sha256-{digest}"})),
        ))  # fmt: skip
    for soundbite in episode.soundbites:
        attributes = {"startTime": _seconds(soundbite.start), "duration": _seconds(soundbite.duration)}
        elements.append(Element(f"{p}soundbite", attributes, soundbite.title))
    people = [*(episode.hosts if episode.hosts is not None else ()), *episode.guests]
    elements += [_person(person) for person in people]
    video = youtube_video_id(str(episode.youtube)) if episode.youtube else None
    if video:
        elements += [
            Element(f"{p}contentLink", {"href": f"https://www.youtube.com/watch?v={video}"}, "Watch on YouTube"),
            Element(f"{{{MEDIA_NS}}}player", {"url": f"https://www.youtube-nocookie.com/embed/{video}",
                                               "width": "1280", "height": "720"}),
        ]  # fmt: skip
    poster, size = _poster(published, video)
    if poster:
        dimensions = {"width": str(size[0]), "height": str(size[1])} if size else {}
        ratio = f"{size[0] // math.gcd(*size)}/{size[1] // math.gcd(*size)}" if size else "16/9"
        elements += [
            Element(f"{{{MEDIA_NS}}}thumbnail", {"url": poster, **dimensions}),
            Element(f"{p}image", {"href": poster, "purpose": "poster", "aspect-ratio": ratio, **dimensions}),
        ]
    return elements


def _poster(published: PublishedEpisode, video: str | None) -> tuple[str | None, tuple[int, int] | None]:
    """The poster we stored, else YouTube's own frame for the video (1280x720 for any HD upload)."""
    if published.poster is not None:
        return published.poster.url, published.poster_size
    if video:
        return f"https://i.ytimg.com/vi/{video}/maxresdefault.jpg", (1280, 720)
    return None, None


def _person(person: Person) -> Element:
    attributes = {"role": person.role.lower()}
    if person.href:
        attributes["href"] = str(person.href)
    if person.img:
        attributes["img"] = str(person.img)
    return Element(f"{{{PODCAST_NS}}}person", attributes, person.name)


def _seconds(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


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
    fg.link(href=links.page_url or links.feed_url, rel="self")
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
    fg.mediapub.elements = channel_elements(show, links, podcast_guid)
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
    # The episode's own page when the show publishes pages, else its YouTube version.
    if published.page_url or episode.youtube:
        entry.link(href=published.page_url or str(episode.youtube))
    entry.podcast.itunes_duration(round(published.duration))
    entry.podcast.itunes_episode(episode.number)
    if episode.season is not None:
        entry.podcast.itunes_season(episode.season)
    entry.podcast.itunes_episode_type(episode.type)
    entry.podcast.itunes_author(show.author)
    entry.mediapub.description_html = description
    if published.image is not None:
        entry.mediapub.image_url = published.image.url
    entry.mediapub.elements = item_elements(show, published)
    entry.mediapub.explicit = show.explicit if episode.explicit is None else episode.explicit


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One episode as the feed carries it, kept as a one-item RSS document of its own.

    Items are stored one object per episode, and the feed is composed from all
    of them: two producers publishing different episodes at once each add their
    own items, and whichever writes the feed last lists both (see the pipeline).
    """

    guid: str
    date: dt.datetime
    number: int
    document: bytes


@dataclass(frozen=True, slots=True)
class FeedDocument:
    """One document to publish: the feed itself, or an archive page of older episodes."""

    key: str
    data: bytes


_PARSER = etree.XMLParser(remove_blank_text=True, strip_cdata=False, resolve_entities=False, no_network=True)


def render_items(
    show: Show, episodes: Sequence[PublishedEpisode], links: FeedLinks, *, podcast_guid: str, generator: str
) -> list[FeedItem]:
    """Each episode's item, as a document of its own."""
    return [
        FeedItem(
            guid=published.guid,
            date=published.episode.date,
            number=published.episode.number,
            document=build_feed(show, [published], links, podcast_guid=podcast_guid, generator=generator),
        )
        for published in episodes
    ]


def read_item(document: bytes) -> FeedItem:
    """An item document read back from storage; ValueError if it is not one."""
    try:
        item = etree.fromstring(document, _PARSER).find("channel/item")
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not an item document: {exc}") from None
    if item is None:
        raise ValueError("not an item document: no <item>")
    date = email.utils.parsedate_to_datetime(item.findtext("pubDate") or "")
    number = item.findtext(f"{{{ITUNES_NS}}}episode") or "0"
    return FeedItem(guid=item.findtext("guid") or "", date=date, number=int(number), document=document)


def listing(item: FeedItem) -> EpisodeListing:
    """What the show page lists of an episode, from its item document."""
    element = etree.fromstring(item.document, _PARSER).find("channel/item")
    assert element is not None  # read_item checked
    season = element.findtext(f"{{{ITUNES_NS}}}season")
    duration = element.findtext(f"{{{ITUNES_NS}}}duration") or "0"
    description = element.findtext("description") or ""
    try:
        first = lxml.html.fragment_fromstring(description, create_parent="div").xpath("string(./*[1])")
    except etree.ParserError:
        first = ""
    return EpisodeListing(
        number=item.number,
        season=int(season) if season and season.isdigit() else None,
        title=element.findtext("title") or "",
        date=item.date,
        duration=float(duration) if duration.replace(".", "", 1).isdigit() else 0.0,
        teaser=" ".join(str(first).split()),
        url=element.findtext("link") or None,
    )


def compose(show: Show, items: Sequence[FeedItem], links: FeedLinks, *, podcast_guid: str, generator: str) -> bytes:
    """The feed document listing ``items``, newest first, under the channel ``show`` describes."""
    root = etree.fromstring(build_feed(show, [], links, podcast_guid=podcast_guid, generator=generator), _PARSER)
    channel = root.find("channel")
    assert channel is not None
    ordered = sorted(items, key=lambda item: (item.date, item.number), reverse=True)
    if ordered:
        newest = channel.find("lastBuildDate")
        if newest is not None:
            newest.text = email.utils.format_datetime(ordered[0].date.astimezone(dt.UTC))
    for item in ordered:
        element = etree.fromstring(item.document, _PARSER).find("channel/item")
        if element is not None:
            channel.append(element)
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")


def feed_documents(
    show: Show,
    items: Sequence[FeedItem],
    links: FeedLinks,
    *,
    feed_key: str,
    public_url: Callable[[str], str],
    podcast_guid: str,
    generator: str,
) -> list[FeedDocument]:
    """The feed, and when ``[publish] max_items`` caps it, RFC 5005 archive pages holding the older episodes.

    Archive pages hold fixed runs of ``max_items`` episodes, oldest first, and
    only full runs are archived, so a page never changes once written (RFC 5005
    archives are meant to be stable). The feed lists the newest ``max_items``
    and links the newest page; each page links the one before. An episode may
    be in the feed and in a page at once; apps tell them apart by GUID.
    """
    cap = show.publish.max_items
    ordered = sorted(items, key=lambda item: (item.date, item.number))
    if cap is None or len(ordered) <= cap:
        return [FeedDocument(feed_key, compose(show, ordered, links, podcast_guid=podcast_guid, generator=generator))]
    pages = [ordered[start : start + cap] for start in range(0, len(ordered) - cap + 1, cap)]
    pages = [page for page in pages if len(page) == cap]
    stem = feed_key.removesuffix(".xml")
    keys = [f"{stem}-archive-{number}.xml" for number in range(1, len(pages) + 1)]
    documents = []
    for index, page in enumerate(pages):
        # Only prev-archive: a next-archive link would change a page when the next one fills up.
        history: tuple[tuple[str, str], ...] = (("prev-archive", public_url(keys[index - 1])),) if index else ()
        page_links = replace(links, page_url=public_url(keys[index]), history=history)
        documents.append(
            FeedDocument(keys[index], compose(show, page, page_links, podcast_guid=podcast_guid, generator=generator))
        )
    live = replace(links, history=(("prev-archive", public_url(keys[-1])),))
    data = compose(show, ordered[-cap:], live, podcast_guid=podcast_guid, generator=generator)
    return [*documents, FeedDocument(feed_key, data)]
