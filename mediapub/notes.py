"""The show-notes stage: what apps, pages and the MP3's comment say about an episode.

At this stage notes are the summary from episode.toml followed by the linked
articles as a list of links; fetching and summarizing the articles plugs in
here later. All HTML leaves through ``sanitize_html``, so whatever a producer
or an article puts in, only a safe set of tags reaches the feed and pages.
"""

from __future__ import annotations

import html
import re

import nh3

from .model import Article, Episode, ShowNotes

ALLOWED_TAGS = frozenset({"p", "br", "a", "ul", "ol", "li", "strong", "em", "b", "i", "blockquote", "h3", "h4"})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def sanitize_html(markup: str) -> str:
    """Keep only the allow-listed tags; links get ``rel="noopener noreferrer"``."""
    return nh3.clean(
        markup,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
    )


def render_notes(episode: Episode) -> ShowNotes:
    """Render the episode's notes as sanitized HTML, Markdown and plain text."""
    paragraphs = _paragraphs(episode.summary)
    articles = [(_article_label(article), str(article.url)) for article in episode.articles]

    markup = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    markdown = "\n\n".join(paragraphs)
    text = "\n\n".join(paragraphs)
    if articles:
        items = "".join(f'<li><a href="{html.escape(url)}">{html.escape(label)}</a></li>' for label, url in articles)
        markup += f"<p>Articles discussed in this episode:</p><ul>{items}</ul>"
        markdown += "\n\n## Articles discussed in this episode\n\n"
        markdown += "\n".join(f"- [{_escape_markdown(label)}](<{url}>)" for label, url in articles)
        text += "\n\nArticles discussed in this episode:\n" + "\n".join(f"- {label}: {url}" for label, url in articles)
    return ShowNotes(html=sanitize_html(markup), markdown=markdown + "\n", text=text)


def _paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; single newlines inside one are just wrapping."""
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]


def _article_label(article: Article) -> str:
    return article.title or str(article.url)


def _escape_markdown(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]<>#|])", r"\\\1", text)
