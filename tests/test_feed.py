"""The RSS document itself: the fields feedgen gets wrong are right, and output is deterministic."""

from __future__ import annotations

import datetime as dt

import feedparser
from lxml import etree

from mediapub.feed import ITUNES_NS, FeedLinks, build_feed
from mediapub.model import Episode, PublishedEpisode, Show, ShowNotes, StoredObject
from tests.conftest import EXAMPLE_SHOW

SHOW = {
    "title": "S & <Co>",
    "description": "D",
    "author": "A",
    "owner": {"name": "O", "email": "o@example.com"},
    "language": "en-GB",
    "categories": ["News/Politics"],
    "artwork": str(EXAMPLE_SHOW / "artwork.png"),
    "link": "https://example.com/",
    "base_url": "https://cdn.example.com/show",
}


def _published(number: int, **changes) -> PublishedEpisode:
    episode = Episode.model_validate(
        {"slug": f"{number}-x", "number": number, "title": f"Episode ]]> {number}", "summary": "s",
         "date": dt.date(2018, 11, number), "recording": "x.mp3", **changes}
    )  # fmt: skip
    media = StoredObject(
        key=f"e/{number}.mp3", url=f"https://cdn.example.com/show/e/{number}.mp3", size=1234 + number,
        content_type="audio/mpeg", sha256="0" * 64, written=True,
    )  # fmt: skip
    notes = ShowNotes(html="<p>notes &amp; more</p>", markdown="", text="")
    return PublishedEpisode(episode=episode, guid=f"guid-{number}", media=media, duration=61.6, notes=notes)


PODCAST_GUID = "ead4c236-bf58-58c6-a2c6-a6b28d128cb6"


def _build(show: dict | None = None, episodes=None) -> bytes:
    links = FeedLinks(feed_url="https://cdn.example.com/show/feed.xml", artwork_url="https://img.example/a.png?v=2")
    episodes = episodes or [_published(1), _published(2, explicit=True)]
    return build_feed(Show.model_validate(show or SHOW), episodes, links, podcast_guid=PODCAST_GUID, generator="test")


def test_explicit_is_true_false_and_image_urls_keep_their_query() -> None:
    root = etree.fromstring(_build())
    channel = root.find("channel")
    assert channel.findtext(f"{{{ITUNES_NS}}}explicit") == "false"
    assert channel.find(f"{{{ITUNES_NS}}}image").get("href") == "https://img.example/a.png?v=2"
    items = channel.findall("item")
    assert [i.findtext(f"{{{ITUNES_NS}}}explicit") for i in items] == ["true", "false"]  # newest first


def test_items_have_the_required_fields() -> None:
    xml = _build()
    item = etree.fromstring(xml).find("channel").findall("item")[0]
    assert item.find("guid").get("isPermaLink") == "false" and item.findtext("guid") == "guid-2"
    enclosure = item.find("enclosure")
    assert (enclosure.get("length"), enclosure.get("type")) == ("1236", "audio/mpeg")
    assert item.findtext("pubDate") == "Fri, 02 Nov 2018 00:00:00 +0000"
    assert item.findtext(f"{{{ITUNES_NS}}}duration") == "62"
    assert b"<description><![CDATA[<p>notes &amp; more</p>]]></description>" in xml
    parsed = feedparser.parse(xml)
    assert not parsed.bozo
    assert parsed.feed.title == "S & <Co>"
    assert parsed.entries[0].title == "Episode ]]> 2"
    assert parsed.feed.language == "en-gb"


def test_same_input_same_bytes() -> None:
    assert _build() == _build()
    assert b"lastBuildDate>Fri, 02 Nov 2018" in _build()
