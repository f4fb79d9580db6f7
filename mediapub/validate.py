"""Checking a podcast feed against what Apple Podcasts, Spotify and Podcasting 2.0 apps require.

Any feed can be checked, ours or anyone's: ``mediapub validate FEED``. A
publish runs the same checks on the feed it built and refuses to upload one
with errors, so a directory never sees a feed it would reject. Each finding
names the element, the rule and where the rule comes from, so a producer can
look it up.
"""

from __future__ import annotations

import email.utils
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from lxml import etree

from .categories import category_problem
from .model import youtube_video_id

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
NS = {"itunes": ITUNES, "podcast": PODCAST, "atom": ATOM, "content": "http://purl.org/rss/1.0/modules/content/"}
#: Enclosure types Apple Podcasts accepts.
ENCLOSURE_TYPES = frozenset(
    {"audio/mpeg", "audio/x-m4a", "audio/mp4", "audio/aac", "video/mp4", "video/quicktime", "video/x-m4v",
     "application/pdf"}
)  # fmt: skip
MEDIUMS = frozenset({"podcast", "music", "video", "film", "audiobook", "newsletter", "blog", "publisher",
                     "course", "mixed", "podcastL", "musicL", "videoL", "filmL", "audiobookL", "newsletterL",
                     "blogL", "publisherL", "courseL"})  # fmt: skip
DESCRIPTION_LIMIT = 4000
NUMBERED_TITLE = re.compile(r"^\s*(?:#\s*\d+|(?:ep(?:isode)?|no)\.?\s*\d+|\d+\s*[:.\-–—|])", re.IGNORECASE)
DURATION = re.compile(r"^(?:\d+|\d{1,2}:\d{2}|\d+:\d{2}:\d{2})$")

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One broken rule: how bad, where, what, and whose rule it is."""

    severity: Severity
    element: str
    message: str
    source: str

    def line(self) -> str:
        return f"{self.severity}: {self.element}: {self.message} [{self.source}]"


def validate_feed(data: bytes) -> list[Finding]:
    """Every rule ``data`` breaks; an empty list means directories will accept it."""
    try:
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return [Finding("error", "document", f"not well-formed XML: {exc}", "XML 1.0")]
    if root.tag != "rss" or root.get("version") != "2.0":
        return [Finding("error", "rss", 'the root must be <rss version="2.0">', "RSS 2.0")]
    channel = root.find("channel")
    if channel is None:
        return [Finding("error", "rss", "has no <channel>", "RSS 2.0")]
    findings = list(_channel(channel))
    items = channel.findall("item")
    if not items:
        findings.append(
            Finding("warning", "channel", "has no episodes yet; directories list a show from its first", "Apple")
        )
    for index, item in enumerate(items):
        findings += _item(item, f"item[{index + 1}]")
    findings += _across_items(items)
    return findings


def _text(parent: etree._Element, path: str) -> str | None:
    node = parent.find(path, NS)
    return node.text.strip() if node is not None and node.text and node.text.strip() else None


def _http(url: str | None) -> bool:
    """An absolute http(s) URL with a host (``localhost`` and addresses included)."""
    if not url or any(char.isspace() for char in url):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _channel(channel: etree._Element) -> Iterator[Finding]:
    def need(path: str, name: str, source: str) -> str | None:
        value = _text(channel, path)
        if value is None:
            findings.append(Finding("error", f"channel/{name}", "is missing or empty", source))
        return value

    findings: list[Finding] = []
    need("title", "title", "Apple")
    description = need("description", "description", "Apple")
    if description and len(description.encode()) > DESCRIPTION_LIMIT:
        findings.append(Finding("error", "channel/description", f"is over {DESCRIPTION_LIMIT} bytes", "Apple"))
    link = need("link", "link", "Apple")
    if link and not _http(link):
        findings.append(Finding("error", "channel/link", f"is not an http(s) URL: {link}", "Apple"))
    language = need("language", "language", "Apple")
    if language and not re.match(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$", language):
        findings.append(Finding("error", "channel/language", f'is not a language code: "{language}"', "Apple"))
    image = channel.find("itunes:image", NS)
    href = image.get("href") if image is not None else None
    if not href:
        findings.append(Finding("error", "channel/itunes:image", "is missing (square artwork, 1400-3000 px)", "Apple"))
    elif not _http(href) or not re.search(r"\.(jpe?g|png)$", href.split("?")[0], re.IGNORECASE):
        findings.append(Finding("error", "channel/itunes:image", f"must be an http(s) URL of a .jpg or .png: {href}",
                                "Apple"))  # fmt: skip
    categories = channel.findall("itunes:category", NS)
    if not categories:
        findings.append(Finding("error", "channel/itunes:category", "is missing", "Apple"))
    for category in categories:
        subs = category.findall("itunes:category", NS) or [None]
        for sub in subs:
            problem = category_problem(category.get("text") or "", sub.get("text") if sub is not None else None)
            if problem:
                findings.append(Finding("error", "channel/itunes:category", problem, "Apple"))
    explicit = _text(channel, "itunes:explicit")
    if explicit not in ("true", "false"):
        findings.append(Finding("error", "channel/itunes:explicit", f'must be "true" or "false", not {explicit!r}',
                                "Apple"))  # fmt: skip
    need("itunes:author", "itunes:author", "Apple")
    if _text(channel, "itunes:owner/itunes:email") is None:
        findings.append(Finding("error", "channel/itunes:owner", "needs an itunes:email (directories verify it)",
                                "Spotify"))  # fmt: skip
    kind = _text(channel, "itunes:type")
    if kind is not None and kind not in ("episodic", "serial"):
        findings.append(
            Finding("error", "channel/itunes:type", f'must be "episodic" or "serial", not "{kind}"', "Apple")
        )
    if not any(link.get("rel") == "self" for link in channel.findall("atom:link", NS)):
        findings.append(Finding("warning", "channel/atom:link", 'no rel="self" link: apps cannot tell the feed URL',
                                "Podcast Index"))  # fmt: skip
    findings += _podcast_channel(channel)
    yield from findings


def _podcast_channel(channel: etree._Element) -> Iterator[Finding]:
    guid = _text(channel, "podcast:guid")
    if guid is not None:
        try:
            if uuid.UUID(guid).version != 5:
                yield Finding("warning", "channel/podcast:guid", "should be a UUIDv5 of the feed URL", "Podcast Index")
        except ValueError:
            yield Finding("error", "channel/podcast:guid", f'is not a UUID: "{guid}"', "Podcast Index")
    locked = channel.find("podcast:locked", NS)
    if locked is not None and (locked.text or "").strip() not in ("yes", "no"):
        yield Finding("error", "channel/podcast:locked", 'must be "yes" or "no"', "Podcast Index")
    for funding in channel.findall("podcast:funding", NS):
        if not _http(funding.get("url")):
            yield Finding("error", "channel/podcast:funding", "needs a url attribute with an http(s) URL",
                          "Podcast Index")  # fmt: skip
    medium = _text(channel, "podcast:medium")
    if medium is not None and medium not in MEDIUMS:
        yield Finding("error", "channel/podcast:medium", f'"{medium}" is not a medium the namespace defines',
                      "Podcast Index")  # fmt: skip
    for person in channel.findall("podcast:person", NS):
        if not (person.text or "").strip():
            yield Finding("error", "channel/podcast:person", "has no name", "Podcast Index")


def _item(item: etree._Element, where: str) -> Iterator[Finding]:
    title = _text(item, "title")
    if title is None:
        yield Finding("error", f"{where}/title", "is missing or empty", "Apple")
    elif NUMBERED_TITLE.match(title):
        message = f'starts with an episode number ("{title[:30]}"): put the number in itunes:episode'
        yield Finding("warning", f"{where}/title", message, "Apple")
    enclosure = item.find("enclosure")
    if enclosure is None:
        yield Finding("error", f"{where}/enclosure", "is missing", "Apple")
    else:
        url, length, kind = enclosure.get("url"), enclosure.get("length"), enclosure.get("type")
        if not _http(url):
            yield Finding("error", f"{where}/enclosure", f"url is not an absolute http(s) URL: {url}", "Apple")
        elif youtube_video_id(url or "") or "youtube.com" in (url or "") or "youtu.be" in (url or ""):
            yield Finding("error", f"{where}/enclosure", "is a YouTube page, not a media file", "Apple")
        if not (length or "").isdigit() or int(length or 0) <= 0:
            yield Finding("error", f"{where}/enclosure", f"length must be the file's size in bytes, not {length!r}",
                          "Apple")  # fmt: skip
        if kind not in ENCLOSURE_TYPES:
            yield Finding("error", f"{where}/enclosure", f"type {kind!r} is not one Apple accepts", "Apple")
    guid = item.find("guid")
    if guid is None or not (guid.text or "").strip():
        yield Finding("error", f"{where}/guid", "is missing: apps cannot tell episodes apart", "Apple")
    elif guid.get("isPermaLink", "true") != "false" and not _http(guid.text.strip()):
        yield Finding("error", f"{where}/guid", 'is not a URL, so it needs isPermaLink="false"', "RSS 2.0")
    published = _text(item, "pubDate")
    if published is None:
        yield Finding("error", f"{where}/pubDate", "is missing", "Apple")
    elif not _rfc2822(published):
        yield Finding("error", f"{where}/pubDate", f'is not an RFC 2822 date: "{published}"', "RSS 2.0")
    duration = _text(item, "itunes:duration")
    if duration is None:
        yield Finding("warning", f"{where}/itunes:duration", "is missing", "Apple")
    elif not DURATION.match(duration):
        yield Finding("error", f"{where}/itunes:duration", f'must be seconds or HH:MM:SS, not "{duration}"', "Apple")
    number = _text(item, "itunes:episode")
    if number is not None and not (number.isdigit() and int(number) > 0):
        yield Finding("error", f"{where}/itunes:episode", f'must be a positive whole number, not "{number}"', "Apple")
    kind = _text(item, "itunes:episodeType")
    if kind is not None and kind not in ("full", "trailer", "bonus"):
        yield Finding("error", f"{where}/itunes:episodeType", f'must be full, trailer or bonus, not "{kind}"', "Apple")
    explicit = _text(item, "itunes:explicit")
    if explicit is not None and explicit not in ("true", "false"):
        yield Finding("error", f"{where}/itunes:explicit", f'must be "true" or "false", not "{explicit}"', "Apple")
    description = _text(item, "description")
    if description is None:
        yield Finding("warning", f"{where}/description", "is missing: apps show no notes", "Spotify")
    elif len(description.encode()) > DESCRIPTION_LIMIT:
        yield Finding("error", f"{where}/description", f"is over {DESCRIPTION_LIMIT} bytes", "Apple")
    image = item.find("itunes:image", NS)
    if image is not None and not re.search(r"\.(jpe?g|png)$", (image.get("href") or "").split("?")[0], re.I):
        yield Finding("error", f"{where}/itunes:image", "must be the URL of a .jpg or .png", "Apple")
    chapters = item.find("podcast:chapters", NS)
    if chapters is not None and (not _http(chapters.get("url")) or chapters.get("type") != "application/json+chapters"):
        yield Finding("error", f"{where}/podcast:chapters", 'needs a url and type="application/json+chapters"',
                      "Podcast Index")  # fmt: skip


def _across_items(items: list[etree._Element]) -> Iterator[Finding]:
    guids = Counter((item.findtext("guid") or "").strip() for item in items)
    for guid, count in guids.items():
        if guid and count > 1:
            yield Finding("error", "item/guid", f'"{guid}" is used by {count} episodes', "Apple")
    urls = Counter(item.find("enclosure").get("url") for item in items if item.find("enclosure") is not None)
    for url, count in urls.items():
        if url and count > 1:
            yield Finding("warning", "item/enclosure", f"{url} is the media of {count} episodes", "Podcast Index")


def _rfc2822(value: str) -> bool:
    try:
        return email.utils.parsedate_to_datetime(value) is not None
    except (TypeError, ValueError):
        return False
