"""Read the news article a show-notes URL points at out of its HTML.

trafilatura finds the main text; this module decides what it is given and what of
its output is kept. News pages carry more than the story: infinite scroll appends
the next stories, teaser rails repeat other headlines, and appeals, share bars,
sign-up boxes and credit lines sit inside the body. Those look alike on every news
site, so each rule here is about page structure or wording common to news sites,
never about one site, and each was kept only because it raised the score of
``benchmarks/extraction.py`` (or did not lower it and is needed on real pages).
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import charset_normalizer
import trafilatura
from lxml import etree
from lxml.html import HtmlElement, HTMLParser, document_fromstring

from .model import ExtractedArticle

# Where a page declares its own encoding: <meta charset="..."> or <meta http-equiv ... content="...; charset=...">.
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# Browsers decode pages labelled Latin-1 or ASCII as windows-1252 (WHATWG Encoding Standard); publishers rely on it.
WINDOWS_1252_LABELS = frozenset({"iso8859-1", "ascii"})
# charset-normalizer tells the Western code pages apart by tiny differences in "mess"; an undeclared legacy
# page on the web is windows-1252 unless another code page reads better by more than this.
WINDOWS_1252_MARGIN = 0.01
# Share of control or replacement characters above which decoded "text" is really binary data.
GARBLED_SHARE = 0.05
# Fewer words than this is a navigation bar or a cookie notice, not an article (a paywall teaser has dozens).
MIN_ARTICLE_WORDS = 12

ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
FIRST_NEWS_YEAR = 1990  # no news site predates the web
# Meta tags that carry the publication date, most specific first.
DATE_META = (
    *("article:published_time", "og:article:published_time", "datepublished", "pubdate", "publishdate"),
    *("date", "dc.date", "dc.date.issued", "dcterms.date", "sailthru.date"),
)
# Separators between a headline and the site's name in <title>: "Headline | Site", "Site - Headline".
TITLE_SEPARATOR = re.compile(r"\s+[|\-–—:·»]\s+")
BYLINE = re.compile(r"^\s*by\s+\S", re.IGNORECASE)
BYLINE_CLASS = re.compile(r"byline|author|posted|dateline|meta", re.IGNORECASE)
# A credit line naming the outlet a story was taken from: "Via RT", "via: Reuters".
CREDIT_LINE = re.compile(r"^\s*via\s*:?\s+(?P<outlet>[^.!?\n]{2,60}?)\s*\.?\s*$", re.IGNORECASE)
CREDIT_MAX_WORDS = 5

# Infinite scroll: text the main story must have shown before a later headline can start another story, and
# text (kicker, byline) a story's container may hold before its headline and still count as starting with it.
TEXT_BEFORE_NEXT_STORY = 300
TEXT_BEFORE_HEADLINE = 160
# A sign-up or comment form's box holds little besides the form.
FORM_BOX_CHARS = 400
# A teaser is a paragraph or list item that is nothing but a link, of a headline's length ("[Reuters]" stays).
TEASER_WORDS = range(4, 21)
# Parts of a split body: elements of one tag and class, each with this many paragraphs of prose.
BODY_PART_PARAGRAPHS = 2
PROSE_CHARS = 30
NOT_BODY_CLASS = re.compile(r"comment|reply|related|teaser|sidebar|promo|footer|tweet", re.IGNORECASE)
# What sits between the parts of a split body and belongs to the story.
BODY_BLOCKS = frozenset({"p", "h2", "h3", "h4", "blockquote", "ul", "ol", "figure", "table"})


@dataclass(frozen=True, slots=True)
class LineRule:
    """A kind of paragraph that is page furniture, not the story. ``max_words`` keeps long paragraphs
    (prose that merely mentions a newsletter or Patreon) out of reach of rules about short boxes."""

    name: str
    pattern: re.Pattern[str]
    max_words: int = 10_000


def _rule(name: str, pattern: str, max_words: int = 10_000) -> LineRule:
    return LineRule(name, re.compile(pattern, re.IGNORECASE | re.VERBOSE), max_words)


LINE_RULES = (
    _rule(
        "interface",  # buttons and section labels, as whole paragraphs
        r"""^\W*(?:continue\ reading|read\ more|read\ the\ full\ (?:story|article)|keep\ reading
        |leave\ a\ (?:reply|comment)|post\ a\ comment|add\ (?:a|your)\ comment|\d*\s*comments?
        |(?:show|view|load)\ (?:\d+\ )?comments|join\ the\ (?:discussion|conversation)
        |share(?:\ this)?(?:\ (?:article|story|post))?(?:\ on\ \w+)?|tweet|email|print|like\ this
        |related(?:\ (?:posts?|articles?|stories|content|news))?|you\ (?:may|might)\ also\ (?:like|enjoy)
        |recommended(?:\ for\ you)?|more\ (?:stories|news|from\ .{1,40})|don'?t\ miss|trending(?:\ now)?
        |most\ (?:read|popular|viewed)|advertisement|sponsored(?:\ content)?|tell\ us\ what\ you\ think
        |like\ this\ (?:story|article)\?\ share\ it\ with\ a\ friend|\d+(?:\.\d+)?k?\ shares?
        |subscribe\ (?:now|today|to\ (?:continue|keep)\ reading)|already\ a\ subscriber\?.{0,40}
        )\W*$""",
    ),
    _rule(
        "teaser",  # "READ MORE: <headline>", "Also on rt.com <headline>"
        r"""^\W*(?:(?:read\ more|related(?:\ (?:post|article|story|coverage))?|see\ (?:more|also)|also\ read
        |more|don'?t\ miss)\s*[:|–—-]\s*\S|also\ on\ [\w-]+\.\w+\s)""",
        max_words=30,
    ),
    _rule(
        "appeal",  # "Liked it? Take a second to support The Duran on Patreon!"
        r"""patreon|become\ a\ (?:patron|member|supporter)|support\ (?:us|our\ (?:work|journalism))
        |donate\ (?:now|today|here)|make\ a\ (?:one-off\ )?donation|take\ a\ second\ to\ support""",
        max_words=50,
    ),
    _rule(
        "newsletter",  # "Sign up for our newsletter and get the top stories in your inbox"
        r"""^(?=.*\b(?:newsletters?|inbox)\b)(?=.*\b(?:sign(?:ing)?\s*up|subscribe|delivered|get\ the\ latest)\b)
        |^[\w'’\ -]{0,40}\bnewsletters?$""",
        max_words=50,
    ),
    _rule(
        "follow",  # "Follow her on Twitter @name", "Follow Newsbeat on Instagram, Facebook and YouTube"
        r"(?:^follow\s.*|\bfollow\ (?:us|me|him|her|them)\ )\bon\ (?:twitter|facebook|instagram|linkedin|youtube)",
        max_words=30,
    ),
    _rule("shortcode", r"^\[(\w+)[^\]]*\].*\[/\1\]\W*$"),  # an unrendered WordPress shortcode
    _rule("tags", r"^\W*(?:filed\ under|tags|tagged(?:\ with)?|posted\ in|categories)\s*:"),
    _rule(
        "date",  # "17 November 2018", "Saturday, November 17, 2018": page furniture, not prose
        r"^\W*(?:\w+day,?\s+)?(?:\d{1,2}\s+[a-z]{3,9}\.?,?\s+\d{4}|[a-z]{3,9}\.?\s+\d{1,2},?\s+\d{4})\W*$",
    ),
)
# Once one of these appears, what follows is readers' comments.
COMMENTS_START = re.compile(
    r"""^\W*(?:leave\ a\ (?:reply|comment)|post\ a\ comment|\d+\ comments?|comments
    |join\ the\ (?:discussion|conversation))\W*$""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class PageFacts:
    """What the page says about itself (head, JSON-LD, headline), read before any of it is cut away."""

    canonical_url: str | None
    title: str | None
    site_name: str | None
    authors: tuple[str, ...]
    published: dt.date | None
    image: str | None


def decode_html(body: bytes, declared_charset: str | None) -> str:
    """Decode a page as a browser would: a BOM, then the HTTP header's charset, then the page's own <meta>,
    then UTF-8, and only then a guess, which prefers windows-1252 (what undeclared legacy pages mostly are)."""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if body.startswith(bom):
            return body.decode(codec, errors="replace")
    meta = META_CHARSET.search(body[:16384])
    for label in (declared_charset, meta.group(1).decode("ascii") if meta else None):
        declared = _codec(label)
        if declared:
            try:
                return body.decode(declared)
            except UnicodeDecodeError:
                continue  # wrong labels are common; the next clue may be right
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return _guess_and_decode(body)


def extract_article(html: str | bytes, url: str, *, declared_charset: str | None = None) -> ExtractedArticle:
    """The article ``url`` points at: its metadata and main text, without the page around it.

    Raises ``ValueError`` when the page holds no article text (empty, binary, or only navigation).
    """
    if isinstance(html, bytes):
        if _looks_binary(html):
            raise ValueError("not an HTML page: the body is binary data")
        html = decode_html(html, declared_charset)
    if not html.strip():
        raise ValueError("empty page")
    if _looks_garbled(html):
        raise ValueError("not an HTML page: the text is mostly control characters")
    tree = _parse(html)
    facts = read_page_facts(tree, url)
    urls = (url, facts.canonical_url or url)
    isolate_article(tree, facts.title, urls)
    via = take_credit_line(tree)
    drop_form_boxes(tree)
    join_split_body(tree)
    drop_link_teasers(tree, urls)
    paragraphs, text_via = clean_paragraphs(_main_paragraphs(tree, url), facts.title)
    if sum(len(paragraph.split()) for paragraph in paragraphs) < MIN_ARTICLE_WORDS:
        raise ValueError("no article text found on the page")
    return ExtractedArticle(
        url=url,
        canonical_url=facts.canonical_url,
        title=facts.title,
        site_name=facts.site_name,
        authors=facts.authors,
        published=facts.published,
        image=facts.image,
        text="\n\n".join(paragraphs),
        via=via or text_via,
    )


# -- bytes to a tree ------------------------------------------------------------------------------------------------


def _codec(label: str | None) -> str | None:
    """Python's codec for a charset label ("text/html; charset=UTF-8" and quoted labels included)."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.rpartition("charset=")[2].strip().strip("\"'")).name
    except LookupError:
        return None
    return "cp1252" if name in WINDOWS_1252_LABELS else name


def _guess_and_decode(body: bytes) -> str:
    matches = charset_normalizer.from_bytes(body)
    best = matches.best()
    if best is None:
        return body.decode("cp1252", errors="replace")
    western = next((match for match in matches if match.encoding == "cp1252"), None)
    if western is not None and western.chaos <= best.chaos + WINDOWS_1252_MARGIN:
        return str(western)
    return str(best)


def _looks_binary(body: bytes) -> bool:
    """NUL bytes never occur in HTML text (UTF-16 pages announce themselves with a BOM)."""
    head = body[:2048]
    return b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def _looks_garbled(text: str) -> bool:
    sample = text[:4096]
    odd = sum(1 for char in sample if char == "\ufffd" or (char < " " and char not in "\t\n\r\f"))
    return odd > GARBLED_SHARE * len(sample)


def _parse(html: str) -> HtmlElement:
    html = re.sub(r"^\s*<\?xml[^>]*>", "", html)  # lxml refuses decoded text that declares an encoding
    # Comments go at parse time, as in trafilatura's own loader: left in, they cut its paragraphs short.
    parser = HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
    try:
        tree = document_fromstring(html, parser=parser)
    except (etree.ParserError, ValueError) as error:
        raise ValueError(f"not an HTML page: {error}") from None
    # Scripts and styles are never shown, yet text_content() reads them: a headline would carry their code.
    for invisible in tree.xpath("//script[not(@type='application/ld+json')] | //style | //template"):
        invisible.drop_tree()
    body = tree.find("body")
    if body is None or not body.text_content().strip():
        raise ValueError("the page has no visible text")
    return tree


# -- what the page says about itself --------------------------------------------------------------------------------


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
    not_people = {_norm(site_name or ""), _norm(hostname)}
    authors = _people(_ld_authors(linked.get("author")), not_people) or _people(
        _split_names(metas.get("author")), not_people
    )
    published = _to_date(_ld_text(linked.get("datePublished")))
    published = published or _first_date(metas.get(name) for name in DATE_META)
    published = published or _first_date(tree.xpath("//body//time/@datetime"))
    if not authors or published is None:
        # trafilatura reads bylines off the visible page, and runs htmldate's deeper date search.
        found = trafilatura.extract_metadata(tree, default_url=url)
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
        dict.fromkeys(name for name in cleaned if name and "://" not in name and _norm(name) not in not_people)
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
        if _norm(_join(parts, separators, first, last)) == _norm(heading or ""):
            return _join(parts, separators, first, last)
    names = {_norm(site_name or ""), _norm(hostname), _norm(hostname.split(".")[0])} - {""}
    start, end = 0, len(parts)
    while end - start > 1 and _norm(parts[end - 1]) in names:
        end -= 1
    while end - start > 1 and _norm(parts[start]) in names:
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


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


# -- the one article the URL points at ------------------------------------------------------------------------------


def isolate_article(tree: HtmlElement, title: str | None, urls: tuple[str, ...]) -> None:
    """Cut away other stories: other <article>s that start with their own headline, and, on pages that
    append stories without wrapping them (infinite scroll), everything from the next story's headline on."""
    body = tree.find("body")
    heading = _main_heading(body, title)
    if heading is None:
        return
    own = list(heading.iterancestors("article"))
    if own:
        for article in body.xpath(".//article[not(ancestor::article)]"):
            first = next(article.iter("h1", "h2", "h3"), None)
            if article is not own[-1] and first is not None and (first.tag == "h1" or _links_away(first, urls)):
                article.drop_tree()
    wanted = _norm(title or heading.text_content())
    shown = 0
    for element in _following(heading):
        if element.tag == "p":
            shown += len(element.text_content().strip())
        elif (
            element.tag in ("h1", "h2")
            and shown >= TEXT_BEFORE_NEXT_STORY
            and _norm(element.text_content()) != wanted
            and _links_away(element, urls)
            and _byline_follows(element)
        ):
            _remove_from(_story_container(element, heading))
            return


def _main_heading(body: HtmlElement, title: str | None) -> HtmlElement | None:
    """The h1 (or h2) that shows the page's title, else the first h1."""
    wanted = _norm(title or "")
    for tag in ("h1", "h2") if wanted else ():
        for heading in body.iter(tag):
            text = _norm(heading.text_content())
            if text and (text == wanted or (len(text) > 0.6 * len(wanted) and (text in wanted or wanted in text))):
                return heading
    return next(body.iter("h1"), None)


def _links_away(heading: HtmlElement, urls: tuple[str, ...]) -> bool:
    """Whether a headline is a link to another page (a story's own headline never links away)."""
    length = len(_norm(heading.text_content()))
    for link in heading.iter("a"):
        href = (link.get("href") or "").strip()
        if href and not href.startswith("#") and not _same_page(href, urls):
            return len(_norm(link.text_content())) >= 0.5 * length > 0
    return False


def _same_page(href: str, urls: tuple[str, ...]) -> bool:
    target = urljoin(urls[0], href).split("#")[0].rstrip("/")
    return any(target == url.split("#")[0].rstrip("/") for url in urls)


def _byline_follows(headline: HtmlElement) -> bool:
    """Another story's headline is followed by its byline or date before any of its text."""
    for seen, element in enumerate(_following(headline)):
        if element.tag == "time" or BYLINE_CLASS.search(f"{element.get('class', '')} {element.get('id', '')}"):
            return True
        if BYLINE.match(element.text or "") and len(element.text or "") < 100:
            return True
        if seen >= 8 or (element.tag == "p" and len(element.text_content()) > 150):
            return False
    return False


def _following(element: HtmlElement) -> Iterator[HtmlElement]:
    """Elements after ``element`` and outside it, in document order."""
    current: HtmlElement | None = element
    while current is not None:
        for sibling in current.itersiblings():
            yield from (node for node in sibling.iter() if isinstance(node.tag, str))
        current = current.getparent()


def _story_container(headline: HtmlElement, main_heading: HtmlElement) -> HtmlElement:
    """The largest element that starts with ``headline`` (a kicker or byline may come first)."""
    container = headline
    for ancestor in headline.iterancestors():
        if ancestor.tag == "body" or main_heading in ancestor.iterdescendants():
            break
        before = 0
        for node in ancestor.iter():
            if node is headline:
                break
            before += len((node.text or "").strip()) + (len((node.tail or "").strip()) if node is not ancestor else 0)
        if before > TEXT_BEFORE_HEADLINE:
            break
        container = ancestor
    return container


def _remove_from(element: HtmlElement) -> None:
    """Remove ``element`` and everything after it in the document."""
    current = element
    while current.tag != "body" and (parent := current.getparent()) is not None:
        for sibling in list(current.itersiblings()):
            parent.remove(sibling)
        current.tail = None
        current = parent
    element.getparent().remove(element)


# -- boxes and credits inside the body ------------------------------------------------------------------------------


def take_credit_line(tree: HtmlElement) -> str | None:
    """A "Via <outlet>" line credits the source: keep the outlet, take the line out of the text.
    Photo credits ("via Getty Images" in a caption) are not the story's source."""
    for element in tree.find("body").iter("p", "div", "li", "h4", "h5", "h6", "blockquote"):
        text = " ".join(element.text_content().split())
        match = CREDIT_LINE.match(text) if len(text) < 80 else None
        if (
            match
            and len(match.group("outlet").split()) <= CREDIT_MAX_WORDS
            and not any(parent.tag in ("figure", "figcaption") for parent in element.iterancestors())
        ):
            element.drop_tree()
            return match.group("outlet").strip(" :,")
    return None


def drop_form_boxes(tree: HtmlElement) -> None:
    """Newsletter sign-ups and comment forms are boxes built around a form: drop the box, not just the form."""
    for field in tree.find("body").xpath(".//input[@type='email'] | .//textarea"):
        box = field
        for ancestor in field.iterancestors():
            if ancestor.tag == "body" or len(ancestor.text_content().strip()) > FORM_BOX_CHARS:
                break
            box = ancestor
        if box is not field and box.getparent() is not None:
            box.drop_tree()


def drop_link_teasers(tree: HtmlElement, urls: tuple[str, ...]) -> None:
    """A paragraph or list item that is only a link to another page teases that page; it is not prose."""
    for element in tree.find("body").xpath(".//p | .//li"):
        text = _norm(element.text_content())
        if len(text.split()) not in TEASER_WORDS:
            continue
        links = [link for link in element.iter("a") if (link.get("href") or "#").strip()[:1] != "#"]
        linked = sum(len(_norm(link.text_content())) + 1 for link in links)
        if links and linked >= 0.9 * len(text) and not any(_same_page(link.get("href", ""), urls) for link in links):
            element.drop_tree()


def join_split_body(tree: HtmlElement) -> None:
    """Some sites cut the body into containers of one class, each in its own wrapper between ads, and
    trafilatura keeps only the first. Gather the parts, with the headings, quotes and figures between
    them, in page order into one container where the first part was."""
    groups: dict[tuple[str, str], list[HtmlElement]] = {}
    for element in tree.find("body").iter():
        css = element.get("class") if isinstance(element.tag, str) else None
        if not css or NOT_BODY_CLASS.search(css):
            continue
        prose = [child for child in element if child.tag == "p" and len(child.text_content().strip()) > PROSE_CHARS]
        if len(prose) >= BODY_PART_PARAGRAPHS:
            groups.setdefault((element.tag, css), []).append(element)
    parts = max(groups.values(), key=lambda group: sum(len(part.text_content()) for part in group), default=[])
    paths = {tree.getroottree().getpath(part.getparent()) for part in parts}
    if len(paths) < 2 or any(other in part.iterancestors() for part in parts for other in parts):
        return  # side by side in one container (trafilatura takes it whole), or not parts of one thing
    common = next(node for node in parts[0].iterancestors() if all(node in part.iterancestors() for part in parts))
    gathered: list[HtmlElement] = []
    inside = False
    for element in common.iterdescendants():
        inside = inside or element is parts[0]
        if not inside or (gathered and gathered[-1] in element.iterancestors()):
            continue
        if element in parts or element.tag in BODY_BLOCKS:
            gathered.append(element)
        if element is parts[-1]:
            break
    joined = parts[0].makeelement(parts[0].tag, {"class": parts[0].get("class", "")})
    parts[0].addprevious(joined)
    for element in gathered:
        for block in list(element) if element in parts else [element]:
            block.tail = None  # whitespace between blocks, which lxml would move along
            joined.append(block)
        if element in parts:
            element.getparent().remove(element)


# -- the text -------------------------------------------------------------------------------------------------------


def _main_paragraphs(tree: HtmlElement, url: str) -> list[str]:
    # favor_precision and no comments: measured best on the benchmark (see benchmarks/extraction.py).
    document = trafilatura.bare_extraction(
        tree, url=url, favor_precision=True, include_comments=False, include_tables=True, with_metadata=False
    )
    text = getattr(document, "text", None) or ""
    return [line for line in (" ".join(raw.split()) for raw in text.split("\n")) if line]


def clean_paragraphs(paragraphs: Iterable[str], title: str | None) -> tuple[list[str], str | None]:
    """Drop what trafilatura keeps that is not the story (the headline again, interface lines, teasers,
    appeals, sign-ups, and everything from a comments heading on); a credit line becomes ``via``."""
    kept: list[str] = []
    via = None
    headline = _norm(title or "")
    for paragraph in paragraphs:
        if kept and COMMENTS_START.match(paragraph):
            break
        credit = CREDIT_LINE.match(paragraph)
        if credit and len(credit.group("outlet").split()) <= CREDIT_MAX_WORDS:
            via = via or credit.group("outlet").strip(" :,")
            continue
        words = len(paragraph.split())
        if _norm(paragraph) == headline or any(
            words <= rule.max_words and rule.pattern.search(paragraph) for rule in LINE_RULES
        ):
            continue
        kept.append(paragraph)
    return kept, via
