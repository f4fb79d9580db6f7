"""The articles stage: an episode's linked news articles, fetched once, read, and summarized.

Every page fetched is kept in the show's article cache (``<show>/.articles``):
the page as fetched and what was extracted from it. Republishing reads the
cache and never refetches; ``offline`` never touches the network; ``refresh``
fetches again (falling back to the cached copy if that fails). When the
extractor changes, cached pages are read again without being refetched.

A link that cannot be fetched or read does not fail the episode: its entry
falls back to the title given in episode.toml (or the URL) and a warning says
why; ``strict`` turns that warning into an error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import extract
from .errors import MediaError
from .fetch import FetchFailure, FetchLimits, Page, fetch_pages
from .model import Article, ArticleNote, ExtractedArticle
from .summarize import summarize

CACHE_FOLDER = ".articles"
#: Bump when extraction or summaries would come out differently: cached pages are then read again.
READER_VERSION = 1


@dataclass(frozen=True, slots=True)
class ArticleOptions:
    """How the articles stage may use the network (the ``--offline``/``--refresh``/``--strict`` flags)."""

    offline: bool = False
    refresh: bool = False
    strict: bool = False
    limits: FetchLimits = field(default_factory=FetchLimits)


class ArticleCache:
    """Fetched pages and what was read from them, one JSON file per URL, in the show's folder."""

    def __init__(self, folder: Path, *, read_only: bool = False) -> None:
        self.folder = Path(folder)
        self.read_only = read_only

    def path(self, url: str) -> Path:
        return self.folder / f"{hashlib.sha256(url.encode()).hexdigest()[:32]}.json"

    def load(self, url: str) -> dict[str, object] | None:
        try:
            entry = json.loads(self.path(url).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return entry if isinstance(entry, dict) and entry.get("url") == url else None

    def save(self, url: str, entry: dict[str, object]) -> None:
        if self.read_only:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".partial")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(entry, out, ensure_ascii=False, indent=1, sort_keys=True)
            os.replace(partial, self.path(url))
        finally:
            Path(partial).unlink(missing_ok=True)


def read_articles(
    articles: Sequence[Article],
    cache: ArticleCache | None,
    options: ArticleOptions,
    warn: Callable[[str], None],
) -> tuple[ArticleNote, ...]:
    """One note per linked article, in the order the episode lists them."""
    urls = [str(article.url) for article in articles]
    entries = {url: cache.load(url) if cache else None for url in urls}
    wanted = [url for url in urls if options.refresh or entries[url] is None]
    fetched: dict[str, Page | FetchFailure] = {}
    if wanted and not options.offline:
        fetched = fetch_pages(wanted, options.limits)
    notes = []
    for article, url in zip(articles, urls, strict=True):
        result = fetched.get(url)
        if isinstance(result, Page):
            entry = _entry_from_page(result)
            if cache:
                cache.save(url, entry)
            entries[url] = entry
        elif isinstance(result, FetchFailure) and entries[url] is not None:
            warn(f"{url}: {result.reason}; using the copy fetched before")
        note = _note(article, entries[url], result, options, cache)
        if note.problem:
            if options.strict:
                raise MediaError(note.problem, subject=url)
            warn(f"{url}: {note.problem}; the notes list it by its title only")
        notes.append(note)
    return tuple(notes)


def _entry_from_page(page: Page) -> dict[str, object]:
    html = extract.decode_html(page.body, page.charset)
    return {
        "url": page.url,
        "final_url": page.final_url,
        "fetched": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "content_type": page.content_type,
        "html": html,
    }


def _note(
    article: Article,
    entry: dict[str, object] | None,
    result: Page | FetchFailure | None,
    options: ArticleOptions,
    cache: ArticleCache | None,
) -> ArticleNote:
    url = str(article.url)
    fallback_title = article.title or url
    if entry is None:
        reason = result.reason if isinstance(result, FetchFailure) else "not in the article cache (offline)"
        if not options.offline and result is None:
            reason = "not fetched"
        return ArticleNote(url=url, title=fallback_title, problem=reason)
    read = entry.get("read")
    if not isinstance(read, dict) or read.get("version") != READER_VERSION:
        try:
            extracted = extract.extract_article(str(entry["html"]), str(entry.get("final_url") or url))
        except ValueError as exc:
            return ArticleNote(url=url, title=fallback_title, problem=f"no article found on the page ({exc})")
        read = {"version": READER_VERSION, **_article_to_json(extracted), "summary": summarize(extracted.text)}
        entry["read"] = read
        if cache:
            cache.save(url, entry)
    published = read.get("published")
    return ArticleNote(
        url=url,
        title=_text(read.get("title")) or fallback_title,
        source=_source(_text(read.get("site_name")), _text(read.get("via"))),
        authors=tuple(str(name) for name in read.get("authors") or ()),  # type: ignore[union-attr]
        published=dt.date.fromisoformat(published) if isinstance(published, str) else None,
        summary=_text(read.get("summary")),
    )


def _article_to_json(article: ExtractedArticle) -> dict[str, object]:
    data = asdict(article)
    data["published"] = article.published.isoformat() if article.published else None
    data["authors"] = list(article.authors)
    return data


def _source(site: str | None, via: str | None) -> str | None:
    """Where the article comes from: the site, and the outlet it credits ("The Duran, via BBC News")."""
    if site and via and via.lower() != site.lower():
        return f"{site}, via {via}"
    return site or via


def _text(value: object) -> str | None:
    return str(value) if isinstance(value, str) and value.strip() else None
