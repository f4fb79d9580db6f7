"""What a news page says about itself: headline, site, authors, date, canonical URL, lead image.

Read before any of the page is cut away, from JSON-LD first, then OpenGraph and meta
tags, then the page's own <time> and <h1>, because that is the order in which news
sites are most often right.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from .model import PageFacts

ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


FIRST_NEWS_YEAR = 1990  # no news site predates the web


# Meta tags that carry the publication date, most specific first.
DATE_META = (
    *("article:published_time", "og:article:published_time", "datepublished", "pubdate", "publishdate"),
    *("date", "dc.date", "dc.date.issued", "dcterms.date", "sailthru.date"),
)


# Separators between a headline and the site's name in <title>: "Headline | Site", "Site - Headline".
TITLE_SEPARATOR = re.compile(r"\s+[|\-–—:·»]\s+")


def read_page_facts(tree: HtmlElement, url: str) -> PageFacts:
    """Metadata in the order publishers make it reliable: JSON-LD and OpenGraph, then the visible page."""
    metas = _meta_tags(tree)
    canonical = _canonical_url(tree, url, metas)
    linked = _article_linked_data(tree, {url, canonical or url})
    hostname = (urlsplit(canonical or url).hostname or "").removeprefix("www.")
    names = (metas.get("og:site_name"), _ld_name(linked.get("publisher")), hostname)
    site_name = next((name for name in names if name and "://" not in name), None)
    heading = _first_text(tree, "//body//h1")
    title = (
        metas.get("og:title")
        or _ld_text(linked.get("headline"))
        or heading
        or metas.get("twitter:title")
        or _first_text(tree, "//head/title")
    )
    not_people = {normalized(site_name or ""), normalized(hostname)}
    authors = _people(_ld_authors(linked.get("author")), not_people) or _people(
        _split_names(metas.get("author")), not_people
    )
    published = _to_date(_ld_text(linked.get("datePublished")))
    published = published or _first_date(metas.get(name) for name in DATE_META)
    published = published or _first_date(tree.xpath("//body//time/@datetime"))
    if not authors or published is None:
        # trafilatura reads bylines off the visible page, and runs htmldate's deeper date search.
        found = _trafilatura().extract_metadata(tree, default_url=url)
        authors = authors or _people(_split_names(found.author, separators=";"), not_people)
        published = published or _to_date(found.date)
    image = metas.get("og:image") or metas.get("og:image:url") or metas.get("twitter:image")
    return PageFacts(
        canonical_url=canonical,
        title=_clean_title(title, heading, site_name, hostname) if title else None,
        site_name=site_name,
        authors=authors,
        published=published,
        image=_absolute(url, image or _ld_url(linked.get("image"))),
    )


def _meta_tags(tree: HtmlElement) -> dict[str, str]:
    metas: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = " ".join((meta.get("content") or "").split())
        if key and content:
            metas.setdefault(key, content)  # the first declaration wins, as for crawlers
    return metas


def _canonical_url(tree: HtmlElement, url: str, metas: dict[str, str]) -> str | None:
    links = tree.xpath("//link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href")
    for link in [*links, metas.get("og:url")]:
        absolute = _absolute(url, link)
        if absolute and urlsplit(absolute).scheme in ("http", "https"):
            return absolute
    return None


def _json_ld_objects(tree: HtmlElement) -> Iterator[dict[str, object]]:
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            pending = [json.loads(script.text or "")]
        except ValueError:
            continue  # broken JSON-LD is common; the other clues remain
        while pending:
            item = pending.pop(0)
            if isinstance(item, dict):
                yield item
            values = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
            pending.extend(value for value in values if isinstance(value, (dict, list)))


def _article_linked_data(tree: HtmlElement, urls: set[str]) -> dict[str, object]:
    """The page's JSON-LD article: the one naming the page's URL, else the first of an article type."""
    articles = []
    for item in _json_ld_objects(tree):
        types = item.get("@type")
        for name in types if isinstance(types, list) else [types]:
            if isinstance(name, str) and (name.endswith("Article") or name == "BlogPosting"):
                articles.append(item)
                break
    for item in articles:
        page = item.get("mainEntityOfPage")
        if {_ld_url(page), _ld_url(item.get("url"))} & urls:
            return item
    return articles[0] if articles else {}


def _ld_text(value: object) -> str | None:
    value = value[0] if isinstance(value, list) and value else value
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


def _ld_name(value: object) -> str | None:
    value = value[0] if isinstance(value, list) and value else value
    return _ld_text(value.get("name") if isinstance(value, dict) else value)


def _ld_url(value: object) -> str | None:
    value = value[0] if isinstance(value, list) and value else value
    return _ld_text(value.get("url") or value.get("@id") if isinstance(value, dict) else value)


def _ld_authors(value: object) -> list[str]:
    return [name for person in (value if isinstance(value, list) else [value]) if (name := _ld_name(person))]


def _split_names(value: str | None, separators: str = r",|;|\s+and\s+|\s+&\s+") -> list[str]:
    return re.split(separators, value) if value else []


def _people(names: Iterable[str], not_people: set[str]) -> tuple[str, ...]:
    """Author names without "By", profile URLs, or the outlet's own name (which many sites give as author)."""
    cleaned = (re.sub(r"^by\s+", "", " ".join(name.split()), flags=re.IGNORECASE).strip(" ,;") for name in names)
    return tuple(
        dict.fromkeys(name for name in cleaned if name and "://" not in name and normalized(name) not in not_people)
    )


def _clean_title(raw: str, heading: str | None, site_name: str | None, hostname: str) -> str:
    """Drop " | Site Name" or "Site Name - " from a title: keep the part the page shows as its headline,
    else drop the parts that name the site."""
    title = " ".join(raw.split())
    parts = TITLE_SEPARATOR.split(title)
    separators = TITLE_SEPARATOR.findall(title)
    if len(parts) == 1:
        return title
    spans = [(first, last) for first in range(len(parts)) for last in range(len(parts), first, -1)]
    for first, last in spans if heading else []:
        if normalized(_join(parts, separators, first, last)) == normalized(heading or ""):
            return _join(parts, separators, first, last)
    names = {normalized(site_name or ""), normalized(hostname), normalized(hostname.split(".")[0])} - {""}
    start, end = 0, len(parts)
    while end - start > 1 and normalized(parts[end - 1]) in names:
        end -= 1
    while end - start > 1 and normalized(parts[start]) in names:
        start += 1
    return _join(parts, separators, start, end)


def _join(parts: list[str], separators: list[str], start: int, end: int) -> str:
    text = parts[start]
    for index in range(start + 1, end):
        text += separators[index - 1] + parts[index]
    return text


def _to_date(value: str | None) -> dt.date | None:
    """The date in an ISO timestamp, as the publisher wrote it (its own time zone); placeholders such as
    0001-01-01, which content systems write for "unset", are no date."""
    match = ISO_DATE.search(value or "")
    try:
        date = dt.date(*map(int, match.groups())) if match else None
    except ValueError:
        return None
    return date if date and date.year >= FIRST_NEWS_YEAR else None


def _first_date(values: Iterable[str | None]) -> dt.date | None:
    return next(filter(None, map(_to_date, values)), None)


def _first_text(tree: HtmlElement, xpath: str) -> str | None:
    texts = (" ".join(element.text_content().split()) for element in tree.xpath(xpath))
    return next(filter(None, texts), None)


def _absolute(base: str, link: str | None) -> str | None:
    return urljoin(base, link.strip()) if link and link.strip() else None


def normalized(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _trafilatura():  # type: ignore[no-untyped-def]
    """trafilatura, imported when first needed: it costs a sixth of a second that most commands never use."""
    import trafilatura

    return trafilatura
