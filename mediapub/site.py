"""The web pages published beside the feed: show page, episode pages, embed players, oEmbed.

Listeners arrive from search and social links, and editors embed episodes in
articles; both need pages, not a feed. The pages are static files in the same
storage as the feed, so any host that serves the media serves them too:

- ``index.html``: the show (artwork, description, subscribe and funding links,
  the latest episodes);
- ``episodes/<slug>/index.html``: one episode (player, chapters that seek it,
  the YouTube version behind a click, show notes, transcript, download);
- ``episodes/<slug>/embed/index.html``: a small player for an ``<iframe>``;
- ``episodes/<slug>/oembed.json``: the oEmbed document CMSs discover from the page.

Pages link to each other and to the media with relative URLs, so a copy served
anywhere (``mediapub serve``, a staging bucket) works; only what other sites
read (canonical, Open Graph, oEmbed, JSON-LD) is absolute. Scripts come from
one file of our own, no CDN, and every page forbids any other script with a
Content-Security-Policy, so even markup that slipped past sanitizing cannot
run. Templates are Jinja2 with autoescaping; a show may replace any of them.
"""

from __future__ import annotations

import hashlib
import html
import json
import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from . import captions
from ._version import __version__
from .display import clock, long_date
from .errors import ConfigError, MediapubError
from .html_safety import sanitize_html
from .model import ChapterMark, EpisodeListing, PublishedEpisode, Show, StoredObject, youtube_video_id

SHOW_PAGE = "index.html"
#: Every page says who made it; publish replaces only a show page that carries this.
GENERATOR_MARK = b'<meta name="generator" content="mediapub'
GENERATOR = f"mediapub {__version__}"
TEMPLATES = ("show.html", "episode.html", "embed.html")
ASSETS = ("site.css", "player.js")
#: The embedded player's size: what the oEmbed document and the snippet ask the host page for.
EMBED_WIDTH, EMBED_HEIGHT = 600, 200
#: Only our own script runs; YouTube's player is the one frame a page may load, and only after a click.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "media-src 'self' https:; frame-src https://www.youtube-nocookie.com; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'"
)


@dataclass(frozen=True, slots=True)
class SiteFile:
    """One file of the site and whether it may be cached forever (its key names its content)."""

    key: str
    data: bytes
    immutable: bool = False


@dataclass(frozen=True, slots=True)
class SiteLinks:
    """Where the site's shared parts are: the feed, the show's artwork, and how keys become URLs."""

    feed_url: str
    artwork: StoredObject
    public_url: Callable[[str], str]
    #: The artwork's side in pixels (it is square), for the oEmbed thumbnail.
    artwork_side: int | None = None
    #: A small JPEG of the artwork for covers, icons and the embed: pages need 240 px, not 3000.
    thumbnail: StoredObject | None = None


def episode_page_key(slug: str) -> str:
    return f"episodes/{slug}/index.html"


def embed_page_key(slug: str) -> str:
    return f"episodes/{slug}/embed/index.html"


def oembed_key(slug: str) -> str:
    return f"episodes/{slug}/oembed.json"


def page_url(public_url: Callable[[str], str], key: str, *, clean: bool) -> str:
    """The absolute URL of a page; with clean URLs a folder's ``index.html`` is the folder itself."""
    url = public_url(key)
    return url.removesuffix("index.html") if clean and key.endswith("index.html") else url


def iframe_snippet(embed_url: str, title: str) -> str:
    """The ``<iframe>`` an editor pastes, and what the oEmbed document hands to CMSs."""
    return (
        f'<iframe src="{html.escape(embed_url)}" title="{html.escape(title)}" width="100%" '
        f'height="{EMBED_HEIGHT}" style="max-width:{EMBED_WIDTH}px;border:0" loading="lazy" '
        f'allow="autoplay" referrerpolicy="strict-origin-when-cross-origin"></iframe>'
    )


class Site:
    """The templates of one show, loaded once (a broken override fails before any audio work)."""

    def __init__(self, show: Show) -> None:
        self.show = show
        self.clean = show.site.clean_urls
        loaders: list[jinja2.BaseLoader] = [jinja2.PackageLoader("mediapub", "site_templates")]
        folder = show.site.templates
        if folder is not None:
            if not folder.is_dir():
                raise ConfigError(f"no such folder: {folder}", file="show.toml", field="site.templates")
            loaders.insert(0, jinja2.FileSystemLoader(folder))
        self.environment = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.assets = [_asset(name) for name in ASSETS]
        self.asset_keys = {name: asset.key for name, asset in zip(ASSETS, self.assets, strict=True)}
        try:
            self.templates = {name: self.environment.get_template(name) for name in TEMPLATES}
        except jinja2.TemplateError as exc:
            raise ConfigError(
                f"template {_where(exc)}: {exc.message}", file="show.toml", field="site.templates"
            ) from None

    def build(self, published: Sequence[PublishedEpisode], links: SiteLinks) -> list[SiteFile]:
        """The pages of these episodes (page, embed player, oEmbed), and the stylesheet and script they share."""
        files = list(self.assets)
        show_url = page_url(links.public_url, SHOW_PAGE, clean=self.clean)
        for item in published:
            files += self._episode_files(item, links, show_url)
        return files

    def show_page(self, newest: Sequence[EpisodeListing], links: SiteLinks) -> SiteFile:
        """The show's page, listing ``newest`` (the newest ``[site] latest`` episodes of the feed, in that order)."""
        show = self.show
        show_url = page_url(links.public_url, SHOW_PAGE, clean=self.clean)
        common = self._common(SHOW_PAGE, links, show_url)
        base = links.public_url(SHOW_PAGE).removesuffix(SHOW_PAGE)
        episodes = [_listed(item, self._link_to(item.url, base)) for item in newest]
        series = {
            "@context": "https://schema.org",
            "@type": "PodcastSeries",
            "name": show.title,
            "description": show.description,
            "url": show_url,
            "image": links.artwork.url,
            "webFeed": links.feed_url,
            "author": {"@type": "Organization", "name": show.author},
            "inLanguage": show.language,
        }
        data = self._render("show.html", SHOW_PAGE, **common, episodes=episodes, json_ld=_json_ld(series))
        return SiteFile(SHOW_PAGE, data)

    def _render(self, template: str, key: str, **context: Any) -> bytes:
        try:
            return self.templates[template].render(**context).encode("utf-8")
        except jinja2.TemplateError as exc:
            raise MediapubError(f"{template}: {exc}", subject="site templates") from None

    def _link_to(self, url: str | None, base: str) -> str | None:
        """A link from the show page to a page URL: relative when it is one of ours, as it is otherwise."""
        if not url or not url.startswith(base):
            return url
        key = url.removeprefix(base)
        return self._href(SHOW_PAGE, f"{key}index.html" if key.endswith("/") or not key else key)

    def _href(self, page: str, target: str) -> str:
        """A relative link from the page at key ``page`` to the object or page at key ``target``."""
        relative = posixpath.relpath(target, posixpath.dirname(page) or ".")
        if self.clean and (relative == "index.html" or relative.endswith("/index.html")):
            relative = relative.removesuffix("index.html") or "./"
        return relative

    def _common(self, key: str, links: SiteLinks, show_url: str) -> dict[str, Any]:
        show = self.show
        return {
            "show": {
                "title": show.title,
                "author": show.author,
                "language": show.language,
                "paragraphs": _paragraphs(show.description),
                "link": str(show.link),
                "url": show_url,
                "home": self._href(key, SHOW_PAGE),
                "feed_url": links.feed_url,
                "artwork": self._href(key, (links.thumbnail or links.artwork).key),
                "artwork_url": links.artwork.url,
                "funding": [{"url": str(f.url), "text": f.text} for f in show.funding],
                "subscribe": [{"url": str(s.url), "name": s.label, "platform": s.platform} for s in show.subscribe],
                "youtube_channel": str(show.youtube_channel) if show.youtube_channel else None,
                "copyright": show.copyright,
            },
            "css": self._href(key, self.asset_keys["site.css"]),
            "script": self._href(key, self.asset_keys["player.js"]),
            "csp": CONTENT_SECURITY_POLICY,
            "generator": GENERATOR,
        }

    def _episode_files(self, item: PublishedEpisode, links: SiteLinks, show_url: str) -> list[SiteFile]:
        episode, show = item.episode, self.show
        key, embed_key = episode_page_key(episode.slug), embed_page_key(episode.slug)
        url = page_url(links.public_url, key, clean=self.clean)
        embed_url = page_url(links.public_url, embed_key, clean=self.clean)
        oembed_url = links.public_url(oembed_key(episode.slug))
        image = item.image or links.artwork
        video_id = youtube_video_id(str(episode.youtube)) if episode.youtube else None
        description = _teaser(episode.summary, limit=300)
        listing = EpisodeListing(
            number=episode.number,
            season=episode.season,
            title=episode.title,
            date=episode.date,
            duration=item.duration,
            teaser=episode.summary,
            url=url,
        )

        def context(page: str) -> dict[str, Any]:
            return {
                **self._common(page, links, show_url),
                **_listed(listing, self._href(page, key)),
                "url": url,
                "embed_url": embed_url,
                "oembed_url": oembed_url,
                "description": description,
                "paragraphs": _paragraphs(episode.summary),
                "media": self._href(page, item.media.key),
                "media_url": item.media.url,
                "media_type": _web_type(item.media.content_type),
                "media_size": _size_text(item.media.size),
                "media_name": item.media.key.rsplit("/", 1)[-1],
                "image": self._href(page, (item.image or links.thumbnail or links.artwork).key),
                "image_url": image.url,
                "chapters": _chapters(item.chapter_marks),
                "captions": self._captions(page, item),
                "transcripts": [
                    {"href": self._href(page, t.key), "label": _transcript_label(t.content_type)}
                    for t in item.transcripts
                ],
                "poster": self._href(page, item.poster.key) if item.poster else None,
                "poster_url": item.poster.url if item.poster else None,
                "youtube": _youtube(video_id),
                "embed_page": self._href(page, embed_key),
                "seconds": round(item.duration, 3),
                "total": clock(item.duration),
                "embed_width": EMBED_WIDTH,
                "embed_height": EMBED_HEIGHT,
                "episode_page": self._href(page, key),
            }

        page = context(key)
        notes = Markup(sanitize_html(item.notes.html))
        cues = _transcript_cues(item)
        snippet = iframe_snippet(embed_url, f"{show.title}: {episode.title}")
        json_ld = _json_ld(_episode_json_ld(item, show, url, show_url, links, video_id))
        extra = {"notes": notes, "cues": cues, "snippet": snippet, "json_ld": json_ld}
        files = [
            SiteFile(key, self._render("episode.html", key, **page, **extra)),
            SiteFile(embed_key, self._render("embed.html", embed_key, **context(embed_key))),
        ]
        oembed = {
            "version": "1.0",
            "type": "rich",
            "provider_name": show.title,
            "provider_url": show_url,
            "title": episode.title,
            "author_name": show.author,
            "author_url": str(show.link),
            "html": snippet,
            "width": EMBED_WIDTH,
            "height": EMBED_HEIGHT,
            "cache_age": 3600,
        }
        # The spec wants a thumbnail's size with it: the poster's (known), else the show's square artwork.
        if item.poster is not None and item.poster_size:
            oembed |= {"thumbnail_url": item.poster.url, "thumbnail_width": item.poster_size[0],
                       "thumbnail_height": item.poster_size[1]}  # fmt: skip
        elif links.artwork_side:
            oembed |= {"thumbnail_url": links.artwork.url, "thumbnail_width": links.artwork_side,
                       "thumbnail_height": links.artwork_side}  # fmt: skip
        files.append(SiteFile(oembed_key(episode.slug), json.dumps(oembed, indent=2, ensure_ascii=False).encode()))
        return files

    def _captions(self, page: str, item: PublishedEpisode) -> str | None:
        """The WebVTT transcript, for the audio element's captions track."""
        for transcript in item.transcripts:
            if transcript.content_type.startswith("text/vtt"):
                return self._href(page, transcript.key)
        return None


def _listed(item: EpisodeListing, href: str | None) -> dict[str, Any]:
    """An episode as both the show page's list and the episode's own page header show it."""
    return {
        "number": item.number,
        "season": item.season,
        "title": item.title,
        "date": long_date(item.date),
        "iso_date": item.date.isoformat(),
        "duration": _duration_text(item.duration),
        "teaser": _teaser(item.teaser),
        "href": href,
    }


def _asset(name: str) -> SiteFile:
    """A stylesheet or script under a key naming its content, so browsers may cache it for good."""
    data = resources.files("mediapub").joinpath("site_assets", name).read_bytes()
    stem, suffix = name.rsplit(".", 1)
    return SiteFile(f"assets/{stem}-{hashlib.sha256(data).hexdigest()[:12]}.{suffix}", data, immutable=True)


def _where(exc: jinja2.TemplateError) -> str:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"{exc.name or exc.filename}, line {exc.lineno}"
    return getattr(exc, "name", None) or "?"


def _json_ld(document: dict[str, Any]) -> Markup:
    """JSON for a ``<script type="application/ld+json">``: ``<`` escaped, so no text can close the element."""
    text = json.dumps(document, ensure_ascii=False, indent=1).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text)


def _episode_json_ld(
    item: PublishedEpisode, show: Show, url: str, show_url: str, links: SiteLinks, video_id: str | None
) -> dict[str, Any]:
    episode = item.episode
    document: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "PodcastEpisode",
        "url": url,
        "name": episode.title,
        "episodeNumber": episode.number,
        "datePublished": episode.date.date().isoformat(),
        "description": episode.summary,
        "timeRequired": _iso_duration(item.duration),
        "image": (item.image or links.artwork).url,
        "associatedMedia": {
            "@type": "MediaObject",
            "contentUrl": item.media.url,
            "encodingFormat": _web_type(item.media.content_type),
            "contentSize": str(item.media.size),
            "duration": _iso_duration(item.duration),
        },
        "partOfSeries": {"@type": "PodcastSeries", "name": show.title, "url": show_url, "webFeed": links.feed_url},
        "inLanguage": show.language,
    }
    if episode.season is not None:
        document["partOfSeason"] = {"@type": "PodcastSeason", "seasonNumber": episode.season}
    if video_id:
        document["video"] = {
            "@type": "VideoObject",
            "name": episode.title,
            "description": episode.summary,
            "uploadDate": episode.date.isoformat(),
            "embedUrl": f"https://www.youtube-nocookie.com/embed/{video_id}",
            "url": f"https://www.youtube.com/watch?v={video_id}",
            "thumbnailUrl": item.poster.url if item.poster else f"https://i.ytimg.com/vi/{video_id}/hqdefault.jpg",
        }
    return document


def _web_type(content_type: str) -> str:
    """The media type browsers and social sites know: Apple's ``audio/x-m4a`` is ``audio/mp4`` on the web."""
    return "audio/mp4" if content_type == "audio/x-m4a" else content_type


def _youtube(video_id: str | None) -> dict[str, str] | None:
    if not video_id:
        return None
    return {
        "id": video_id,
        "watch": f"https://www.youtube.com/watch?v={video_id}",
        "embed": f"https://www.youtube-nocookie.com/embed/{video_id}?autoplay=1",
        "player": f"https://www.youtube-nocookie.com/embed/{video_id}",
    }


def _chapters(marks: Sequence[ChapterMark]) -> list[dict[str, Any]]:
    return [
        {"start": round(mark.start, 3), "clock": clock(mark.start), "title": mark.title, "url": mark.url}
        for mark in marks
    ]


def _transcript_cues(item: PublishedEpisode) -> list[dict[str, Any]]:
    """The transcript's lines with their times, read from the VTT or SRT file the producer gave."""
    for path in item.episode.transcript:
        if path.suffix.lower() in (".vtt", ".srt"):
            try:
                cues = captions.read_cues(path.read_bytes(), path.suffix.lower().lstrip("."), source=str(path))
            except (MediapubError, OSError):
                return []
            return [
                {"start": cue.seconds, "clock": clock(cue.seconds), "text": " ".join(cue.lines)}
                for cue in cues
                if cue.lines
            ]
    return []


def _transcript_label(content_type: str) -> str:
    kind = content_type.split(";")[0]
    return {"text/vtt": "WebVTT", "application/x-subrip": "SRT", "text/plain": "Text", "text/html": "HTML",
            "application/json": "JSON"}.get(kind, kind)  # fmt: skip


def _paragraphs(text: str) -> list[str]:
    return [" ".join(part.split()) for part in re.split(r"\n\s*\n", text.strip()) if part.strip()]


def _teaser(text: str, *, limit: int = 220) -> str:
    """The first paragraph, cut at a word near ``limit`` characters."""
    first = _paragraphs(text)[0] if text.strip() else ""
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _iso_duration(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"PT{hours}H{minutes}M{secs}S" if hours else f"PT{minutes}M{secs}S"


def _duration_text(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 1:
        return f"{round(seconds)} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _size_text(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{max(size // 1000, 1)} KB"
