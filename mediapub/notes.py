"""The show-notes stage: what apps, pages and the MP3's comment say about an episode.

Notes are the summary from episode.toml, then each linked article as its
headline (linked), source and date, the time the episode reaches it, and a
short summary of it (read by the articles stage). All HTML leaves through
``sanitize_html``, so whatever a producer or an article puts in, only a safe
set of tags reaches the feed and pages.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

import nh3

from .display import clock, long_date
from .html_safety import sanitize_html
from .model import Article, ArticleNote, ChapterMark, Episode, ShowNotes
from .summarize import combined_summary

#: Apple Podcasts shows at most this many bytes of an episode's ``<description>``.
DESCRIPTION_LIMIT = 4000
HEADING = "Articles discussed in this episode"


def render_notes(
    episode: Episode, articles: Sequence[ArticleNote] | None = None, chapters: Sequence[ChapterMark] = ()
) -> ShowNotes:
    """The episode's notes as sanitized HTML, Markdown and plain text: its summary first, then the articles.

    ``articles`` are what the articles stage read (without it, the links from
    episode.toml); a chapter whose URL is an article's puts its time beside it.
    """
    notes = list(articles) if articles is not None else [_unread(article) for article in episode.articles]
    times = {chapter.url: chapter.start for chapter in chapters if chapter.url}
    paragraphs = _paragraphs(episode.summary)
    items = [_Item(note, times.get(note.url)) for note in notes]

    intro = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    listing = f"<p>{HEADING}:</p><ul>{''.join(item.html() for item in items)}</ul>" if items else ""
    markdown = "\n\n".join(paragraphs)
    text = "\n\n".join(paragraphs)
    if items:
        markdown += f"\n\n## {HEADING}\n\n" + "\n".join(item.markdown() for item in items)
        text += f"\n\n{HEADING}:\n" + "\n".join(item.text() for item in items)
    return ShowNotes(
        html=sanitize_html(intro + listing),
        markdown=markdown + "\n",
        text=text,
        description=_description(paragraphs, items),
        summary=combined_summary([note.summary for note in notes if note.summary]),
        articles=tuple(notes),
    )


@dataclass(frozen=True, slots=True)
class _Item:
    """One article in the list, in each output format."""

    note: ArticleNote
    time: float | None

    def details(self) -> str:
        published = long_date(self.note.published) if self.note.published else None
        parts = [part for part in (self.note.source, published) if part]
        if self.time is not None:
            parts.append(f"at {clock(self.time)}")
        return "; ".join(parts)

    def html(self) -> str:
        link = f'<a href="{html.escape(self.note.url)}">{html.escape(self.note.title)}</a>'
        details = f" ({html.escape(self.details())})" if self.details() else ""
        summary = f"<br>{html.escape(self.note.summary)}" if self.note.summary else ""
        return f"<li>{link}{details}{summary}</li>"

    def markdown(self) -> str:
        details = f" — {_escape_markdown(self.details())}" if self.details() else ""
        line = f"- [{_escape_markdown(self.note.title)}](<{self.note.url}>){details}"
        return line + (f"\n  {_escape_markdown(self.note.summary)}" if self.note.summary else "")

    def text(self) -> str:
        details = f" ({self.details()})" if self.details() else ""
        line = f"- {self.note.title}{details}: {self.note.url}"
        return line + (f"\n  {self.note.summary}" if self.note.summary else "")


def _description(paragraphs: list[str], items: list[_Item]) -> str:
    """The notes cut to Apple's byte limit at whole elements: as many paragraphs and articles as fit."""
    kept = ""
    for paragraph in paragraphs:
        candidate = kept + f"<p>{html.escape(paragraph)}</p>"
        if _bytes(candidate) > DESCRIPTION_LIMIT:
            return kept + _shortened(paragraph, DESCRIPTION_LIMIT - _bytes(kept))
        kept = candidate
    listed = ""
    for item in items:
        candidate = f"<p>{HEADING}:</p><ul>{listed + item.html()}</ul>"
        if _bytes(kept + candidate) > DESCRIPTION_LIMIT:
            break
        listed += item.html()
    return sanitize_html(kept + (f"<p>{HEADING}:</p><ul>{listed}</ul>" if listed else ""))


def _shortened(paragraph: str, budget: int) -> str:
    """``<p>`` with as many whole words of ``paragraph`` as fit in ``budget`` bytes, and an ellipsis."""
    words = paragraph.split()
    low, high = 0, len(words)
    while low < high:
        middle = (low + high + 1) // 2
        if _bytes(f"<p>{html.escape(' '.join(words[:middle]))} …</p>") <= budget:
            low = middle
        else:
            high = middle - 1
    return f"<p>{html.escape(' '.join(words[:low]))} …</p>" if low else ""


def _bytes(markup: str) -> int:
    return len(sanitize_html(markup).encode("utf-8"))


def _unread(article: Article) -> ArticleNote:
    return ArticleNote(url=str(article.url), title=article.title or str(article.url))


def _paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; single newlines inside one are just wrapping. Markup is dropped."""
    return [" ".join(plain_text(block).split()) for block in re.split(r"\n\s*\n", text) if block.strip()]


def plain_text(text: str) -> str:
    """``text`` with any markup removed: tags go, their text stays, scripts and styles go entirely.

    Summaries are plain text; markup pasted into one (from a CMS, or worse) must
    not reach a feed or a page even as visible code.
    """
    return html.unescape(nh3.clean(text, tags=set()))


def _escape_markdown(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]<>#|])", r"\\\1", text)
