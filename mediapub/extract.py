"""Read the news article a show-notes URL points at out of its HTML.

trafilatura finds the main text; this module decides what it is given and what of
its output is kept. News pages carry more than the story: infinite scroll appends
the next stories, teaser rails repeat other headlines, and appeals, share bars,
sign-up boxes and credit lines sit inside the body. Those look alike on every news
site, so each rule here is about page structure or wording common to news sites,
never about one site, and each was kept only because it raised the score of
``benchmarks/extraction.py`` (or did not lower it and is needed on real pages).

The pieces live beside it: ``charset`` decodes the page, ``page_facts`` reads what the
page says about itself, ``article_cleanup`` holds the cutting rules; this module runs
them in order around trafilatura.
"""

from __future__ import annotations

import re
from dataclasses import asdict

from lxml import etree
from lxml.html import HtmlElement, HTMLParser, document_fromstring

from .article_cleanup import (
    clean_paragraphs,
    drop_form_boxes,
    drop_link_teasers,
    isolate_article,
    join_split_body,
    take_credit_line,
)
from .charset import decode_html, looks_binary, looks_garbled
from .model import ExtractedArticle
from .page_facts import read_page_facts

__all__ = [
    "clean_paragraphs",
    "decode_html",
    "drop_link_teasers",
    "extract_article",
    "isolate_article",
    "join_split_body",
]


# Fewer words than this is a navigation bar or a cookie notice, not an article (a paywall teaser has dozens).
MIN_ARTICLE_WORDS = 12


def extract_article(html: str | bytes, url: str, *, declared_charset: str | None = None) -> ExtractedArticle:
    """The article ``url`` points at: its metadata and main text, without the page around it.

    Raises ``ValueError`` when the page holds no article text (empty, binary, or only navigation).
    """
    if isinstance(html, bytes):
        if looks_binary(html):
            raise ValueError("not an HTML page: the body is binary data")
        html = decode_html(html, declared_charset)
    if not html.strip():
        raise ValueError("empty page")
    if looks_garbled(html):
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
    return ExtractedArticle(**asdict(facts), url=url, text="\n\n".join(paragraphs), via=via or text_via)


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


def _main_paragraphs(tree: HtmlElement, url: str) -> list[str]:
    # favor_precision and no comments: measured best on the benchmark (see benchmarks/extraction.py).
    document = _trafilatura().bare_extraction(
        tree, url=url, favor_precision=True, include_comments=False, include_tables=True, with_metadata=False
    )
    text = getattr(document, "text", None) or ""
    return [line for line in (" ".join(raw.split()) for raw in text.split("\n")) if line]


def _trafilatura():  # type: ignore[no-untyped-def]
    """trafilatura, imported when first needed: it costs a sixth of a second that most commands never use."""
    import trafilatura

    return trafilatura
