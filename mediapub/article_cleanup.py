"""Cutting a news page down to the one article its URL points at, and its text down to prose.

Each rule is about page structure or wording common to news sites, never one site:
other stories appended by infinite scroll, teaser rails, appeals, share bars,
sign-up and comment forms, credit lines. Each was kept only because it raised the
score of ``benchmarks/extraction.py`` (or did not lower it and is needed on real pages).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

from lxml.html import HtmlElement

from .page_facts import normalized

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
    wanted = normalized(title or heading.text_content())
    shown = 0
    for element in _following(heading):
        if element.tag == "p":
            shown += len(element.text_content().strip())
        elif (
            element.tag in ("h1", "h2")
            and shown >= TEXT_BEFORE_NEXT_STORY
            and normalized(element.text_content()) != wanted
            and _links_away(element, urls)
            and _byline_follows(element)
        ):
            _remove_from(_story_container(element, heading))
            return


def _main_heading(body: HtmlElement, title: str | None) -> HtmlElement | None:
    """The h1 (or h2) that shows the page's title, else the first h1."""
    wanted = normalized(title or "")
    for tag in ("h1", "h2") if wanted else ():
        for heading in body.iter(tag):
            text = normalized(heading.text_content())
            if text and (text == wanted or (len(text) > 0.6 * len(wanted) and (text in wanted or wanted in text))):
                return heading
    return next(body.iter("h1"), None)


def _links_away(heading: HtmlElement, urls: tuple[str, ...]) -> bool:
    """Whether a headline is a link to another page (a story's own headline never links away)."""
    length = len(normalized(heading.text_content()))
    for link in heading.iter("a"):
        href = (link.get("href") or "").strip()
        if href and not href.startswith("#") and not _same_page(href, urls):
            return len(normalized(link.text_content())) >= 0.5 * length > 0
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
        text = normalized(element.text_content())
        if len(text.split()) not in TEASER_WORDS:
            continue
        links = [link for link in element.iter("a") if (link.get("href") or "#").strip()[:1] != "#"]
        linked = sum(len(normalized(link.text_content())) + 1 for link in links)
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


def clean_paragraphs(paragraphs: Iterable[str], title: str | None) -> tuple[list[str], str | None]:
    """Drop what trafilatura keeps that is not the story (the headline again, interface lines, teasers,
    appeals, sign-ups, and everything from a comments heading on); a credit line becomes ``via``."""
    kept: list[str] = []
    via = None
    headline = normalized(title or "")
    for paragraph in paragraphs:
        if kept and COMMENTS_START.match(paragraph):
            break
        credit = CREDIT_LINE.match(paragraph)
        if credit and len(credit.group("outlet").split()) <= CREDIT_MAX_WORDS:
            via = via or credit.group("outlet").strip(" :,")
            continue
        words = len(paragraph.split())
        if normalized(paragraph) == headline or any(
            words <= rule.max_words and rule.pattern.search(paragraph) for rule in LINE_RULES
        ):
            continue
        kept.append(paragraph)
    return kept, via
